package dev.breakwater.gateway.upstream.balance;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;

/** Consistent hashing of tenants over shards: a new shard takes about 1/N of the tenants and moves no other. */
class TenantShardsProperties {
  private static final int TENANTS = 4000;

  private static List<String> groups(int n, String prefix) {
    List<String> out = new ArrayList<>();
    for (int g = 0; g < n; g++) {
      out.add(prefix + g);
    }
    return out;
  }

  @Property(tries = 60)
  void addingAShardMovesAboutOneNthOfTheTenantsAllToTheNewShard(@ForAll @IntRange(min = 1, max = 12) int n,
      @ForAll @AlphaChars @StringLength(min = 1, max = 8) String prefix, @ForAll @IntRange(min = 0, max = 1000)
      int seed) {
    List<String> before = groups(n, prefix);
    List<String> after = new ArrayList<>(before);
    after.add(prefix + "-new");
    TenantShards a = new TenantShards(before, Map.of());
    TenantShards b = new TenantShards(after, Map.of());
    int moved = 0;
    for (int t = 0; t < TENANTS; t++) {
      String tenant = "tenant-" + seed + "-" + t;
      int was = a.shardOf(tenant);
      int is = b.shardOf(tenant);
      if (was != is) {
        moved++;
        assertThat(is).as("a tenant that moves goes to the new shard").isEqualTo(n);
      }
    }
    // Binomial(TENANTS, 1/(n+1)): within 6 standard deviations of its mean.
    double p = 1.0 / (n + 1);
    double mean = TENANTS * p;
    double sd = Math.sqrt(TENANTS * p * (1 - p));
    assertThat((double) moved).isBetween(mean - 6 * sd, mean + 6 * sd);
  }

  @Property(tries = 60)
  void removingAShardMovesOnlyItsOwnTenants(@ForAll @IntRange(min = 2, max = 12) int n,
      @ForAll @IntRange(min = 0, max = 1000) int seed) {
    List<String> before = groups(n, "s");
    List<String> after = new ArrayList<>(before);
    String removed = after.remove(seed % n);
    TenantShards a = new TenantShards(before, Map.of());
    TenantShards b = new TenantShards(after, Map.of());
    for (int t = 0; t < 1000; t++) {
      String tenant = "t" + seed + "." + t;
      String was = before.get(a.shardOf(tenant));
      String is = after.get(b.shardOf(tenant));
      if (!was.equals(removed)) {
        assertThat(is).isEqualTo(was);
      }
    }
  }

  @Property(tries = 30)
  void aPinnedTenantStaysOnItsShardWhateverTheShardsAre(@ForAll @IntRange(min = 1, max = 12) int n,
      @ForAll @AlphaChars @StringLength(min = 1, max = 12) String tenant) {
    List<String> groups = groups(n, "s");
    groups.add("pinned");
    assertThat(new TenantShards(groups, Map.of(tenant, "pinned")).shardOf(tenant)).isEqualTo(n);
  }
}
