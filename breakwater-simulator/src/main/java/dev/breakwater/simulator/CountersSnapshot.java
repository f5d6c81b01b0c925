package dev.breakwater.simulator;

import java.util.Map;

/**
 * A point-in-time copy of the simulator's counters (also the JSON shape of {@code GET /_sim/counters}).
 *
 * @param tenants            counters per tenant id
 * @param totals             the sum over all tenants
 * @param sendMailExecutions how often {@code sendMail} executed per {@code Idempotency-Key} (bounded key set)
 * @param sendMailWithoutKey {@code sendMail} executions that carried no {@code Idempotency-Key}
 * @param untrackedKeys      executions whose key was not recorded because the key map was full
 * @param noop               requests served by {@code /noop}
 * @param notFound           requests to unknown paths or with unsupported methods
 */
public record CountersSnapshot(Map<String, TenantCounters> tenants, TenantCounters totals,
                               Map<String, Long> sendMailExecutions, long sendMailWithoutKey, long untrackedKeys,
                               long noop, long notFound) {

    /** Copies the maps so a snapshot never changes after it is taken. */
    public CountersSnapshot {
        tenants = Map.copyOf(tenants);
        sendMailExecutions = Map.copyOf(sendMailExecutions);
    }

    /** Returns the counters for {@code tenantId}, or all zeros if the tenant was never seen. */
    public TenantCounters tenant(String tenantId) {
        return tenants.getOrDefault(tenantId, TenantCounters.ZERO);
    }

    /** Returns how many times {@code sendMail} executed with the given {@code Idempotency-Key} (0 if never). */
    public long executions(String idempotencyKey) {
        return sendMailExecutions.getOrDefault(idempotencyKey, 0L);
    }
}
