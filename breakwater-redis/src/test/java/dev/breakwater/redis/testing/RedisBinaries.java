package dev.breakwater.redis.testing;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds {@code redis-server} and {@code redis-cli}: in the directory named by the system property
 * {@code breakwater.redis.bin} when set, otherwise on {@code PATH}.
 */
public final class RedisBinaries {
  /** System property naming a directory that holds {@code redis-server} and {@code redis-cli}. */
  public static final String BIN_DIR_PROPERTY = "breakwater.redis.bin";

  private RedisBinaries() {}

  /** The {@code redis-server} executable, or an {@link IllegalStateException} that says how to install it. */
  public static Path redisServer() {
    return require("redis-server");
  }

  /** The {@code redis-cli} executable, or an {@link IllegalStateException} that says how to install it. */
  public static Path redisCli() {
    return require("redis-cli");
  }

  /** Whether both executables can be found, for callers that prefer to skip rather than fail. */
  public static boolean available() {
    return find("redis-server").isPresent() && find("redis-cli").isPresent();
  }

  private static Path require(String name) {
    return find(name).orElseThrow(() -> new IllegalStateException(
        name + " was not found " + where() + ". The Redis tests start their own " + name
            + " on free loopback ports: install Redis 7 (e.g. `apt-get install redis-server`, which .ci/run does"
            + " on CI) or point -D" + BIN_DIR_PROPERTY + "=<dir> at a directory holding redis-server and"
            + " redis-cli."));
  }

  private static String where() {
    String dir = System.getProperty(BIN_DIR_PROPERTY);
    return dir != null && !dir.isBlank()
        ? "in " + dir + " (-D" + BIN_DIR_PROPERTY + ")"
        : "on PATH (" + System.getenv().getOrDefault("PATH", "") + ")";
  }

  private static Optional<Path> find(String name) {
    String dir = System.getProperty(BIN_DIR_PROPERTY);
    if (dir != null && !dir.isBlank()) {
      return executable(Path.of(dir, name));
    }
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String entry : path.split(File.pathSeparator)) {
      if (!entry.isEmpty()) {
        Optional<Path> candidate = executable(Path.of(entry, name));
        if (candidate.isPresent()) {
          return candidate;
        }
      }
    }
    return Optional.empty();
  }

  private static Optional<Path> executable(Path candidate) {
    return Files.isRegularFile(candidate) && Files.isExecutable(candidate)
        ? Optional.of(candidate.toAbsolutePath())
        : Optional.empty();
  }
}
