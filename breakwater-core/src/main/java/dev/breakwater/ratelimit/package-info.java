/**
 * API. Rate limits: GCRA limits with their scope (global, tenant, user, operation), decisions, remaining quotas and the in-memory store.
 */
package dev.breakwater.ratelimit;
