/**
 * API. Classification: how a call's result or exception becomes a verdict (retryable, upstream unhealthy, error code, Retry-After).
 */
package dev.breakwater.classify;
