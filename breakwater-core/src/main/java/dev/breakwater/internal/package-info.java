/**
 * Internal. The engine's implementation: the pipeline, the engine's registries and helpers. Not API: nothing outside breakwater-core may use it (an architecture test checks).
 */
package dev.breakwater.internal;
