package dev.breakwater.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakwater.gateway.config.ConfigLoader;
import dev.breakwater.gateway.config.GatewayConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The deployment files under {@code deploy/} agree with the gateway they deploy: every Kubernetes document is well
 * formed, the gateway's probes, ports, grace period and config match what the gateway does, the disruption budget and
 * autoscaler point at the Deployment, and the Dockerfile links the modules jdeps finds in the jar.
 */
class DeployManifestsTest {
  private static final Path DEPLOY = Path.of("../deploy");
  private static final Path KUBERNETES = DEPLOY.resolve("kubernetes");
  private static final String GATEWAY_IMAGE = "breakwater-gateway";
  private static final Set<String> HEALTH_PATHS = Set.of("/health/live", "/health/ready");
  /** What a secretKeyRef stands for while the config is loaded here: any token the loader accepts. */
  private static final String SECRET_VALUE = "secret-from-kubernetes-0123456789";

  /** The API version each kind the manifests use is written in. */
  private static final Map<String, String> KINDS = Map.of(
      "ConfigMap", "v1",
      "Service", "v1",
      "Deployment", "apps/v1",
      "PodDisruptionBudget", "policy/v1",
      "HorizontalPodAutoscaler", "autoscaling/v2",
      "PodMonitor", "monitoring.coreos.com/v1",
      "PrometheusRule", "monitoring.coreos.com/v1");

  @Test
  void everyDocumentNamesAKnownKindInItsApiVersionAndHasAName() throws IOException {
    List<Map<String, Object>> docs = manifests();
    assertThat(docs).isNotEmpty();
    for (Map<String, Object> doc : docs) {
      String kind = (String) doc.get("kind");
      assertThat(KINDS).as("kind of %s", doc.get("metadata")).containsKey(kind);
      assertThat(doc.get("apiVersion")).as("apiVersion of %s", kind).isEqualTo(KINDS.get(kind));
      assertThat(str(map(doc, "metadata"), "name")).as("metadata.name of a %s", kind).isNotBlank();
    }
  }

  @Test
  void theKustomizationListsOnlyFilesThatExist() throws IOException {
    Map<String, Object> kustomization = documents(KUBERNETES.resolve("kustomization.yaml")).get(0);
    assertThat(kustomization.get("kind")).isEqualTo("Kustomization");
    List<Object> resources = list(kustomization, "resources");
    assertThat(resources).contains("gateway-deployment.yaml", "hpa.yaml", "prometheusrule.yaml");
    for (Object file : resources) {
      assertThat(KUBERNETES.resolve((String) file)).exists();
    }
  }

  @Test
  void everyGatewayConfigLoadsWithTheEnvironmentItsContainerSets() throws IOException {
    List<Gateway> gateways = gateways();
    assertThat(gateways).extracting(g -> g.deployment).contains("breakwater-gateway", "mcp-server");
    for (Gateway g : gateways) {
      assertThat(g.config.admin().host()).as("%s: admin.host reachable by the kubelet", g.deployment)
          .isEqualTo("0.0.0.0");
    }
  }

  @Test
  void everyGatewayProbeAsksForAHealthEndpointOnTheAdminPort() throws IOException {
    for (Gateway g : gateways()) {
      List<String> probes = List.of("livenessProbe", "readinessProbe", "startupProbe");
      assertThat(g.container).as("%s: probes", g.deployment).containsKeys("livenessProbe", "readinessProbe");
      for (String probe : probes) {
        if (!g.container.containsKey(probe)) {
          continue;
        }
        Map<String, Object> get = map(map(g.container, probe), "httpGet");
        assertThat(str(get, "path")).as("%s: %s path", g.deployment, probe).isIn(HEALTH_PATHS);
        assertThat(containerPort(g.container, get.get("port"))).as("%s: %s port", g.deployment, probe)
            .isEqualTo(g.config.admin().port());
      }
      assertThat(str(map(map(g.container, "livenessProbe"), "httpGet"), "path")).isEqualTo("/health/live");
      // Readiness must be the endpoint that answers 503 while draining, or the pod keeps getting traffic.
      assertThat(str(map(map(g.container, "readinessProbe"), "httpGet"), "path")).isEqualTo("/health/ready");
    }
  }

  @Test
  void everyGatewayContainerExposesTheProxyAndAdminPortsOfItsConfig() throws IOException {
    for (Gateway g : gateways()) {
      List<Integer> ports = list(g.container, "ports").stream()
          .map(p -> ((Number) ((Map<?, ?>) p).get("containerPort")).intValue()).toList();
      assertThat(ports).as("%s: containerPorts", g.deployment).contains(g.config.admin().port());
      Map<String, Object> annotations = map(map(map(g.podSpecOwner, "spec"), "template"), "metadata");
      assertThat(map(annotations, "annotations")).as("%s: scrape annotations", g.deployment)
          .containsEntry("prometheus.io/scrape", "true")
          .containsEntry("prometheus.io/port", String.valueOf(g.config.admin().port()))
          .containsEntry("prometheus.io/path", "/metrics");
    }
  }

  @Test
  void theGracePeriodOutlastsThePreStopSleepAndTheDrain() throws IOException {
    for (Gateway g : gateways()) {
      long grace = ((Number) g.podSpec.get("terminationGracePeriodSeconds")).longValue();
      long drain = g.config.server().drainTimeout().toSeconds();
      assertThat(grace).as("%s: terminationGracePeriodSeconds", g.deployment).isGreaterThan(drain + preStopSleep(g));
    }
  }

  @Test
  void theStandaloneFleetSleepsBeforeItDrainsSoEndpointsAreRemovedFirst() throws IOException {
    Gateway fleet = gateway("breakwater-gateway");
    assertThat(preStopSleep(fleet)).isPositive();
    assertThat(((Number) map(fleet.podSpecOwner, "spec").get("replicas")).intValue()).isEqualTo(3);
  }

  @Test
  void theServiceSendsItsTrafficToTheFleetsProxyPort() throws IOException {
    Gateway fleet = gateway("breakwater-gateway");
    Map<String, Object> service = only("Service", "breakwater-gateway");
    assertThat(podLabels(fleet)).containsAllEntriesOf(stringMap(map(service, "spec"), "selector"));
    List<Object> ports = list(map(service, "spec"), "ports");
    assertThat(ports).hasSize(1);
    Object target = ((Map<?, ?>) ports.get(0)).get("targetPort");
    assertThat(containerPort(fleet.container, target)).isEqualTo(fleet.config.server().port());
  }

  @Test
  void theDisruptionBudgetKeepsTwoOfTheFleetsPods() throws IOException {
    Gateway fleet = gateway("breakwater-gateway");
    Map<String, Object> pdb = only("PodDisruptionBudget", "breakwater-gateway");
    assertThat(((Number) map(pdb, "spec").get("minAvailable")).intValue()).isEqualTo(2);
    Map<String, String> selector = stringMap(map(map(pdb, "spec"), "selector"), "matchLabels");
    assertThat(selector).isNotEmpty();
    assertThat(podLabels(fleet)).containsAllEntriesOf(selector);
  }

  @Test
  void theAutoscalerTargetsTheFleetOnCpuAndOnMetricsTheAdapterServes() throws IOException {
    Map<String, Object> hpa = only("HorizontalPodAutoscaler", "breakwater-gateway");
    Map<String, Object> spec = map(hpa, "spec");
    Map<String, Object> target = map(spec, "scaleTargetRef");
    assertThat(target).containsEntry("apiVersion", "apps/v1").containsEntry("kind", "Deployment")
        .containsEntry("name", "breakwater-gateway");
    assertThat(((Number) spec.get("minReplicas")).intValue()).isGreaterThan(2);

    List<String> podMetrics = new ArrayList<>();
    boolean cpu = false;
    for (Object m : list(spec, "metrics")) {
      Map<String, Object> metric = cast(m);
      if ("Resource".equals(metric.get("type"))) {
        cpu |= "cpu".equals(str(map(metric, "resource"), "name"));
      } else if ("Pods".equals(metric.get("type"))) {
        podMetrics.add(str(map(map(metric, "pods"), "metric"), "name"));
      }
    }
    assertThat(cpu).as("a CPU utilisation metric").isTrue();
    assertThat(podMetrics).containsExactlyInAnyOrder("breakwater_calls_per_second", "breakwater_bulkhead_queue_depth");

    Map<String, Object> adapter = documents(KUBERNETES.resolve("prometheus-adapter-rules.yaml")).get(0);
    Map<String, Object> rules = load(str(map(adapter, "data"), "config.yaml")).get(0);
    List<String> served = list(rules, "rules").stream()
        .map(r -> str(map(cast(r), "name"), "as")).toList();
    assertThat(served).containsAll(podMetrics);
  }

  @Test
  void theAlertsCoverOpenBreakersTheRedisFallbackAndAGatewayThatIsDown() throws IOException {
    Map<String, Object> rule = only("PrometheusRule", "breakwater-operational");
    Map<String, String> exprByAlert = new LinkedHashMap<>();
    for (Object group : list(map(rule, "spec"), "groups")) {
      for (Object r : list(cast(group), "rules")) {
        Map<String, Object> alert = cast(r);
        assertThat(str(alert, "for")).as("for: of %s", alert.get("alert")).isNotBlank();
        exprByAlert.put(str(alert, "alert"), str(alert, "expr"));
      }
    }
    assertThat(exprByAlert.values()).anyMatch(e -> e.contains("breakwater_circuit_state"))
        .anyMatch(e -> e.contains("breakwater_state_store_degraded == 1"))
        .anyMatch(e -> e.startsWith("up{") && e.endsWith("== 0"));
  }

  @Test
  void theDockerfileLinksExactlyTheModulesJdepsFindsInTheJar() throws IOException {
    String dockerfile = Files.readString(DEPLOY.resolve("Dockerfile"), StandardCharsets.UTF_8);
    Matcher declared = Pattern.compile("(?m)^ARG JDEPS_MODULES=(\\S+)$").matcher(dockerfile);
    assertThat(declared.find()).as("ARG JDEPS_MODULES in deploy/Dockerfile").isTrue();

    // The shaded jar is made of this module's classes and its runtime classpath, and is not built yet when tests run.
    List<String> args = new ArrayList<>(List.of("--print-module-deps", "--ignore-missing-deps", "--multi-release",
        "17", "target/classes"));
    String classpath = Files.readString(Path.of("target/runtime-classpath.txt"), StandardCharsets.UTF_8).strip();
    args.addAll(List.of(classpath.split(java.io.File.pathSeparator)));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = ToolProvider.findFirst("jdeps").orElseThrow()
        .run(new PrintWriter(out), new PrintWriter(err), args.toArray(String[]::new));
    assertThat(exit).as("jdeps: %s", err).isZero();

    assertThat(declared.group(1)).isEqualTo(out.toString().strip());
  }

  @Test
  void theImageRunsTheConfigTheManifestsMountAndExposesTheirPorts() throws IOException {
    String dockerfile = Files.readString(DEPLOY.resolve("Dockerfile"), StandardCharsets.UTF_8);
    assertThat(dockerfile).contains("\"-jar\", \"/app/breakwater.jar\", \"run\", \"--config\", "
        + "\"/etc/breakwater/gateway.yaml\"]");
    Matcher expose = Pattern.compile("(?m)^EXPOSE (.+)$").matcher(dockerfile);
    assertThat(expose.find()).isTrue();
    Set<Integer> exposed = Stream.of(expose.group(1).trim().split("\\s+")).map(Integer::valueOf)
        .collect(Collectors.toSet());
    Gateway fleet = gateway("breakwater-gateway");
    assertThat(exposed).containsExactlyInAnyOrder(fleet.config.server().port(), fleet.config.admin().port());
    for (Gateway g : gateways()) {
      List<String> mounts = list(g.container, "volumeMounts").stream().map(m -> str(cast(m), "mountPath")).toList();
      assertThat(mounts).as("%s: mounts", g.deployment).contains("/etc/breakwater", "/tmp");
    }
  }

  // ---- reading the manifests ----------------------------------------------------------------------------------

  /** A gateway container, the Deployment it is in and its config as the real loader reads it. */
  private record Gateway(String deployment, Map<String, Object> podSpecOwner, Map<String, Object> podSpec,
      Map<String, Object> container, GatewayConfig config) {
  }

  private static Gateway gateway(String deployment) throws IOException {
    return gateways().stream().filter(g -> g.deployment.equals(deployment)).findFirst().orElseThrow();
  }

  private static List<Gateway> gateways() throws IOException {
    List<Map<String, Object>> docs = manifests();
    List<Gateway> gateways = new ArrayList<>();
    for (Map<String, Object> doc : docs) {
      if (!"Deployment".equals(doc.get("kind"))) {
        continue;
      }
      Map<String, Object> podSpec = map(map(map(doc, "spec"), "template"), "spec");
      List<Object> containers = new ArrayList<>(list(podSpec, "containers"));
      if (podSpec.containsKey("initContainers")) {
        containers.addAll(list(podSpec, "initContainers"));
      }
      for (Object c : containers) {
        Map<String, Object> container = cast(c);
        if (!str(container, "image").startsWith(GATEWAY_IMAGE + ":")) {
          continue;
        }
        gateways.add(new Gateway(str(map(doc, "metadata"), "name"), doc, podSpec, container,
            config(docs, podSpec, container)));
      }
    }
    return gateways;
  }

  /** Loads gateway.yaml from the ConfigMap mounted at /etc/breakwater, with the container's environment. */
  private static GatewayConfig config(List<Map<String, Object>> docs, Map<String, Object> podSpec,
      Map<String, Object> container) {
    String volume = list(container, "volumeMounts").stream().map(DeployManifestsTest::cast)
        .filter(m -> "/etc/breakwater".equals(m.get("mountPath"))).map(m -> str(m, "name")).findFirst()
        .orElseThrow(() -> new AssertionError("no volume mounted at /etc/breakwater"));
    String configMap = list(podSpec, "volumes").stream().map(DeployManifestsTest::cast)
        .filter(v -> volume.equals(v.get("name"))).map(v -> str(map(v, "configMap"), "name")).findFirst()
        .orElseThrow(() -> new AssertionError("volume " + volume + " is not a ConfigMap"));
    Map<String, Object> cm = docs.stream()
        .filter(d -> "ConfigMap".equals(d.get("kind")) && configMap.equals(map(d, "metadata").get("name")))
        .findFirst().orElseThrow(() -> new AssertionError("no ConfigMap " + configMap));
    Map<String, String> env = new HashMap<>();
    for (Object e : list(container, "env")) {
      Map<String, Object> var = cast(e);
      env.put(str(var, "name"), var.containsKey("value") ? str(var, "value") : SECRET_VALUE);
    }
    return ConfigLoader.withEnvironment(env::get).read(str(map(cm, "data"), "gateway.yaml"), configMap);
  }

  private static long preStopSleep(Gateway g) {
    Map<String, Object> lifecycle = cast(g.container.get("lifecycle"));
    if (lifecycle == null || !lifecycle.containsKey("preStop")) {
      return 0;
    }
    List<Object> command = list(map(map(lifecycle, "preStop"), "exec"), "command");
    assertThat(command).as("preStop command").hasSize(2).first().isEqualTo("sleep");
    return Long.parseLong(String.valueOf(command.get(1)));
  }

  private static Map<String, String> podLabels(Gateway g) {
    Map<String, Object> spec = map(g.podSpecOwner, "spec");
    Map<String, String> labels = stringMap(map(spec, "template"), "metadata", "labels");
    assertThat(labels).as("pod labels match the Deployment's selector")
        .containsAllEntriesOf(stringMap(map(spec, "selector"), "matchLabels"));
    return labels;
  }

  /** The containerPort a probe or Service port refers to, by number or by the container port's name. */
  private static int containerPort(Map<String, Object> container, Object port) {
    if (port instanceof Number n) {
      return n.intValue();
    }
    return list(container, "ports").stream().map(DeployManifestsTest::cast)
        .filter(p -> port.equals(p.get("name"))).map(p -> ((Number) p.get("containerPort")).intValue())
        .findFirst().orElseThrow(() -> new AssertionError("no container port named " + port));
  }

  private static Map<String, Object> only(String kind, String name) throws IOException {
    List<Map<String, Object>> found = manifests().stream()
        .filter(d -> kind.equals(d.get("kind")) && name.equals(map(d, "metadata").get("name"))).toList();
    assertThat(found).as("%s %s", kind, name).hasSize(1);
    return found.get(0);
  }

  /** Every Kubernetes document under deploy/kubernetes (the kustomization is kustomize's, not the cluster's). */
  private static List<Map<String, Object>> manifests() throws IOException {
    List<Map<String, Object>> docs = new ArrayList<>();
    try (Stream<Path> files = Files.list(KUBERNETES)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        if (!file.getFileName().toString().equals("kustomization.yaml")) {
          docs.addAll(documents(file));
        }
      }
    }
    return docs;
  }

  private static List<Map<String, Object>> documents(Path file) throws IOException {
    return load(Files.readString(file, StandardCharsets.UTF_8));
  }

  private static List<Map<String, Object>> load(String yaml) {
    List<Map<String, Object>> docs = new ArrayList<>();
    for (Object doc : new Load(LoadSettings.builder().build()).loadAllFromString(yaml)) {
      if (doc != null) {
        docs.add(cast(doc));
      }
    }
    return docs;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> cast(Object o) {
    return (Map<String, Object>) o;
  }

  private static Map<String, Object> map(Map<String, Object> m, String key) {
    Object v = m.get(key);
    assertThat(v).as("%s is an object", key).isInstanceOf(Map.class);
    return cast(v);
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Map<String, Object> m, String key) {
    Object v = m.get(key);
    assertThat(v).as("%s is a list", key).isInstanceOf(List.class);
    return (List<Object>) v;
  }

  private static String str(Map<String, Object> m, String key) {
    Object v = m.get(key);
    assertThat(v).as("%s is a string", key).isInstanceOf(String.class);
    return (String) v;
  }

  private static Map<String, String> stringMap(Map<String, Object> m, String... path) {
    Map<String, Object> v = m;
    for (String key : path) {
      v = map(v, key);
    }
    Map<String, String> out = new LinkedHashMap<>();
    v.forEach((k, val) -> out.put(k, String.valueOf(val)));
    return out;
  }
}
