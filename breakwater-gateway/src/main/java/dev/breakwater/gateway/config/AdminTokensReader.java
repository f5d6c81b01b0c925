package dev.breakwater.gateway.config;

import dev.breakwater.gateway.config.AdminConfig.AdminToken;
import dev.breakwater.gateway.config.YamlReader.Mapping;
import dev.breakwater.gateway.config.YamlReader.Value;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads the admin API's tokens: {@code admin.token} (one token, named {@code admin}) and {@code admin.tokens} (a list
 * of {@code {name, token}}), each problem at its line; secrets are never echoed.
 */
final class AdminTokensReader {
  static final int MIN_TOKEN_LENGTH = 16;
  static final String SINGLE_NAME = "admin";
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
  private static final String TOKEN_EXPECTED = "a bearer token of at least " + MIN_TOKEN_LENGTH
      + " characters, such as ${BW_ADMIN_TOKEN}";

  private AdminTokensReader() {}

  /** The tokens of the admin mapping {@code m} (the single one first), or null after a problem (reported). */
  static List<AdminToken> tokens(Mapping m) {
    List<AdminToken> out = new ArrayList<>();
    Map<String, String> names = new HashMap<>();
    Map<String, String> secrets = new HashMap<>();
    if (m.has("token")) {
      String token = secret(m, m.value("token"));
      if (token != null) {
        add(m, m.value("token"), m.value("token"), new AdminToken(SINGLE_NAME, token), "admin.token", names,
            secrets, out);
      }
    }
    if (m.has("tokens")) {
      List<Value> items = m.value("tokens").items("a list of {name, token}");
      if (items == null) {
        m.fail();
      } else {
        for (Value item : items) {
          Mapping t = item.mapping(Shape.ADMIN_TOKEN);
          if (t == null) {
            m.fail();
            continue;
          }
          String name = t.requiredString("name", "the name its changes are logged under, such as oncall");
          if (name != null && !NAME.matcher(name).matches()) {
            t.problem("name", "a name of letters, digits, '.', '_' and '-'");
          }
          String token = t.has("token") ? secret(t, t.value("token")) : null;
          if (!t.has("token")) {
            t.missing("token", TOKEN_EXPECTED);
          }
          if (t.failed() || name == null || token == null) {
            m.fail();
            continue;
          }
          add(m, t.value("name"), t.value("token"), new AdminToken(name, token), item.path, names, secrets, out);
        }
      }
    }
    if (!m.has("token") && !m.has("tokens")) {
      m.missing("token", "the admin API's bearer token, at least " + MIN_TOKEN_LENGTH + " characters, such as "
          + "${BW_ADMIN_TOKEN}; or tokens, a list of {name, token}");
    }
    return m.failed() ? null : out;
  }

  /** The token's text if it is long enough; a short one is reported by its length only. */
  private static String secret(Mapping m, Value v) {
    String token = v.string();
    if (token == null) {
      m.fail();
      return null;
    }
    if (token.length() < MIN_TOKEN_LENGTH) {
      v.problemMessage(token.length() + " characters (expected: at least " + MIN_TOKEN_LENGTH + " characters)");
      m.fail();
      return null;
    }
    return token;
  }

  private static void add(Mapping m, Value nameAt, Value tokenAt, AdminToken t, String where,
      Map<String, String> names, Map<String, String> secrets, List<AdminToken> out) {
    String sameName = names.putIfAbsent(t.name(), where);
    if (sameName != null) {
      nameAt.problemMessage(YamlReader.quote(t.name()) + " (expected: a name no other token has; " + sameName
          + " has it" + (t.name().equals(SINGLE_NAME) ? ", the name admin.token is logged under" : "") + ")");
      m.fail();
      return;
    }
    String sameSecret = secrets.putIfAbsent(t.token(), where);
    if (sameSecret != null) {
      tokenAt.problemMessage("a token that " + sameSecret
          + " has too (expected: a token of its own, so its changes are logged under one name)");
      m.fail();
      return;
    }
    out.add(t);
  }
}
