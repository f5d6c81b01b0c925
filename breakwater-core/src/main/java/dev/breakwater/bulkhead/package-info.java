/**
 * API. Bulkheads: the concurrency limit of a lane, with an interactive reserve, and its configuration.
 */
package dev.breakwater.bulkhead;
