/**
 * API. Fault injection for drills: what a fault does ({@link dev.breakwater.gateway.fault.FaultSpec}), the drills in
 * force with their expiry ({@link dev.breakwater.gateway.fault.FaultDrills}), and the injection at the upstream
 * attempt, so that the engine's policies see the upstream misbehave (docs/decisions/0039-fault-injection.md).
 */
package dev.breakwater.gateway.fault;
