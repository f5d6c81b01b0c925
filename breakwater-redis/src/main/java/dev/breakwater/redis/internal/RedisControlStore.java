package dev.breakwater.redis.internal;

import dev.breakwater.control.ControlCodec;
import dev.breakwater.control.ControlEntry;
import dev.breakwater.control.ControlKey;
import dev.breakwater.spi.ControlStore;
import dev.breakwater.spi.StoreKeys;
import io.lettuce.core.ScriptOutputType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Operator settings shared by a fleet and kept across restarts: one Redis hash (a field per setting, plus the revision
 * counter) and one pub/sub channel. A write and its announcement run in one script, so the channel carries changes in
 * revision order; after a reconnect the whole hash is read again, since announcements made meanwhile are lost. A write
 * while Redis does not answer is refused (never made on this instance alone, where it would split the fleet).
 */
public final class RedisControlStore implements ControlStore {
  private static final Logger LOG = LoggerFactory.getLogger(RedisControlStore.class);
  private static final RedisConnector.Script PUT = RedisConnector.Script.resource("control_put.lua");
  private static final RedisConnector.Script REMOVE = RedisConnector.Script.resource("control_remove.lua");
  /** The hash field of the revision counter: not a StoreKeys encoding, so no setting's field can be it. */
  private static final String REVISION_FIELD = "rev";

  private final RedisConnector redis;
  private final RedisGuard guard;
  private final String hash;
  private final String channel;
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();

  /** Creates the store and subscribes to the fleet's control channel. */
  public RedisControlStore(RedisConnector redis, RedisGuard guard) {
    this.redis = redis;
    this.guard = guard;
    this.hash = redis.prefix() + ":control";
    this.channel = redis.prefix() + ":control";
    redis.subscribe((ch, message) -> onMessage(message), channel);
    redis.onReconnect(() -> readAll().thenAccept(s -> listeners.forEach(l -> l.onResync(s))));
  }

  /** The scripts to load before the first write. */
  public static List<RedisConnector.Script> scripts() {
    return List.of(PUT, REMOVE);
  }

  @Override
  public CompletionStage<ControlEntry> put(ControlEntry entry) {
    return guard.<Long>callOrRefuse(() -> redis.eval(PUT, ScriptOutputType.INTEGER, new String[] {hash},
        bytes(ControlCodec.key(entry.key())), bytes(ControlCodec.entryBeforeRevision(entry)), bytes(channel)),
        "the control change").thenApply(entry::withRevision);
  }

  @Override
  public CompletionStage<Long> remove(ControlKey key, String by) {
    String field = ControlCodec.key(key);
    return guard.callOrRefuse(() -> redis.eval(REMOVE, ScriptOutputType.INTEGER, new String[] {hash}, bytes(field),
        bytes(StoreKeys.of(field, by)), bytes(channel)), "the control change");
  }

  @Override
  public CompletionStage<Snapshot> readAll() {
    return guard.callOrRefuse(() -> redis.commands().hgetall(hash).toCompletableFuture(), "reading the controls")
        .thenApply(RedisControlStore::snapshot);
  }

  /** The hash's settings; a field that does not read back (garbage, a newer layout) is skipped and logged. */
  static Snapshot snapshot(Map<String, byte[]> fields) {
    List<ControlEntry> entries = new ArrayList<>();
    long revision = 0;
    for (Map.Entry<String, byte[]> f : fields.entrySet()) {
      String value = new String(f.getValue(), StandardCharsets.UTF_8);
      if (f.getKey().equals(REVISION_FIELD)) {
        revision = parseRevision(value);
        continue;
      }
      try {
        entries.add(ControlCodec.readEntry(value));
      } catch (IllegalArgumentException e) {
        LOG.warn("skipped a control setting that does not read back: field {}: {}", f.getKey(), e.getMessage());
      }
    }
    return new Snapshot(entries, revision);
  }

  private static long parseRevision(String value) {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      LOG.warn("the control revision counter is not a number: {}", value);
      return 0;
    }
  }

  @Override
  public void subscribe(Listener listener) {
    listeners.add(listener);
  }

  /** Applies one announcement; anything malformed is logged and dropped, never thrown into the connection. */
  void onMessage(byte[] message) {
    try {
      Change c = Change.read(new String(message, StandardCharsets.UTF_8));
      for (Listener l : listeners) {
        if (c.entry() != null) {
          l.onPut(c.entry());
        } else {
          l.onRemove(c.key(), c.by(), c.revision());
        }
      }
    } catch (IllegalArgumentException e) {
      LOG.warn("ignored a malformed control message on {}: {}", channel, e.getMessage());
    }
  }

  /** One announcement on the channel: a setting written, or one removed. */
  record Change(ControlEntry entry, ControlKey key, String by, long revision) {
    /** Reads {@code P<entry>} or {@code R<key, who, revision>}; fails with IllegalArgumentException. */
    static Change read(String text) {
      if (text.startsWith("P")) {
        ControlEntry e = ControlCodec.readEntry(text.substring(1));
        return new Change(e, e.key(), e.setBy(), e.revision());
      }
      if (text.startsWith("R")) {
        List<String> p = StoreKeys.parts(text.substring(1));
        if (p.size() != 3 || p.get(1) == null || p.get(2) == null) {
          throw new IllegalArgumentException("a removal needs a key, who and a revision");
        }
        try {
          return new Change(null, ControlCodec.readKey(p.get(0)), p.get(1), Long.parseLong(p.get(2)));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("a removal's revision is not a number: " + p.get(2));
        }
      }
      throw new IllegalArgumentException("unknown control message kind");
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
