/**
 * Internal: the proxy listener's request intake — what a connection and a request head must be before the gateway
 * acts on them (connections per client, the request-head deadline, unambiguous message framing, a clean request
 * target). Not API: nothing outside the gateway uses these types.
 */
package dev.breakwater.gateway.intake;
