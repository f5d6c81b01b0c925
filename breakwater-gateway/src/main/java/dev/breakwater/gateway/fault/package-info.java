/**
 * API. The gateway's fault drills: the drills in force with their expiry
 * ({@link dev.breakwater.gateway.fault.FaultDrills}: the config file's, and operators' through the control plane) and
 * their injection at the upstream attempt, so that the engine's policies see the upstream misbehave
 * (docs/decisions/0039-fault-injection.md). What a fault does is core's {@link dev.breakwater.fault.FaultSpec}.
 */
package dev.breakwater.gateway.fault;
