package dev.breakwater.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Fuzzes the config loader: any file content either loads or is rejected with {@link ConfigProblems} whose message
 * speaks of the file (never another exception, and never an internal class name the operator cannot act on).
 */
class ConfigLoaderFuzzTest {
  // Words that only an exception's own text brings in; the check skips one the input itself contains.
  private static final List<String> INTERNAL = List.of("Exception", "org.snakeyaml", "dev.breakwater", "java.",
      "jdk.internal", "com.fasterxml", "io.vertx", "@");

  /** Any UTF-8 text loads or is rejected with config problems in the operator's words. */
  @FuzzTest
  void anyFileLoadsOrIsRejectedWithProblemsInWords(byte[] input) {
    String yaml = new String(input, StandardCharsets.UTF_8);
    ConfigLoader loader = ConfigLoader.withEnvironment(Map.of("ADMIN_TOKEN", "0123456789abcdef")::get);
    try {
      assertThat(loader.read(yaml, "fuzz.yaml")).isNotNull();
    } catch (ConfigProblems e) {
      assertThat(e.problems()).isNotEmpty();
      for (String word : INTERNAL) {
        if (!yaml.contains(word)) {
          assertThat(e.getMessage()).as("problems of %s", yaml).doesNotContain(word);
        }
      }
    }
  }
}
