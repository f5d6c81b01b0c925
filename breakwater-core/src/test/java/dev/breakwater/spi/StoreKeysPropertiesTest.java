package dev.breakwater.spi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.CallContext;
import dev.breakwater.ratelimit.RateLimitScope;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The store-key encoding is injective for adversarial ids: delimiters of every earlier scheme ({@code :}, U+001F),
 * Redis hash-tag braces, {@code %}, the encoding's own markers ({@code -}, {@code ~}), digits that look like length
 * prefixes, empty and absent ids, surrogate pairs and lone surrogates, very long strings. Two different identity
 * tuples never share a key, for every key kind the engine builds, neither as a Java string nor as the UTF-8 bytes a
 * remote store receives; prefixes select exactly the keys whose leading parts they name.
 */
class StoreKeysPropertiesTest {

  @Provide
  Arbitrary<String> id() {
    Arbitrary<String> tricky = Arbitraries.strings()
        .withChars(":\u001f{}%-~0123456789aZ".toCharArray())
        .withChars('\uD83D', '\uDE00', '\uD800', '\uDFFF', 'é', '\u0000')
        .ofMinLength(0).ofMaxLength(12);
    Arbitrary<String> unicode = Arbitraries.strings().all().ofMaxLength(8);
    Arbitrary<String> known = Arbitraries.of("", "tA", "tA:z", "z:u", "u", "1:a", "-", "~1:0041", "2:", "0:",
        "\u001f", "a\u001fb", "{t}", "%7B", "\uD83D\uDE00", "\uD83D", "\uDE00", "?");
    Arbitrary<String> longOne = Arbitraries.strings().withChars("1:a".toCharArray()).ofMinLength(1000)
        .ofMaxLength(3000);
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(5, tricky), net.jqwik.api.Tuple.of(2, unicode), net.jqwik.api.Tuple.of(3, known),
        net.jqwik.api.Tuple.of(1, longOne)).injectNull(0.1);
  }

  @Provide
  Arbitrary<List<String>> tuple() {
    return id().list().ofMinSize(0).ofMaxSize(5);
  }

  @Property(tries = 3000)
  void distinctTuplesOfAnyLengthNeverShareAKey(@ForAll("tuple") List<String> a, @ForAll("tuple") List<String> b) {
    String ka = key(a);
    String kb = key(b);
    if (!a.equals(b)) {
      assertThat(ka).isNotEqualTo(kb);
      assertThat(ka.getBytes(StandardCharsets.UTF_8)).as("as UTF-8 bytes").isNotEqualTo(
          kb.getBytes(StandardCharsets.UTF_8));
    }
  }

  @Property(tries = 2000)
  void aKeyDecodesBackToItsParts(@ForAll("tuple") List<String> parts) {
    String k = key(parts);
    assertThat(StoreKeys.parts(k)).isEqualTo(parts);
    for (int i = 0; i < parts.size(); i++) {
      assertThat(StoreKeys.part(k, i)).isEqualTo(parts.get(i));
    }
    if (!parts.isEmpty()) {
      assertThat(StoreKeys.tenantOf(k)).isEqualTo(parts.get(0));
    }
  }

  @Property(tries = 3000)
  void aPrefixOfLeadingPartsMatchesExactlyTheKeysThatStartWithThoseParts(@ForAll("tuple") List<String> key,
      @ForAll("tuple") List<String> prefix) {
    boolean leading = prefix.size() <= key.size() && key.subList(0, prefix.size()).equals(prefix);
    assertThat(key(key).startsWith(key(prefix))).isEqualTo(leading);
  }

  @Property(tries = 2000)
  void everyFixedArityBuilderAgreesWithTheGeneralOne(@ForAll("id") String a, @ForAll("id") String b,
      @ForAll("id") String c, @ForAll("id") String d, @ForAll("id") String e) {
    assertThat(StoreKeys.of(a)).isEqualTo(StoreKeys.ofParts(a));
    assertThat(StoreKeys.of(a, b)).isEqualTo(StoreKeys.ofParts(a, b));
    assertThat(StoreKeys.of(a, b, c)).isEqualTo(StoreKeys.ofParts(a, b, c));
    assertThat(StoreKeys.of(a, b, c, d)).isEqualTo(StoreKeys.ofParts(a, b, c, d));
    assertThat(StoreKeys.of(a, b, c, d, e)).isEqualTo(StoreKeys.ofParts(a, b, c, d, e));
  }

  /**
   * Cache keys (version, tenant, user, operation, resource), last-good keys (tenant, user, operation, resource) and
   * idempotency keys (tenant, user, operation, key) are built with the fixed-arity builders checked above; the
   * rate-limit scopes build theirs from a call, so they are checked from calls.
   */
  @Property(tries = 3000)
  void distinctCallsNeverShareARateLimitBucketInAnyScope(@ForAll("id") String t1, @ForAll("id") String u1,
      @ForAll("id") String o1, @ForAll("id") String t2, @ForAll("id") String u2, @ForAll("id") String o2) {
    CallContext a = CallContext.builder().tenant(t1).user(u1).operation(o1).build();
    CallContext b = CallContext.builder().tenant(t2).user(u2).operation(o2).build();
    for (RateLimitScope s : RateLimitScope.values()) {
      List<String> ia = identity(s, a);
      List<String> ib = identity(s, b);
      if (!ia.equals(ib)) {
        assertThat(s.key(a)).as(s.name()).isNotEqualTo(s.key(b));
      } else {
        assertThat(s.key(a)).as(s.name() + " of the same identity").isEqualTo(s.key(b));
      }
      if (s.byTenant()) {
        assertThat(StoreKeys.tenantOf(s.key(a))).isEqualTo(a.tenant());
      }
    }
  }

  @Example
  void theTenantColonUserLeakOfTheOldCacheKeyIsGone() {
    assertThat(StoreKeys.of("v1", "tA:z", "u", "me", "/me")).isNotEqualTo(StoreKeys.of("v1", "tA", "z:u", "me", "/me"));
    assertThat(StoreKeys.of("tA:z", "u")).isEqualTo("4:tA:z1:u");
    assertThat(StoreKeys.of(null, "")).isEqualTo("-0:");
  }

  @Example
  void aLoneSurrogateIsKeptApartFromTheQuestionMarkUtf8WouldTurnItInto() {
    byte[] lone = StoreKeys.of("\uD800").getBytes(StandardCharsets.UTF_8);
    byte[] other = StoreKeys.of("\uDC00").getBytes(StandardCharsets.UTF_8);
    byte[] question = StoreKeys.of("?").getBytes(StandardCharsets.UTF_8);
    assertThat(lone).isNotEqualTo(other).isNotEqualTo(question);
  }

  private static List<String> identity(RateLimitScope s, CallContext c) {
    switch (s) {
      case GLOBAL:
        return List.of();
      case TENANT:
        return Arrays.asList(c.tenant());
      case USER:
        return Arrays.asList(c.tenant(), c.user());
      case OPERATION:
        return Arrays.asList(c.operation());
      default:
        return Arrays.asList(c.tenant(), c.operation());
    }
  }

  private static String key(List<String> parts) {
    return StoreKeys.ofParts(new ArrayList<>(parts).toArray(new String[0]));
  }
}
