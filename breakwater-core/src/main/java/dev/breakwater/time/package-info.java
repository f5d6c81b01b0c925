/**
 * API. Time: the clock every time-based policy reads, the system clock and a virtual clock for tests.
 */
package dev.breakwater.time;
