/**
 * Internal. The admin listener: health, metrics and the operators' token-protected controls, on the narrow
 * {@link dev.breakwater.gateway.admin.AdminOps} view of a running gateway. Not API.
 */
package dev.breakwater.gateway.admin;
