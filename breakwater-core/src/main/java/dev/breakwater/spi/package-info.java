/**
 * SPI. State-store SPI: where rate limits, throttle gates, idempotency records and cache entries live, and where fleet-aware breakers meet. Implement these to keep Breakwater's state somewhere else than memory or Redis.
 */
package dev.breakwater.spi;
