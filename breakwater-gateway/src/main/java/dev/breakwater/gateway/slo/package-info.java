/**
 * API. Service-level objectives: which call outcomes count against an error budget, and the Prometheus recording
 * rules and multiwindow, multi-burn-rate alerts generated from a gateway config's {@code slos}.
 */
package dev.breakwater.gateway.slo;
