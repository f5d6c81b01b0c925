package dev.breakwater;

import static dev.breakwater.testing.Harness.ok;
import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.cache.CacheConfig;
import dev.breakwater.cache.CacheKeys;
import dev.breakwater.cache.CaffeineCacheStore;
import dev.breakwater.config.PipelineConfig;
import dev.breakwater.config.Policies;
import dev.breakwater.spi.StoreKeys;
import dev.breakwater.testing.Harness;
import dev.breakwater.testing.Harness.Mode;
import dev.breakwater.testing.Harness.Outcome;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A private cache entry is served only to the tenant, user and credential that filled it; a shared entry never
 * answers a private cache's request; invalidation by prefix drops exactly the entries it names, and says how many.
 */
class CredentialedCacheScenarioTest {
  private final Harness h = new Harness();
  private final CaffeineCacheStore<String> store = new CaffeineCacheStore<>(h.time, 1000);

  private Pipeline<String> pipeline(String name, String cache) {
    Policies policies = Policies.builder()
        .cache("private", CacheConfig.of(Duration.ofSeconds(30)))
        .cache("shared", CacheConfig.of(Duration.ofSeconds(30)).withShared(true))
        .build();
    return h.engine().policies(policies).build().<String>pipeline(PipelineConfig.named(name).withUpstream("graph")
        .withCache(cache)).cacheStore(store).build();
  }

  private static CallContext read(String tenant, String user, String credential) {
    return CallContext.builder().tenant(tenant).user(user).credential(credential).operation("folders")
        .resource("/me/mailFolders").build();
  }

  private dev.breakwater.cache.CacheEntry<String> entry(String v) {
    long until = h.time.epochMillis() + 60_000;
    return new dev.breakwater.cache.CacheEntry<>(v, until, until);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aPrivateEntryIsNeverServedToTheSameUserWithAnotherCredential(Mode mode) {
    Pipeline<String> p = pipeline("folders", "private");
    h.script(ok("folders seen with token X")).run(mode, p, read("contoso", "alice", "digest-X"));
    Outcome other = h.script(ok("folders seen with token Y")).run(mode, p, read("contoso", "alice", "digest-Y"));
    assertThat(other.value()).isEqualTo("folders seen with token Y");
    assertThat(other.result().source()).isEqualTo(Source.UPSTREAM);
    Outcome same = h.run(mode, p, read("contoso", "alice", "digest-X"));
    assertThat(same.value()).isEqualTo("folders seen with token X");
    assertThat(same.result().source()).isEqualTo(Source.CACHE);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aSharedEntryIsNeverServedToAPrivateCachesRequestWithoutAUser(Mode mode) {
    Pipeline<String> shared = pipeline("folders-shared", "shared");
    Pipeline<String> own = pipeline("folders-private", "private");
    h.script(ok("shared folders")).run(mode, shared, read("contoso", null, null));
    Outcome o = h.script(ok("private folders")).run(mode, own, read("contoso", null, null));
    assertThat(o.value()).isEqualTo("private folders");
    assertThat(o.result().source()).isEqualTo(Source.UPSTREAM);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aSharedEntryServesEveryUserAndCredentialOfItsTenantOnly(Mode mode) {
    Pipeline<String> p = pipeline("folders", "shared");
    h.script(ok("contoso's")).run(mode, p, read("contoso", "alice", "digest-X"));
    assertThat(h.run(mode, p, read("contoso", "bob", "digest-Y")).result().source()).isEqualTo(Source.CACHE);
    assertThat(h.script(ok("fabrikam's")).run(mode, p, read("fabrikam", "alice", "digest-X")).value())
        .isEqualTo("fabrikam's");
  }

  @Test
  void aUsersPrefixDropsEveryCredentialOfThatUserOnThatOperationAndNothingElse() {
    CacheConfig c = CacheConfig.of(Duration.ofSeconds(30));
    CacheKeys keys = new CacheKeys(c);
    String[] kept = {
        keys.key(read("contoso", "bob", "X")), keys.key(read("fabrikam", "alice", "X")),
        keys.key(read("contoso", "alice", "X").toBuilder().operation("calendars").build())};
    String[] dropped = {keys.key(read("contoso", "alice", "X")), keys.key(read("contoso", "alice", "Y")),
        keys.key(read("contoso", "alice", null))};
    for (String k : kept) {
      store.put(k, entry("kept"));
    }
    for (String k : dropped) {
      store.put(k, entry("dropped"));
    }
    assertThat(store.invalidatePrefix(CacheKeys.userPrefix("v1", "contoso", "folders", false, "alice")))
        .isEqualTo(3);
    for (String k : kept) {
      assertThat(store.get(k)).isNotNull();
    }
    for (String k : dropped) {
      assertThat(store.get(k)).isNull();
    }
  }

  @Test
  void anOperationIsDroppedForEveryTenantByItsPartWithoutTouchingOtherOperations() {
    CacheKeys keys = new CacheKeys(CacheConfig.of(Duration.ofSeconds(30)));
    String a = keys.key(read("contoso", "alice", "X"));
    String b = keys.key(read("folders", "folders", "folders").toBuilder().operation("calendars").build());
    String c = keys.key(read("fabrikam", null, null));
    for (String k : new String[] {a, b, c}) {
      store.put(k, entry("v"));
    }
    assertThat(store.invalidateWhere(StoreKeys.of("v1"), CacheKeys.OPERATION_PART, "folders")).isEqualTo(2);
    assertThat(store.get(b)).isNotNull();
  }
}
