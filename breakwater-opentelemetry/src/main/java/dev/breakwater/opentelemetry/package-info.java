/**
 * API. OpenTelemetry traces: {@link dev.breakwater.opentelemetry.BreakwaterTracing} records every engine decision as an
 * event on the caller's current span, and each upstream attempt as a child span.
 */
package dev.breakwater.opentelemetry;
