/**
 * Internal. The gateway's side of response caching: the credential digest that scopes private entries, which cached
 * routes a write invalidates, and the operators' flush. Not API.
 */
package dev.breakwater.gateway.cache;
