/**
 * Internal. Caller identity from JWTs: JWKS fetching and token verification. Not API.
 */
package dev.breakwater.gateway.identity;
