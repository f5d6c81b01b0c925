/**
 * Internal. JMH and load benchmarks of the engine against Resilience4j and Failsafe; not shipped.
 */
package dev.breakwater.bench;
