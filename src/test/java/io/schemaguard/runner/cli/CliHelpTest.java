package io.schemaguard.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.schemaguard.contract.FailureReason;
import io.schemaguard.testing.Runner;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import picocli.CommandLine;

/**
 * The runner's own program answers {@code --help} on every command (taken from the command tree,
 * so a new subcommand is covered without editing this test), and a mistyped command or a missing
 * option is one clear line.
 */
class CliHelpTest {

    private static Stream<String> subcommands() {
        return new CommandLine(new SchemaguardCli()).getSubcommands().keySet().stream();
    }

    @TestFactory
    Stream<DynamicTest> everySubcommandPrintsItsUsageOnStdoutAndExitsZero() {
        assertThat(subcommands()).contains("backup", "plan", "lint");
        return subcommands()
                .flatMap(name -> Stream.of("--help", "-h")
                        .map(flag -> DynamicTest.dynamicTest(name + " " + flag, () -> {
                            Runner.Result r = Runner.run(Map.of(), name, flag);
                            assertThat(r.exitCode()).as(r.toString()).isZero();
                            assertThat(r.stdout()).as(r.toString()).startsWith("Usage: schemaguard " + name);
                            assertThat(r.stderr()).as(r.toString()).isEmpty();
                            assertThat(r.terminationMessage())
                                    .as("help is no run: no result for the operator")
                                    .isEmpty();
                        })));
    }

    @Test
    void theTopLevelHelpListsTheCommands() {
        Runner.Result r = Runner.run(Map.of(), "--help");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("Usage: schemaguard", "Commands:", "safe-migrate", "lint");
    }

    @Test
    void anUnknownCommandIsOneLineAndTheListOfCommands() {
        Runner.Result r = Runner.run(Map.of(), "plna", "--database", "postgresql://x@y/z");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(FailureReason.InvalidArguments.exitCode());
        assertThat(r.stdout()).isEmpty();
        String[] lines = r.stderr().strip().split("\n");
        assertThat(lines).as(r.toString()).hasSize(2);
        assertThat(lines[0]).contains("error: unknown command 'plna'").contains("did you mean plan");
        assertThat(lines[1]).startsWith("commands: backup, ").contains("plan", "lint", "safe-migrate");
        assertThat(r.terminationMessage()).contains("InvalidArguments", "unknown command 'plna'");
    }

    @Test
    void aMissingRequiredOptionNamesItOnTheFirstLine() {
        Runner.Result r = Runner.run(Map.of(), "list");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(FailureReason.InvalidArguments.exitCode());
        assertThat(r.stderr().lines().findFirst().orElse(""))
                .endsWith("error: Missing required option: '--from=LOCATION'");
        assertThat(r.stderr()).contains("Usage: schemaguard list");
        assertThat(r.terminationMessage()).contains("InvalidArguments", "--from");
    }
}
