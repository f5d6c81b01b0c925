/**
 * Internal. HTTP helpers of the gateway: problem+json rendering, bounded body streams, hop-by-hop headers. Not API.
 */
package dev.breakwater.gateway.http;
