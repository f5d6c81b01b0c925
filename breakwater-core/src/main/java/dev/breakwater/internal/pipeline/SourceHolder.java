package dev.breakwater.internal.pipeline;

import dev.breakwater.Source;

/**
 * What a call's stages report back to the pipeline: where a synchronous call's value came from, and how long the
 * call's attempts spent in the upstream. Only allocated when the caller (or a listener) asks.
 */
final class SourceHolder {
  Source source = Source.UPSTREAM;
  /** The sum of the call's attempts' upstream time; written by one attempt at a time, read when the call ends. */
  long upstreamNanos;
}
