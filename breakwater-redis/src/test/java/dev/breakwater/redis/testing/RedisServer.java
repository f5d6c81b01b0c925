package dev.breakwater.redis.testing;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One {@code redis-server} child process on a free loopback port, with no persistence, in its own temp dir; for
 * tests, including chaos tests that kill and restart it.
 */
public final class RedisServer implements AutoCloseable {
  static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(20);
  private static final Duration STOP_GRACE = Duration.ofSeconds(10);
  private static final Duration KILL_TIMEOUT = Duration.ofSeconds(10);
  private static final int FRESH_PORT_ATTEMPTS = 10;
  private static final String LOG_FILE = "redis.log";
  private static final String STDOUT_FILE = "stdout.log";

  private final String label;
  private final boolean clusterBus;
  private final List<String> leadingArgs;
  private final List<String> extraArgs;
  private final Path dir;
  private final Path binary;
  private volatile int port;
  private volatile Process process;
  private volatile long pid = -1;
  private volatile boolean stopped;

  private RedisServer(String label, boolean clusterBus, List<String> leadingArgs, List<String> extraArgs, Path dir) {
    this.label = label;
    this.clusterBus = clusterBus;
    this.leadingArgs = List.copyOf(leadingArgs);
    this.extraArgs = List.copyOf(extraArgs);
    this.dir = dir;
    this.binary = RedisBinaries.redisServer();
  }

  /** Starts a standalone server with optional extra arguments (e.g. {@code "--replicaof", "127.0.0.1", "1234"}). */
  public static RedisServer start(String... extraArgs) {
    return start("standalone", false, dir -> List.of(), List.of(extraArgs));
  }

  /**
   * Starts a server; {@code leadingArgs} gets the fresh temp dir, may write files into it (a sentinel config) and
   * returns arguments to put right after the binary; {@code clusterBus} also reserves port + 10000.
   */
  static RedisServer start(String label, boolean clusterBus, Function<Path, List<String>> leadingArgs,
      List<String> extraArgs) {
    RedisBinaries.redisServer();
    Path dir = Janitor.newDir(label);
    RedisServer server;
    try {
      server = new RedisServer(label, clusterBus, leadingArgs.apply(dir), extraArgs, dir);
    } catch (RuntimeException | Error e) {
      Janitor.deleteTree(dir);
      throw e;
    }
    Janitor.register(server);
    try {
      server.startOnFreePort();
      return server;
    } catch (RuntimeException | Error e) {
      server.stop();
      throw e;
    }
  }

  /** The loopback port, fixed for the server's lifetime (restarts reuse it). */
  public int port() {
    return port;
  }

  /** Always {@code 127.0.0.1}. */
  public String host() {
    return RespClient.HOST;
  }

  /** {@code redis://127.0.0.1:port}. */
  public String uri() {
    return "redis://" + RespClient.HOST + ":" + port;
  }

  /** The pid of the current process, or of the last one after {@link #kill9()}; changes on {@link #restart()}. */
  public long pid() {
    return pid;
  }

  /** The server's working dir (its {@code redis.log}, {@code nodes.conf} or {@code sentinel.conf} live here). */
  public Path dir() {
    return dir;
  }

  /** Whether the process is alive (not killed, not stopped). */
  public boolean isRunning() {
    Process current = process;
    return current != null && current.isAlive();
  }

  /** Whether the server answers {@code PING} right now. */
  public boolean ping() {
    return RespClient.ping(port);
  }

  /** Sends one command to this server; see {@link RespClient#call(int, String...)} for reply types. */
  public Object call(String... command) {
    return RespClient.call(port, command);
  }

  /** {@code INFO section} of this server as a map. */
  public Map<String, String> info(String section) {
    return RespClient.info(port, section);
  }

  /** Empties every database, so a server shared by the tests of a class can be reset between them. */
  public void flushAll() {
    call("FLUSHALL");
  }

  /** The server's own log file, for failure messages. */
  public String log() {
    try {
      Path file = dir.resolve(LOG_FILE);
      return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "(cannot read " + LOG_FILE + ": " + e + ")";
    }
  }

  /** Kills the process with SIGKILL and waits for it to die: no shutdown, clients see the connection drop. */
  public synchronized void kill9() {
    Process current = process;
    if (current == null) {
      return;
    }
    if (!Janitor.killTree(current.toHandle(), KILL_TIMEOUT)) {
      throw new IllegalStateException(this + " (pid " + current.pid() + ") survived SIGKILL for " + KILL_TIMEOUT);
    }
    process = null;
  }

  /** Starts the server again on the same port with the same arguments (stopping it first if running); waits ready. */
  public synchronized void restart() {
    if (stopped) {
      throw new IllegalStateException(this + " was stopped; start a new server instead");
    }
    stopProcess();
    long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
    while (true) {
      if (launch(port, deadline) == Launch.READY) {
        return;
      }
      // Someone took our port in between; it may be a short-lived client socket, so keep trying until the deadline.
      if (System.nanoTime() - deadline >= 0) {
        throw new IllegalStateException(this + " cannot restart: port " + port + " stayed in use");
      }
      Poll.pause();
    }
  }

  /** Shuts the server down (SIGTERM, then SIGKILL after a grace period) and deletes its temp dir; idempotent. */
  public synchronized void stop() {
    stopped = true;
    try {
      stopProcess();
    } finally {
      Janitor.unregister(this);
      Janitor.deleteTree(dir);
    }
  }

  /** Same as {@link #stop()}. */
  @Override
  public void close() {
    stop();
  }

  /** Role label and address, for failure messages. */
  @Override
  public String toString() {
    return "RedisServer[" + label + " " + RespClient.HOST + ":" + port + "]";
  }

  /** Stops many servers at once: signalling all before waiting for any keeps a 6-node teardown short. */
  static void stopAll(Collection<RedisServer> servers) {
    for (RedisServer server : servers) {
      Process current = server.process;
      if (current != null) {
        current.destroy();
      }
    }
    RuntimeException failure = null;
    for (RedisServer server : servers) {
      try {
        server.stop();
      } catch (RuntimeException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** Called by the JVM shutdown hook without taking the monitor, since a test thread may hold it forever. */
  void killFromShutdownHook() {
    Process current = process;
    if (current != null) {
      Janitor.killTree(current.toHandle(), Duration.ofSeconds(5));
    }
    Janitor.deleteTree(dir);
  }

  private void stopProcess() {
    Process current = process;
    if (current == null) {
      return;
    }
    current.destroy();
    try {
      if (!current.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        Janitor.killTree(current.toHandle(), KILL_TIMEOUT);
      }
    } catch (InterruptedException e) {
      Janitor.killTree(current.toHandle(), KILL_TIMEOUT);
      Thread.currentThread().interrupt();
    }
    process = null;
  }

  private void startOnFreePort() {
    long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
    for (int attempt = 1; attempt <= FRESH_PORT_ATTEMPTS; attempt++) {
      int candidate = FreePorts.pick(clusterBus);
      port = candidate;
      if (launch(candidate, deadline) == Launch.READY) {
        return;
      }
    }
    throw new IllegalStateException(this + ": every free port was taken before redis-server could bind it ("
        + FRESH_PORT_ATTEMPTS + " attempts)");
  }

  private enum Launch { READY, PORT_TAKEN }

  private Launch launch(int candidatePort, long deadline) {
    RespClient.guard(candidatePort);
    List<String> command = new ArrayList<>();
    command.add(binary.toString());
    command.addAll(leadingArgs);
    command.addAll(List.of(
        "--port", Integer.toString(candidatePort),
        "--bind", RespClient.HOST,
        "--save", "",
        "--appendonly", "no",
        "--daemonize", "no",
        "--dir", dir.toString(),
        "--logfile", dir.resolve(LOG_FILE).toString(),
        // A master otherwise waits 5 s for more replicas before a diskless full sync, which every test would pay.
        "--repl-diskless-sync-delay", "0"));
    command.addAll(extraArgs);
    long logOffset = size(dir.resolve(LOG_FILE));
    long stdoutOffset = size(dir.resolve(STDOUT_FILE));
    Process started;
    try {
      started = new ProcessBuilder(command)
          .directory(dir.toFile())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(STDOUT_FILE).toFile()))
          .start();
      started.getOutputStream().close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command, e);
    }
    process = started;
    pid = started.pid();
    while (true) {
      if (!started.isAlive()) {
        process = null;
        String output = tail(dir.resolve(LOG_FILE), logOffset) + tail(dir.resolve(STDOUT_FILE), stdoutOffset);
        if (output.contains("Address already in use")) {
          return Launch.PORT_TAKEN;
        }
        throw new IllegalStateException(this + ": redis-server exited with code " + started.exitValue()
            + " during startup; command " + command + "\n" + output);
      }
      Boolean ours = RespClient.ping(candidatePort) ? answeredByUs(candidatePort, started) : null;
      if (Boolean.TRUE.equals(ours)) {
        Janitor.recordServer(dir, started.toHandle());
        return Launch.READY;
      }
      if (Boolean.FALSE.equals(ours)) {
        // Another server owns the port (it won the race after we probed it); ours is about to fail to bind.
        Janitor.killTree(started.toHandle(), KILL_TIMEOUT);
        process = null;
        return Launch.PORT_TAKEN;
      }
      if (System.nanoTime() - deadline >= 0) {
        Janitor.killTree(started.toHandle(), KILL_TIMEOUT);
        process = null;
        throw new IllegalStateException(this + ": no PONG within " + STARTUP_TIMEOUT.toMillis() + " ms; command "
            + command + "\n" + tail(dir.resolve(LOG_FILE), logOffset));
      }
      Poll.pause();
    }
  }

  /** TRUE if our process answers on the port, FALSE if another one does, null if that cannot be told yet. */
  private static Boolean answeredByUs(int port, Process started) {
    try {
      String reported = RespClient.info(port, "server").get("process_id");
      return reported == null ? Boolean.FALSE : Long.parseLong(reported) == started.pid();
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static long size(Path file) {
    try {
      return Files.exists(file) ? Files.size(file) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  private static String tail(Path file, long from) {
    try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
      long start = Math.max(from, in.length() - 16_384);
      byte[] bytes = new byte[(int) (in.length() - start)];
      in.seek(start);
      in.readFully(bytes);
      return new String(bytes, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }
}
