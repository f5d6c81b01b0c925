package dev.breakwater.cli;

import dev.breakwater.gateway.Gateway;
import dev.breakwater.gateway.config.ConfigLoader;
import dev.breakwater.gateway.config.ConfigProblems;
import dev.breakwater.gateway.config.GatewayConfig;
import dev.breakwater.gateway.slo.SloDashboard;
import dev.breakwater.gateway.slo.SloRules;
import dev.breakwater.simulator.SimulatorMain;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;

/** The {@code breakwater} command: {@code run}, {@code validate}, {@code simulate}, {@code demo} and {@code slo}. */
public final class BreakwaterMain {
  private BreakwaterMain() {}

  /** Runs a command; exits non-zero on invalid input. */
  public static void main(String[] args) throws Exception {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
      System.out.println(usage());
      return;
    }
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    switch (args[0]) {
      case "run":
        System.exit(run(rest));
        break;
      case "validate":
        System.exit(validate(rest));
        break;
      case "simulate":
        SimulatorMain.main(rest);
        break;
      case "demo":
        System.exit(Demo.run(rest));
        break;
      case "slo":
        System.exit(slo(rest));
        break;
      default:
        System.err.println("breakwater: unknown command '" + args[0] + "'\n" + usage());
        System.exit(2);
    }
  }

  static String usage() {
    return String.join("\n",
        "usage: breakwater <command> [options]",
        "  demo [--duration 60s]        simulator + gateway + multi-tenant traffic, live view, summary",
        "  run --config FILE            run the gateway (reloads FILE when it changes)",
        "  validate --config FILE       report every problem of FILE with its line; exit 1 if any",
        "  simulate [--help]            run the Graph-like upstream simulator",
        "  slo rules --config FILE [--out FILE]",
        "                               Prometheus recording rules and burn-rate alerts for FILE's slos",
        "  slo dashboard --config FILE [--out FILE]",
        "                               a Grafana dashboard over the same series (deploy/grafana/breakwater.json)",
        "  <command> --help             the command's own options");
  }

  private static Path configArg(String[] args, String command) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--help") || args[i].equals("-h")) {
        System.out.println("usage: breakwater " + command + " --config FILE");
        System.exit(0);
      }
      if (args[i].equals("--config") && i + 1 < args.length) {
        return Path.of(args[i + 1]);
      }
      if (args[i].startsWith("--config=")) {
        return Path.of(args[i].substring("--config=".length()));
      }
    }
    System.err.println("breakwater " + command + ": --config FILE is required");
    System.exit(2);
    return null;
  }

  static int validate(String[] args) {
    Path file = configArg(args, "validate");
    GatewayConfig c = load(file);
    if (c == null) {
      return 1;
    }
    System.out.println(file + ": ok (" + c.routes().size() + " routes, " + c.upstreams().size() + " upstreams)");
    return 0;
  }

  /**
   * {@code slo rules|dashboard --config FILE [--out FILE]}: writes the rules or the Grafana dashboard to FILE or
   * standard output.
   */
  static int slo(String[] args) {
    if (args.length == 0 || !(args[0].equals("rules") || args[0].equals("dashboard"))) {
      System.err.println("breakwater slo: unknown or missing subcommand (expected: slo rules --config FILE"
          + " [--out FILE], or slo dashboard --config FILE [--out FILE])");
      return 2;
    }
    boolean dashboard = args[0].equals("dashboard");
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    Path out = null;
    for (int i = 0; i < rest.length; i++) {
      if (rest[i].equals("--out") && i + 1 < rest.length) {
        out = Path.of(rest[i + 1]);
      } else if (rest[i].startsWith("--out=")) {
        out = Path.of(rest[i].substring("--out=".length()));
      }
    }
    Path file = configArg(rest, "slo " + args[0]);
    GatewayConfig c = load(file);
    if (c == null) {
      return 1;
    }
    if (c.slos().isEmpty()) {
      System.err.println(file + ": no slos section, so there " + (dashboard ? "is no dashboard" : "are no rules")
          + " to write (expected: slos: with at least one objective, see docs/configuration.md)");
      return 1;
    }
    String rules = dashboard ? SloDashboard.render(c) : SloRules.render(c);
    if (out == null) {
      System.out.print(rules);
      return 0;
    }
    try {
      Files.writeString(out, rules);
    } catch (IOException e) {
      System.err.println(out + ": cannot be written: " + e.getMessage());
      return 1;
    }
    System.out.println(out + ": " + c.slos().size() + " SLOs written as "
        + (dashboard ? "a Grafana dashboard" : "Prometheus rules"));
    return 0;
  }

  static int run(String[] args) throws InterruptedException {
    Path file = configArg(args, "run");
    GatewayConfig c = load(file);
    if (c == null) {
      return 1;
    }
    Gateway g = Gateway.start(c);
    g.watchConfigFile(Duration.ofSeconds(1));
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      g.close(); // SIGTERM: stop accepting, drain, exit
      stopped.countDown();
    }, "breakwater-shutdown"));
    System.out.println("breakwater gateway on http://" + c.server().host() + ":" + g.port() + " (admin port "
        + g.adminPort() + ")");
    stopped.await();
    return 0;
  }

  /** Loads a config, printing every problem with file and line; null when there were problems. */
  static GatewayConfig load(Path file) {
    if (!Files.isRegularFile(file)) {
      System.err.println(file + ": no such file (expected: a YAML config, see examples/graph-mcp.yaml)");
      return null;
    }
    try {
      return ConfigLoader.load(file);
    } catch (ConfigProblems e) {
      System.err.println(e.getMessage());
      return null;
    }
  }
}
