/**
 * Internal. Redis benchmarks: decisions per second, latency and over-admission against redis-benchmark and Bucket4j; not shipped.
 */
package dev.breakwater.bench.redis;
