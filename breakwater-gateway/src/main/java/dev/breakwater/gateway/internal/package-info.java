/**
 * Internal. Gateway internals: event-loop time, the event-loop count. Not API.
 */
package dev.breakwater.gateway.internal;
