/**
 * API. Test library for store implementers: {@link dev.breakwater.testing.StoreContract} is what every rate-limit,
 * throttle-gate, idempotency and cache store must do; subclass it in a store's tests (add this artifact with test
 * scope) and every scenario runs against that store.
 */
package dev.breakwater.testing;
