/**
 * API. Events: the listener interface that metrics, logs and traces implement, and the fan-out stores use to report to it.
 */
package dev.breakwater.event;
