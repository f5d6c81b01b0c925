/**
 * Internal. The pipeline as stages: {@link dev.breakwater.internal.pipeline.DefaultPipeline} wires one stage per
 * layer in the one fixed order (decision 0001); each stage owns its decisions and its synchronous and asynchronous
 * step. Not API: nothing outside breakwater-core may use it (an architecture test checks).
 */
package dev.breakwater.internal.pipeline;
