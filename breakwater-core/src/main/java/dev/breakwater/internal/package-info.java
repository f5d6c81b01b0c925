/**
 * Internal. The engine's implementation: the engine's registries and helpers (the pipeline's stages are in
 * {@code dev.breakwater.internal.pipeline}). Not API: nothing outside breakwater-core may use it (an architecture
 * test checks).
 */
package dev.breakwater.internal;
