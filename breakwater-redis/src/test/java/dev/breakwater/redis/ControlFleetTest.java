package dev.breakwater.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.breakwater.BreakwaterException;
import dev.breakwater.Degradation;
import dev.breakwater.ErrorCode;
import dev.breakwater.control.ControlCodec;
import dev.breakwater.control.ControlEntry;
import dev.breakwater.control.ControlKey;
import dev.breakwater.control.ControlKind;
import dev.breakwater.control.ControlPlane;
import dev.breakwater.control.ControlSource;
import dev.breakwater.control.Setting;
import dev.breakwater.control.Target;
import dev.breakwater.redis.testing.Poll;
import dev.breakwater.redis.testing.RedisServer;
import dev.breakwater.time.TimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Operator settings in Redis: every replica applies a change, a restarted replica finds the settings again, a replica
 * that missed announcements catches up, and a change while Redis is down is refused rather than made on one replica.
 * Each test owns its redis-server (one is killed).
 */
class ControlFleetTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final ControlKey GRAPH = ControlKey.of(ControlKind.DEGRADATION, Target.upstream("graph"));

  private RedisServer server;
  private final List<AutoCloseable> open = new ArrayList<>();

  @BeforeEach
  void start() {
    server = RedisServer.start("--appendonly", "yes", "--appendfsync", "always");
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    server.stop();
  }

  private RedisStateConfig config() {
    return RedisStateConfig.standalone(server.uri()).withCommandTimeout(Duration.ofSeconds(2));
  }

  private ControlPlane replica(Duration resyncEvery) {
    RedisState state = RedisState.connect(config());
    ControlPlane plane = new ControlPlane(state.controlStore(), TimeSource.system());
    open.add(0, state);
    open.add(0, plane);
    plane.start(resyncEvery).toCompletableFuture().join();
    return plane;
  }

  @Test
  void aChangeOnOneReplicaReachesTheOtherWithWhoMadeIt() throws Exception {
    ControlPlane a = replica(null);
    ControlPlane b = replica(null);
    a.set(GRAPH, new Setting.Level(Degradation.READ_ONLY), "oncall", null).toCompletableFuture().join();
    assertThat(a.level(null, "graph")).isEqualTo(Degradation.READ_ONLY); // the writer reads its own write at once
    Poll.until("b applies the change", WAIT, () -> b.level(null, "graph") == Degradation.READ_ONLY);
    assertThat(b.effective(GRAPH).setBy()).isEqualTo("oncall");
    assertThat(b.effective(GRAPH).source()).isEqualTo(ControlSource.OPERATOR);

    b.clear(GRAPH, "oncall2").toCompletableFuture().join();
    Poll.until("a applies the removal", WAIT, () -> a.level(null, "graph") == Degradation.NORMAL);
  }

  @Test
  void manyChangesEndInTheSameStateOnEveryReplica() throws Exception {
    ControlPlane a = replica(null);
    ControlPlane b = replica(null);
    Degradation[] levels = Degradation.values();
    List<java.util.concurrent.CompletableFuture<Boolean>> writes = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      ControlPlane writer = i % 2 == 0 ? a : b;
      // On a loaded machine a write may outlast the command timeout and be refused: it then never happened, which
      // is no excuse for the replicas to disagree.
      writes.add(writer.set(GRAPH, new Setting.Level(levels[i % levels.length]), "w" + i, null)
          .toCompletableFuture().handle((e, x) -> x == null));
    }
    assertThat(writes.stream().filter(java.util.concurrent.CompletableFuture::join).count()).isPositive();
    ControlPlane late = replica(null);
    Poll.until("every replica holds the store's last write", WAIT,
        () -> a.effective(GRAPH).equals(late.effective(GRAPH)) && b.effective(GRAPH).equals(late.effective(GRAPH)));
  }

  @Test
  void aChangeAfterRedisLostItsDataStillReachesReplicasHoldingOlderRevisions() throws Exception {
    ControlPlane a = replica(null);
    ControlPlane b = replica(null);
    a.set(GRAPH, new Setting.Level(Degradation.READ_ONLY), "oncall", null).toCompletableFuture().join();
    Poll.until("b applies the change", WAIT, () -> b.level(null, "graph") == Degradation.READ_ONLY);
    server.call("FLUSHALL"); // a Redis without persistence that restarted, or a failover to an empty replica
    a.set(GRAPH, new Setting.Level(Degradation.MAINTENANCE), "oncall", null).toCompletableFuture().join();
    Poll.until("b applies the change made after the loss", WAIT,
        () -> b.level(null, "graph") == Degradation.MAINTENANCE);
  }

  @Test
  void aRestartedReplicaFindsTheSettingsAgain() throws Exception {
    ControlPlane a = replica(null);
    a.set(GRAPH, new Setting.Level(Degradation.MAINTENANCE), "oncall", Duration.ofHours(1)).toCompletableFuture()
        .join();
    ControlPlane restarted = replica(null);
    assertThat(restarted.level(null, "graph")).isEqualTo(Degradation.MAINTENANCE);
    assertThat(restarted.effective(GRAPH).expiresAtMillis()).isEqualTo(a.effective(GRAPH).expiresAtMillis());
  }

  @Test
  void aReplicaThatMissedAnAnnouncementCatchesUpOnItsPeriodicResync() throws Exception {
    ControlPlane b = replica(Duration.ofMillis(200));
    // Written straight into the hash, as if its announcement had been lost.
    ControlEntry entry = new ControlEntry(GRAPH, new Setting.Level(Degradation.DEGRADED), "oncall",
        System.currentTimeMillis(), 0, 1);
    server.call("HSET", config().keyPrefix() + ":control", ControlCodec.key(GRAPH), ControlCodec.entry(entry));
    server.call("HSET", config().keyPrefix() + ":control", "rev", "1");
    Poll.until("b resyncs", WAIT, () -> b.level(null, "graph") == Degradation.DEGRADED);
  }

  @Test
  void aChangeWhileRedisIsDownIsRefusedAndTheFleetCatchesUpAfterwards() throws Exception {
    ControlPlane a = replica(null);
    ControlPlane b = replica(null);
    a.set(GRAPH, new Setting.Level(Degradation.READ_ONLY), "oncall", null).toCompletableFuture().join();
    Poll.until("b applies the change", WAIT, () -> b.level(null, "graph") == Degradation.READ_ONLY);

    server.kill9();
    assertThatThrownBy(() -> a.set(GRAPH, new Setting.Level(Degradation.MAINTENANCE), "oncall", null)
        .toCompletableFuture().join()).isInstanceOf(CompletionException.class)
        .cause().isInstanceOfSatisfying(BreakwaterException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.DEGRADED));
    assertThat(a.level(null, "graph")).isEqualTo(Degradation.READ_ONLY); // nothing changed
    assertThat(b.level(null, "graph")).isEqualTo(Degradation.READ_ONLY); // still serving the last state

    server.restart();
    // A change made while b's subscription is re-established is found by b's resync after its reconnect.
    Poll.until("a can write again", WAIT, () -> {
      try {
        a.set(GRAPH, new Setting.Level(Degradation.DEGRADED), "oncall", null).toCompletableFuture().join();
        return true;
      } catch (CompletionException e) {
        return false;
      }
    });
    Poll.until("b follows", WAIT, () -> b.level(null, "graph") == Degradation.DEGRADED);
  }
}
