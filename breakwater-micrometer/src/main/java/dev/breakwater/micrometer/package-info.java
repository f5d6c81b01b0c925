/**
 * API. Micrometer metrics: {@link dev.breakwater.micrometer.BreakwaterMetrics} publishes every engine decision as breakwater_* meters.
 */
package dev.breakwater.micrometer;
