package dev.breakwater.gateway.upstream.balance;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Which shard (endpoint group) holds a tenant: the group the tenant map names, else the group with the highest
 * rendezvous hash of tenant and group name. Adding a group moves only the tenants the new group now wins, about 1/N
 * of them, all to the new group; removing one moves only its own tenants.
 */
public final class TenantShards {
  private final List<String> groups;
  private final Map<String, String> pinned;

  /** Shards over {@code groups} (names, in priority order), with {@code pinned} tenants going to the group named. */
  public TenantShards(List<String> groups, Map<String, String> pinned) {
    this.groups = List.copyOf(groups);
    this.pinned = Map.copyOf(pinned);
  }

  /** The index of {@code tenant}'s group; a call without a tenant counts as the tenant "". */
  public int shardOf(String tenant) {
    String t = tenant == null ? "" : tenant;
    String named = pinned.get(t);
    if (named != null) {
      return groups.indexOf(named);
    }
    int best = 0;
    long bestScore = Long.MIN_VALUE;
    for (int g = 0; g < groups.size(); g++) {
      long score = hash(t, groups.get(g));
      if (score > bestScore) {
        best = g;
        bestScore = score;
      }
    }
    return best;
  }

  /** FNV-1a over tenant, a separator and group, then the SplitMix64 finaliser so that every bit depends on all. */
  private static long hash(String tenant, String group) {
    long h = 0xcbf29ce484222325L;
    for (byte b : (tenant + '\u0000' + group).getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ (b & 0xff)) * 0x100000001b3L;
    }
    h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
    h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
    return h ^ (h >>> 31);
  }
}
