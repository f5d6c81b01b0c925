/**
 * API. The engine's public API: {@link dev.breakwater.Breakwater} builds pipelines, a {@link dev.breakwater.Pipeline} runs calls in one fixed policy order, {@link dev.breakwater.CallContext} describes a call, and every failure is a {@link dev.breakwater.BreakwaterException} with an {@link dev.breakwater.ErrorCode}.
 */
package dev.breakwater;
