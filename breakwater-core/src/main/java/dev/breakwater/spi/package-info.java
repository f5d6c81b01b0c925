/**
 * SPI. State-store SPI: where rate limits, throttle gates, idempotency records, cache entries and control settings live. Implement these to keep Breakwater's state somewhere else than memory or Redis.
 */
package dev.breakwater.spi;
