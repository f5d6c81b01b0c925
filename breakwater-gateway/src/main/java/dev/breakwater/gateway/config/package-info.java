/**
 * API. Gateway configuration: the YAML loader with file:line problems, and the validated records it produces.
 */
package dev.breakwater.gateway.config;
