/**
 * Internal. The gateway's runtime assembly: the state stores that outlive reloads, and per config the engine, the
 * pipelines of every route and the upstream clients, replaced whole on reload. Not API.
 */
package dev.breakwater.gateway.runtime;
