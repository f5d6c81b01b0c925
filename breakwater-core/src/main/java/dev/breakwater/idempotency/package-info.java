/**
 * API. Idempotency: the policy's configuration, reservation outcomes and the in-memory idempotency store.
 */
package dev.breakwater.idempotency;
