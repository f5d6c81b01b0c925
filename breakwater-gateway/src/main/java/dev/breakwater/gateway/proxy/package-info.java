/**
 * Internal. The proxy's request path as a chain of steps, in the order {@code docs/gateway.md} describes: correlation,
 * route match, identity, request checks, the call context and the pipeline, then the upstream and the answer.
 * {@link dev.breakwater.gateway.proxy.ProxyHandler} is the order of the steps; each step is a class of its own.
 * Not API.
 */
package dev.breakwater.gateway.proxy;
