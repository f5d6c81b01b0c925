/**
 * API. Upstream throttle gates: the in-memory store of "tenant T on upstream U is closed until X".
 */
package dev.breakwater.throttle;
