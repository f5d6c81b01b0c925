package dev.breakwater.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.methods;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMethod;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module boundaries, checked on the compiled classes of every shipped module (the gateway's test classpath holds
 * them all): no module reaches into another's {@code internal} package, the core depends on no other module, the
 * public API of the library modules exposes no third-party type, and every package says what it is.
 */
class ArchitectureTest {
  private static final String[] OTHER_MODULES = {"dev.breakwater.redis..", "dev.breakwater.gateway..",
      "dev.breakwater.micrometer..", "dev.breakwater.opentelemetry..", "dev.breakwater.simulator..",
      "dev.breakwater.bench..", "dev.breakwater.testing..", "dev.breakwater.cli.."};
  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("dev.breakwater");
  }

  @Test
  void onlyTheCoreUsesTheCoresInternals() {
    noClasses().that().resideInAnyPackage(OTHER_MODULES)
        .should().dependOnClassesThat().resideInAPackage("dev.breakwater.internal..")
        .check(classes);
  }

  @Test
  void onlyTheRedisModuleUsesItsInternals() {
    noClasses().that().resideOutsideOfPackage("dev.breakwater.redis..")
        .should().dependOnClassesThat().resideInAPackage("dev.breakwater.redis.internal..")
        .check(classes);
  }

  @Test
  void onlyTheGatewayUsesItsInternals() {
    noClasses().that().resideOutsideOfPackage("dev.breakwater.gateway..")
        .should().dependOnClassesThat().resideInAPackage("dev.breakwater.gateway.internal..")
        .check(classes);
  }

  @Test
  void theCoreDependsOnNoOtherModule() {
    noClasses().that().resideOutsideOfPackages(OTHER_MODULES)
        .should().dependOnClassesThat().resideInAnyPackage(OTHER_MODULES)
        .check(classes);
  }

  /**
   * The core and the Redis module keep Caffeine, Lettuce and Netty out of their signatures, so that those can change
   * without breaking a caller. The Micrometer and OpenTelemetry modules are exempt: taking a Micrometer registry or an
   * OpenTelemetry instance is their purpose. The
   * Redis module's test artifact (JUnit extensions) is not API.
   */
  @Test
  void theLibrariesPublicApiExposesNoThirdPartyType() {
    methods().that().arePublic().and().areDeclaredInClassesThat().arePublic()
        .and().areDeclaredInClassesThat().resideOutsideOfPackages("..internal..", "dev.breakwater.gateway..",
            "dev.breakwater.simulator..", "dev.breakwater.bench..", "dev.breakwater.micrometer..",
            "dev.breakwater.opentelemetry..",
            "dev.breakwater.redis.testing..")
        .should(exposeOnlyJdkAndBreakwaterTypes())
        .check(classes);
  }

  @Test
  void everyPackageHasAPackageInfoSayingWhetherItIsApiSpiOrInternal() throws IOException {
    List<String> missing = new ArrayList<>();
    Path root = Path.of("..").toAbsolutePath().normalize();
    try (Stream<Path> modules = Files.list(root)) {
      for (Path module : modules.filter(p -> p.getFileName().toString().startsWith("breakwater-")).toList()) {
        Path src = module.resolve("src/main/java");
        if (!Files.isDirectory(src)) {
          continue;
        }
        try (Stream<Path> dirs = Files.walk(src)) {
          for (Path dir : dirs.filter(Files::isDirectory).toList()) {
            if (hasJava(dir) && !saysWhatItIs(dir.resolve("package-info.java"))) {
              missing.add(root.relativize(dir).toString());
            }
          }
        }
      }
    }
    assertThat(missing).as("packages without a package-info.java that starts with API, SPI or Internal").isEmpty();
  }

  private static boolean hasJava(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.anyMatch(f -> f.getFileName().toString().endsWith(".java")
          && !f.getFileName().toString().equals("package-info.java"));
    }
  }

  private static boolean saysWhatItIs(Path info) throws IOException {
    if (!Files.isRegularFile(info)) {
      return false;
    }
    // The Javadoc's first sentence starts with what the package is: "API.", "SPI." or "Internal." (or with a colon).
    return java.util.regex.Pattern.compile("^/\\*\\*\\s*\\*\\s*(API|SPI|Internal)[.:]")
        .matcher(Files.readString(info)).find();
  }

  private static ArchCondition<JavaMethod> exposeOnlyJdkAndBreakwaterTypes() {
    return new ArchCondition<>("take and return only JDK and Breakwater types") {
      @Override
      public void check(JavaMethod method, ConditionEvents events) {
        List<JavaClass> types = new ArrayList<>(method.getRawParameterTypes());
        types.add(method.getRawReturnType());
        for (JavaClass t : types) {
          JavaClass base = t.isArray() ? t.getBaseComponentType() : t;
          String name = base.getName();
          if (!base.isPrimitive() && !name.startsWith("java.") && !name.startsWith("dev.breakwater.")) {
            events.add(SimpleConditionEvent.violated(method, method.getFullName() + " exposes " + name));
          }
        }
      }
    };
  }
}
