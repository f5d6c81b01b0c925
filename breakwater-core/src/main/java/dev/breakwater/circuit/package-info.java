/**
 * API. Circuit breakers: the state machine, its count- and time-based windows, configuration and listener.
 */
package dev.breakwater.circuit;
