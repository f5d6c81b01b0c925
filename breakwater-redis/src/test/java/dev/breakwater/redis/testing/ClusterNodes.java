package dev.breakwater.redis.testing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** One node's view of the cluster, parsed from {@code CLUSTER NODES}. */
final class ClusterNodes {
  /** One line of {@code CLUSTER NODES}; {@code slots} holds ranges such as {@code 0-5460} (migrations dropped). */
  record Entry(String id, int port, Set<String> flags, String masterId, String linkState, List<int[]> slots) {
    boolean isMaster() {
      return flags.contains("master");
    }

    boolean isReplica() {
      return flags.contains("slave");
    }

    boolean isMyself() {
      return flags.contains("myself");
    }

    boolean isFailing() {
      return flags.contains("fail") || flags.contains("fail?") || flags.contains("handshake")
          || flags.contains("noaddr");
    }

    int firstSlot() {
      return slots.isEmpty() ? Integer.MAX_VALUE : slots.get(0)[0];
    }

    String slotsText() {
      StringBuilder text = new StringBuilder();
      for (int[] range : slots) {
        text.append(text.length() == 0 ? "" : ",").append(range[0]).append('-').append(range[1]);
      }
      return text.toString();
    }
  }

  private final Map<String, Entry> byId;

  private ClusterNodes(Map<String, Entry> byId) {
    this.byId = byId;
  }

  static ClusterNodes of(int port) {
    return parse((String) RespClient.call(port, "CLUSTER", "NODES"));
  }

  static ClusterNodes parse(String text) {
    Map<String, Entry> entries = new LinkedHashMap<>();
    for (String line : text.split("\r?\n")) {
      String[] parts = line.trim().split(" ");
      if (parts.length < 8) {
        continue;
      }
      String address = parts[1];
      int at = address.indexOf('@');
      String hostPort = at >= 0 ? address.substring(0, at) : address;
      int port = Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
      List<int[]> slots = new ArrayList<>();
      for (int i = 8; i < parts.length; i++) {
        if (parts[i].startsWith("[")) {
          continue;
        }
        String[] range = parts[i].split("-");
        int from = Integer.parseInt(range[0]);
        slots.add(new int[] {from, range.length > 1 ? Integer.parseInt(range[1]) : from});
      }
      entries.put(parts[0], new Entry(parts[0], port, Set.of(parts[2].split(",")), parts[3], parts[7],
          List.copyOf(slots)));
    }
    return new ClusterNodes(entries);
  }

  List<Entry> entries() {
    return List.copyOf(byId.values());
  }

  Entry myself() {
    return byId.values().stream().filter(Entry::isMyself).findFirst()
        .orElseThrow(() -> new IllegalStateException("CLUSTER NODES without a myself line"));
  }

  Entry byPort(int port) {
    return byId.values().stream().filter(e -> e.port() == port).findFirst().orElse(null);
  }

  Entry byId(String id) {
    return byId.get(id);
  }

  /** Healthy masters that serve slots, lowest first slot first. */
  List<Entry> slotOwners() {
    return byId.values().stream()
        .filter(e -> e.isMaster() && !e.isFailing() && !e.slots().isEmpty())
        .sorted((a, b) -> Integer.compare(a.firstSlot(), b.firstSlot()))
        .toList();
  }

  /** Who serves which slots, as text, so that the views of different nodes can be compared for agreement. */
  String slotMap() {
    Map<Integer, String> owners = new TreeMap<>();
    for (Entry owner : slotOwners()) {
      owners.put(owner.firstSlot(), owner.port() + "=" + owner.slotsText());
    }
    return String.join(" ", owners.values());
  }

  /** One line per node, for failure messages. */
  @Override
  public String toString() {
    List<String> lines = new ArrayList<>();
    for (Entry e : byId.values()) {
      lines.add(e.port() + " " + String.join(",", e.flags()) + " master=" + e.masterId() + " " + e.linkState() + " "
          + e.slotsText());
    }
    return Arrays.toString(lines.toArray());
  }
}
