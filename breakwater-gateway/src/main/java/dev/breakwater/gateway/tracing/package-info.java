/**
 * Internal: the gateway's OpenTelemetry setup when {@code tracing} is configured (an SDK exporting over OTLP/HTTP,
 * sampled by ratio, with W3C trace context propagators). Not API.
 */
package dev.breakwater.gateway.tracing;
