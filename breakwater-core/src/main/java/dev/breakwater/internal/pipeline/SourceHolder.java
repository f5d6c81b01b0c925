package dev.breakwater.internal.pipeline;

import dev.breakwater.Source;

/** Where a synchronous call's value came from; only allocated when the caller (or a listener) asks. */
final class SourceHolder {
  Source source = Source.UPSTREAM;
}
