/**
 * Internal. Which endpoint of an upstream takes a call: endpoint health (active checks and passive outcomes),
 * ejection for a growing period, round robin over the healthy endpoints of the group in use, failover to the next
 * group and the stepped failback to a recovered one. Pure logic on a {@code TimeSource}: no I/O, no Vert.x.
 */
package dev.breakwater.gateway.upstream.balance;
