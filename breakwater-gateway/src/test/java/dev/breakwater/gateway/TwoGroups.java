package dev.breakwater.gateway;

import dev.breakwater.simulator.Simulator;
import dev.breakwater.simulator.SimulatorConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * Two simulators (never throttling) as the two endpoint groups of upstream {@code graph}, and the YAML of a gateway in
 * front of them, for the tests of failover and sharding.
 */
final class TwoGroups implements AutoCloseable {
  final String firstName;
  final String secondName;
  Simulator first;
  final Simulator second;

  TwoGroups(String firstName, String secondName) {
    this.firstName = firstName;
    this.secondName = secondName;
    this.first = start(0);
    this.second = start(0);
  }

  private static Simulator start(int port) {
    return Simulator.start(SimulatorConfig.defaults().withThrottlingEnabled(false).withPort(port));
  }

  /** Starts the first group's simulator again on its port, after it was closed. */
  void restartFirst() {
    first = start(first.port());
  }

  /**
   * A gateway config: listeners on free ports, {@code policies} (lines under {@code policies:}, may be empty), upstream
   * graph with both groups and {@code upstreamKeys} (lines under it), and {@code routes} (one flow mapping each).
   */
  String yaml(List<String> policies, List<String> upstreamKeys, List<String> routes) {
    List<String> lines = new ArrayList<>(List.of(
        "server: { port: 0, drainTimeout: 1s }",
        "admin: { port: 0, token: " + GatewayTestSupport.TOKEN + " }"));
    if (!policies.isEmpty()) {
      lines.add("policies:");
      policies.forEach(p -> lines.add("  " + p));
    }
    lines.addAll(List.of(
        "upstreams:",
        "  graph:",
        "    endpointGroups:",
        "      - { name: " + firstName + ", endpoints: [ 'http://127.0.0.1:" + first.port() + "' ] }",
        "      - { name: " + secondName + ", endpoints: [ 'http://127.0.0.1:" + second.port() + "' ] }"));
    upstreamKeys.forEach(k -> lines.add("    " + k));
    lines.add("routes:");
    routes.forEach(r -> lines.add("  - " + r));
    return String.join("\n", lines) + "\n";
  }

  @Override
  public void close() {
    first.close();
    second.close();
  }
}
