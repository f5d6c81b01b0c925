package dev.breakwater.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.CallContext;
import dev.breakwater.spi.StoreKeys;
import java.time.Duration;
import java.util.Objects;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Cache keys for adversarial ids (earlier delimiters, the encoding's own markers, absent and empty ids, lone
 * surrogates): two requests share a cache key only if tenant, operation, resource are equal and, for a private cache,
 * user and credential digest too; prefixes by tenant, operation and user select exactly their own entries.
 */
class CacheKeysPropertiesTest {
  private static final CacheKeys PRIVATE = new CacheKeys(CacheConfig.of(Duration.ofSeconds(1)));
  private static final CacheKeys SHARED = new CacheKeys(CacheConfig.of(Duration.ofSeconds(1)).withShared(true));

  @Provide
  Arbitrary<String> id() {
    Arbitrary<String> tricky = Arbitraries.strings()
        .withChars(":\u001f{}%-~0123456789aSP".toCharArray())
        .withChars('\uD83D', '\uDE00', '\uD800', '\u0000')
        .ofMinLength(0).ofMaxLength(8);
    Arbitrary<String> known = Arbitraries.of("", "tA", "tA:z", "z:u", "u", "S", "P", "1:S", "1:P", "-", "1:a",
        "2:", "\uD83D");
    return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(3, tricky), net.jqwik.api.Tuple.of(2, known))
        .injectNull(0.15);
  }

  @Provide
  Arbitrary<CallContext> request() {
    return Combinators.combine(id(), id(), id(), id(), id()).as((t, u, c, o, r) -> CallContext.builder().tenant(t)
        .user(u).credential(c).operation(o).resource(r).build());
  }

  @Property(tries = 5000)
  void twoRequestsShareAPrivateKeyOnlyIfTenantUserCredentialOperationAndResourceAreEqual(
      @ForAll("request") CallContext a, @ForAll("request") CallContext b) {
    boolean same = Objects.equals(a.tenant(), b.tenant()) && Objects.equals(a.user(), b.user())
        && Objects.equals(a.credential(), b.credential()) && Objects.equals(a.operation(), b.operation())
        && Objects.equals(a.resource(), b.resource());
    assertThat(PRIVATE.key(a).equals(PRIVATE.key(b))).isEqualTo(same);
  }

  @Property(tries = 5000)
  void twoRequestsShareASharedKeyOnlyIfTenantOperationAndResourceAreEqual(@ForAll("request") CallContext a,
      @ForAll("request") CallContext b) {
    boolean same = Objects.equals(a.tenant(), b.tenant()) && Objects.equals(a.operation(), b.operation())
        && Objects.equals(a.resource(), b.resource());
    assertThat(SHARED.key(a).equals(SHARED.key(b))).isEqualTo(same);
  }

  @Property(tries = 3000)
  void aSharedKeyNeverEqualsAPrivateKey(@ForAll("request") CallContext a, @ForAll("request") CallContext b) {
    assertThat(SHARED.key(a)).isNotEqualTo(PRIVATE.key(b));
  }

  @Property(tries = 3000)
  void aUserPrefixSelectsExactlyThatTenantOperationAndUsersPrivateEntries(@ForAll("request") CallContext entry,
      @ForAll("request") CallContext writer) {
    String prefix = CacheKeys.userPrefix("v1", writer.tenant(), writer.operation(), false, writer.user());
    boolean mine = Objects.equals(entry.tenant(), writer.tenant())
        && Objects.equals(entry.operation(), writer.operation()) && Objects.equals(entry.user(), writer.user());
    assertThat(PRIVATE.key(entry).startsWith(prefix)).isEqualTo(mine);
    assertThat(SHARED.key(entry).startsWith(prefix)).as("never a shared entry").isFalse();
  }

  @Property(tries = 3000)
  void theOperationPartOfAKeyIsItsOperation(@ForAll("request") CallContext a) {
    assertThat(StoreKeys.part(PRIVATE.key(a), CacheKeys.OPERATION_PART)).isEqualTo(a.operation());
    assertThat(StoreKeys.part(SHARED.key(a), CacheKeys.TENANT_PART)).isEqualTo(a.tenant());
  }
}
