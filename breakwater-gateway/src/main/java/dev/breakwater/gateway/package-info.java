/**
 * API. The sidecar gateway: {@link dev.breakwater.gateway.Gateway} starts, reloads and drains a YAML-configured HTTP
 * proxy. The request path lives in {@code proxy}, {@code upstream} and {@code response}, the runtime assembly in
 * {@code runtime}, the admin API in {@code admin}; the {@code breakwater} command is the breakwater-cli module.
 */
package dev.breakwater.gateway;
