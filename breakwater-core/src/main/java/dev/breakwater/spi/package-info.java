/**
 * SPI. State-store SPI: where rate limits, throttle gates, idempotency records, cache entries and control settings live, where fleet-aware breakers meet, and how a caller's context is carried across threads. Implement these to keep Breakwater's state somewhere else than memory or Redis.
 */
package dev.breakwater.spi;
