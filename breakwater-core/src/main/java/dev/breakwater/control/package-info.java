/**
 * API. The control plane: operator and health-rule settings (degradation levels, forced breaker states, the kill
 * switch, the rollout share, fault drills) keyed by a target, kept in a {@link dev.breakwater.spi.ControlStore} so
 * that a fleet shares them, and read on the hot path from an immutable snapshot.
 */
package dev.breakwater.control;
