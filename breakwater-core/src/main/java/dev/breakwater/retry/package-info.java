/**
 * API. Retries: backoff configuration and the retry budget that bounds retry amplification.
 */
package dev.breakwater.retry;
