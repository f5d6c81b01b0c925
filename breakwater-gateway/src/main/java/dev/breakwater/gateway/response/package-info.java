/**
 * Internal: how the gateway answers a request — the upstream's answer relayed (streamed or whole) or a problem, always
 * on the request's own event loop, exactly once, within the route's deadline. Not API.
 */
package dev.breakwater.gateway.response;
