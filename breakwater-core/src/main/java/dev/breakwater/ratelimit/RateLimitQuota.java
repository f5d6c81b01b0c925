package dev.breakwater.ratelimit;

/**
 * What is left of a bucket, for the IETF RateLimit header: the tokens a caller could take now, and the seconds until
 * the bucket is full again.
 *
 * @param remaining    tokens available now
 * @param resetSeconds seconds until the bucket is full (0 when it is)
 */
public record RateLimitQuota(long remaining, long resetSeconds) {}
