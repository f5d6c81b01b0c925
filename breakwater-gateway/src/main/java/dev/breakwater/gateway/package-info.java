/**
 * API. The sidecar gateway: {@link dev.breakwater.gateway.Gateway} starts, reloads and drains a YAML-configured HTTP proxy; the command line and the admin API live here too.
 */
package dev.breakwater.gateway;
