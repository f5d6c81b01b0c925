/**
 * Internal. The Redis stores' implementation: scripts, connection, key layout and the guard that falls back to local state. Not API.
 */
package dev.breakwater.redis.internal;
