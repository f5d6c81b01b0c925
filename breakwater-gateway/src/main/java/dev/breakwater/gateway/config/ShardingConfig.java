package dev.breakwater.gateway.config;

import java.util.Map;

/**
 * Tenant-to-shard routing: an upstream's endpoint groups are shards (each holding some tenants' data), not
 * failover regions. A tenant named here goes to its group; any other tenant to the group consistent hashing picks.
 *
 * @param tenants tenant to group name, in file order
 */
public record ShardingConfig(Map<String, String> tenants) {

  /** Copies the map. */
  public ShardingConfig {
    tenants = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(tenants));
  }
}
