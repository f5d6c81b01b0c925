/**
 * API. What a fault drill does: its kind, the route or upstream whose calls it may hit, which calls (a tenant's, those
 * carrying a header), what share of their attempts, and for how long. The gateway injects these at the upstream
 * attempt and carries operators' drills through the control plane ({@link dev.breakwater.control.Setting.Fault}).
 */
package dev.breakwater.fault;
