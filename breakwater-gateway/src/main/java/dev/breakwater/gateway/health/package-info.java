/**
 * Internal. Health rules: signals (breakers, the state store, upstream error and slow-call rates, SLO burn rates)
 * mapped to degradation levels with hysteresis, written to the control plane as the health rules' source, and each
 * transition told to an optional webhook. Not API.
 */
package dev.breakwater.gateway.health;
