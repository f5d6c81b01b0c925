package dev.breakwater.redis.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * Makes sure no redis-server outlives the test JVM: a shutdown hook kills the live ones, and because a JVM killed
 * with SIGKILL runs no hook, the first fixture of the next run also reaps servers whose owning JVM is gone.
 */
final class Janitor {
  static final String DIR_PREFIX = "breakwater-redis-";
  private static final String OWNER_FILE = "owner.pid";
  private static final String SERVER_FILE = "redis.pid";
  private static final Duration ABANDONED_WITHOUT_OWNER = Duration.ofMinutes(10);

  private static final Set<RedisServer> LIVE = ConcurrentHashMap.newKeySet();
  private static final AtomicBoolean HOOK_INSTALLED = new AtomicBoolean();
  private static final AtomicBoolean REAPED = new AtomicBoolean();

  private Janitor() {}

  /** A fresh temp dir labelled with this JVM as its owner, after reaping leftovers of dead JVMs once per JVM. */
  static Path newDir(String label) {
    if (REAPED.compareAndSet(false, true)) {
      reapOrphans();
    }
    try {
      Path dir = Files.createTempDirectory(DIR_PREFIX + label + "-");
      ProcessHandle self = ProcessHandle.current();
      write(dir.resolve(OWNER_FILE), self.pid() + " " + startMillis(self));
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Records the server process so that a later run can recognise it (pid plus start time guards pid reuse). */
  static void recordServer(Path dir, ProcessHandle process) {
    try {
      write(dir.resolve(SERVER_FILE), process.pid() + " " + startMillis(process));
    } catch (IOException e) {
      // Only the reaper of a future run reads this; failing a test for it would be out of proportion.
    }
  }

  static void register(RedisServer server) {
    if (HOOK_INSTALLED.compareAndSet(false, true)) {
      Runtime.getRuntime().addShutdownHook(new Thread(Janitor::killAll, "breakwater-redis-janitor"));
    }
    LIVE.add(server);
  }

  static void unregister(RedisServer server) {
    LIVE.remove(server);
  }

  /** Kills a process and its children (a master forks for replica syncs) with SIGKILL and waits for the parent. */
  static boolean killTree(ProcessHandle process, Duration timeout) {
    // Children must be listed before the parent dies: orphans are re-parented and no longer show up here.
    List<ProcessHandle> children = process.descendants().toList();
    process.destroyForcibly();
    children.forEach(ProcessHandle::destroyForcibly);
    try {
      process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !process.isAlive();
    } catch (Exception e) {
      return !process.isAlive();
    }
  }

  static void deleteTree(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> {
        try {
          Files.deleteIfExists(path);
        } catch (IOException e) {
          // Best effort: a leftover file in /tmp is harmless, and the reaper retries on the next run.
        }
      });
    } catch (IOException e) {
      // Same as above.
    }
  }

  private static void killAll() {
    for (RedisServer server : LIVE) {
      try {
        server.killFromShutdownHook();
      } catch (RuntimeException e) {
        // Keep going: one stubborn server must not leave the others running.
      }
    }
  }

  /** Kills servers left behind by dead JVMs and deletes their dirs; runs by itself once per JVM. */
  static void reapOrphans() {
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(tmp, DIR_PREFIX + "*")) {
      for (Path dir : dirs) {
        try {
          reap(dir);
        } catch (IOException | RuntimeException e) {
          // Never let the clean-up of an old run fail this one.
        }
      }
    } catch (IOException | RuntimeException e) {
      // Same as above.
    }
  }

  private static void reap(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return;
    }
    Optional<long[]> owner = readPidFile(dir.resolve(OWNER_FILE));
    if (owner.isEmpty()) {
      // A dir without an owner may be one being created right now by another JVM; only old ones are abandoned.
      FileTime modified = Files.getLastModifiedTime(dir);
      if (modified.toInstant().isBefore(Instant.now().minus(ABANDONED_WITHOUT_OWNER))) {
        deleteTree(dir);
      }
      return;
    }
    if (isAlive(owner.get())) {
      return;
    }
    Optional<long[]> server = readPidFile(dir.resolve(SERVER_FILE));
    if (server.isPresent()) {
      Optional<ProcessHandle> process = ProcessHandle.of(server.get()[0]);
      // Only a process that is provably the one we started is killed: same pid, same start time, a redis binary.
      if (process.isPresent() && sameStart(process.get(), server.get()[1]) && isRedisBinary(process.get())) {
        killTree(process.get(), Duration.ofSeconds(5));
      }
    }
    deleteTree(dir);
  }

  private static boolean isAlive(long[] owner) {
    Optional<ProcessHandle> process = ProcessHandle.of(owner[0]);
    if (process.isEmpty() || !process.get().isAlive()) {
      return false;
    }
    long start = startMillis(process.get());
    // When start times are unknown, assume the owner is alive rather than risk killing someone's running test.
    return start < 0 || owner[1] < 0 || start == owner[1];
  }

  private static boolean sameStart(ProcessHandle process, long recorded) {
    long start = startMillis(process);
    return start >= 0 && recorded >= 0 && start == recorded;
  }

  private static boolean isRedisBinary(ProcessHandle process) {
    // Debian's redis-server is a symlink to redis-check-rdb, so the executable's name varies within "redis-*".
    return process.info().command()
        .map(command -> Path.of(command).getFileName().toString().startsWith("redis-"))
        .orElse(false);
  }

  private static long startMillis(ProcessHandle process) {
    return process.info().startInstant().map(Instant::toEpochMilli).orElse(-1L);
  }

  private static Optional<long[]> readPidFile(Path file) {
    try {
      String[] parts = Files.readString(file, StandardCharsets.US_ASCII).trim().split("\\s+");
      return Optional.of(new long[] {Long.parseLong(parts[0]), Long.parseLong(parts[1])});
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static void write(Path file, String content) throws IOException {
    Files.writeString(file, content + "\n", StandardCharsets.US_ASCII);
  }
}
