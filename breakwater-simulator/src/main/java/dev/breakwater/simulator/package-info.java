/**
 * API. A Graph-like upstream simulator for tests, benchmarks and the demo: per-tenant throttling, error bursts, outages and counters of what it received.
 */
package dev.breakwater.simulator;
