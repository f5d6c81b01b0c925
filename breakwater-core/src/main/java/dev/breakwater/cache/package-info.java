/**
 * API. Caching: the cache policy's configuration, cached entries with their fresh and stale deadlines, and the in-process cache store.
 */
package dev.breakwater.cache;
