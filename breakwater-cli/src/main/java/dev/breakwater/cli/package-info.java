/**
 * Internal. The {@code breakwater} command (demo, simulate, run, validate): the one module that puts the gateway and the
 * simulator in one runnable jar. Not API: nothing depends on this module.
 */
package dev.breakwater.cli;
