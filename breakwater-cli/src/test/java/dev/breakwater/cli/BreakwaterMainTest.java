package dev.breakwater.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code breakwater validate} command, run from the module that ships the command. */
class BreakwaterMainTest {
  @Test
  void validateAcceptsTheShippedExampleConfig() {
    assertThat(BreakwaterMain.validate(new String[] {"--config", "../examples/graph-mcp.yaml"})).isZero();
  }

  @Test
  void validateRefusesAConfigWithProblems(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("broken.yaml"), "routes: 42\n");
    assertThat(BreakwaterMain.validate(new String[] {"--config", file.toString()})).isEqualTo(1);
  }

  @Test
  void validateRefusesAMissingFile(@TempDir Path dir) {
    assertThat(BreakwaterMain.validate(new String[] {"--config", dir.resolve("absent.yaml").toString()}))
        .isEqualTo(1);
  }

  @Test
  void usageNamesEveryCommand() {
    assertThat(BreakwaterMain.usage()).contains("demo", "run", "validate", "simulate", "slo rules");
  }
}
