package dev.breakwater.gateway;

import static dev.breakwater.gateway.GatewayEndToEndTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.breakwater.gateway.config.ConfigLoader;
import dev.breakwater.simulator.Simulator;
import dev.breakwater.simulator.SimulatorConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Tenant and user from a verified JWT: a JWKS served on loopback, tokens signed in the test. */
@org.junit.jupiter.api.extension.ExtendWith(LeakDetection.class)
class JwtIdentityTest {
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private HttpServer idp;
  private Simulator sim;
  private Gateway gateway;
  private KeyPair keys;
  private final AtomicInteger jwksFetches = new AtomicInteger();
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    keys = g.generateKeyPair();
    RSAPublicKey pub = (RSAPublicKey) keys.getPublic();
    String jwks = "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"k1\",\"use\":\"sig\",\"n\":\""
        + B64.encodeToString(unsigned(pub.getModulus().toByteArray())) + "\",\"e\":\""
        + B64.encodeToString(unsigned(pub.getPublicExponent().toByteArray())) + "\"}]}";
    idp = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    idp.createContext("/jwks.json", ex -> {
      jwksFetches.incrementAndGet();
      byte[] b = jwks.getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, b.length);
      ex.getResponseBody().write(b);
      ex.close();
    });
    idp.start();
    sim = Simulator.start(SimulatorConfig.defaults().withPort(0));
    gateway = Gateway.start(ConfigLoader.parse(String.join("\n",
        "server: { port: 0 }",
        "admin: { port: 0, token: jwt-test-token-0123456789 }",
        "identity:",
        "  jwt:",
        "    jwksUrl: http://127.0.0.1:" + idp.getAddress().getPort() + "/jwks.json",
        "    issuer: https://login.example/",
        "    audience: api://breakwater",
        "    tenantClaim: tid",
        "    userClaim: oid",
        "    jwksCacheTtl: 10m",
        "policies:",
        "  rateLimits:",
        "    two-per-tenant: { scope: tenant, permits: 2, period: 1m, burst: 2 }",
        "upstreams:",
        "  graph:",
        "    endpoints:",
        "      - http://127.0.0.1:" + sim.port(),
        "routes:",
        "  - { name: messages, path: /v1.0/me/messages, upstream: graph, operation: list,"
            + " rateLimits: [two-per-tenant] }",
        ""), "jwt.yaml"));
  }

  @AfterEach
  void stop() {
    gateway.close();
    sim.close();
    idp.stop(0);
  }

  private static byte[] unsigned(byte[] b) {
    return b.length > 1 && b[0] == 0 ? java.util.Arrays.copyOfRange(b, 1, b.length) : b;
  }

  private String token(String kid, String claims) throws Exception {
    String header = B64.encodeToString(("{\"alg\":\"RS256\",\"kid\":\"" + kid + "\"}").getBytes(StandardCharsets.UTF_8));
    String payload = B64.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
    Signature s = Signature.getInstance("SHA256withRSA");
    s.initSign(keys.getPrivate());
    s.update((header + "." + payload).getBytes(StandardCharsets.US_ASCII));
    return header + "." + payload + "." + B64.encodeToString(s.sign());
  }

  private String claims(String iss, String aud, long exp) {
    return claims(iss, aud, exp, "contoso");
  }

  private String claims(String iss, String aud, long exp, String tenant) {
    return "{\"iss\":\"" + iss + "\",\"aud\":\"" + aud + "\",\"exp\":" + exp + ",\"tid\":\"" + tenant
        + "\",\"oid\":\"alice\"}";
  }

  private HttpResponse<String> get(String bearer) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port()
        + "/v1.0/me/messages"));
    if (bearer != null) {
      b.header("Authorization", "Bearer " + bearer);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aValidTokenNamesTheTenantAndTheKeysAreFetchedOnce() throws Exception {
    long exp = System.currentTimeMillis() / 1000 + 600;
    String t = token("k1", claims("https://login.example/", "api://breakwater", exp));
    assertThat(get(t).statusCode()).isEqualTo(200);
    assertThat(get(t).statusCode()).isEqualTo(200);
    // The tenant comes from the token's tid claim: contoso's own budget of two is spent, fabrikam's is not.
    assertProblem(get(t), 429, "RATE_LIMITED");
    String other = token("k1", claims("https://login.example/", "api://breakwater", exp, "fabrikam"));
    assertThat(get(other).statusCode()).isEqualTo(200);
    assertThat(jwksFetches).hasValue(1);
  }

  @Test
  void missingForgedExpiredOrForeignTokensAreRejectedWith401() throws Exception {
    long exp = System.currentTimeMillis() / 1000 + 600;
    assertProblem(get(null), 401, "AUTH_REQUIRED");
    String good = token("k1", claims("https://login.example/", "api://breakwater", exp));
    String forged = good.substring(0, good.lastIndexOf('.') + 1) + B64.encodeToString(new byte[256]);
    assertProblem(get(forged), 401, "AUTH_REQUIRED");
    assertProblem(get(token("k1", claims("https://login.example/", "api://breakwater", 1000))), 401,
        "AUTH_REQUIRED");
    assertProblem(get(token("k1", claims("https://evil.example/", "api://breakwater", exp))), 401, "AUTH_REQUIRED");
    assertProblem(get(token("k1", claims("https://login.example/", "api://other", exp))), 401, "AUTH_REQUIRED");
    assertProblem(get(token("unknown", claims("https://login.example/", "api://breakwater", exp))), 401,
        "AUTH_REQUIRED");
    assertProblem(get("not-a-jwt"), 401, "AUTH_REQUIRED");
    assertThat(sim.counters().totals().received()).isZero();
  }
}
