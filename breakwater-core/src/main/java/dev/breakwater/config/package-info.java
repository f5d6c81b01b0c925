/**
 * API. Configuration: named shared policies, per-pipeline configuration, timeouts, and the validation errors every config record raises.
 */
package dev.breakwater.config;
