/**
 * API. Fallbacks: what a pipeline answers when a call fails with an error code its fallback policy covers.
 */
package dev.breakwater.fallback;
