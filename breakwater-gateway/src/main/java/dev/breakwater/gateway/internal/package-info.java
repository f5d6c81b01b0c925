/**
 * Internal. Gateway internals: event-loop time. Not API.
 */
package dev.breakwater.gateway.internal;
