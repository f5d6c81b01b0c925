/**
 * API. Redis state for a fleet: {@link dev.breakwater.redis.RedisState} connects to standalone, Sentinel or Cluster Redis and hands out the state stores.
 */
package dev.breakwater.redis;
