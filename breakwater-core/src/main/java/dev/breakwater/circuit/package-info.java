/**
 * API. Circuit breakers: the state machine, its count- and time-based windows, the "N failures within T" rule,
 * configuration, listener, the half-open probe claim of a fleet, and the in-memory breaker fleet store.
 */
package dev.breakwater.circuit;
