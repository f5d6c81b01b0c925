/**
 * Internal. The gateway's side of the upstreams: per-event-loop pooled clients per endpoint (HTTP/1.1, h2c, h2 over
 * TLS), endpoint failover in priority order, and the codec that stores a buffered answer in Redis. Not API.
 */
package dev.breakwater.gateway.upstream;
