package io.schemaguard.runner.cli;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.schemaguard.runner.migration.lint.LintRules;
import io.schemaguard.runner.migration.lint.SqlLint;
import io.schemaguard.testing.Runner;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code schemaguard lint} run as its own process on SQL files in a temporary directory (its
 * working directory, so names are reported relative as a CI checkout has them): the exit code is the
 * verdict, the three formats carry every finding, bad input is exit 3 and one line, and nothing is
 * left for the operator.
 */
class LintCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Path write(String name, String sql) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, sql, UTF_8);
        return file;
    }

    private Runner.Result lint(String... args) {
        List<String> all = new ArrayList<>(List.of("lint"));
        all.addAll(List.of(args));
        Runner.Result r = Runner.runIn(dir, Map.of(), all.toArray(String[]::new));
        assertThat(r.terminationMessage())
                .as("a CI tool, not a Job: no termination message")
                .isEmpty();
        return r;
    }

    @Test
    void aCleanFileExitsZero() throws IOException {
        write(
                "V1__orders.sql",
                "CREATE TABLE orders (id bigint PRIMARY KEY, c text);\nCREATE INDEX orders_c ON orders (c);\n");
        Runner.Result r = lint("V1__orders.sql");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(0);
        assertThat(r.stdout()).isEqualTo("0 data loss, 0 hazards, 0 notes in 1 file\n");
        assertThat(r.stderr()).isEmpty();
    }

    @Test
    void aHazardWarnsWithExitOne() throws IOException {
        write("V2__index.sql", "CREATE INDEX i ON orders (c);\n");
        Runner.Result r = lint("V2__index.sql");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.stdout())
                .contains("  WARNING V2__index.sql:1 " + SqlLint.INDEX_WITHOUT_CONCURRENTLY
                        + ": builds an index on orders")
                .contains("    sha256 " + SqlLint.statementHash("CREATE INDEX i ON orders (c)"))
                .endsWith("0 data loss, 1 hazard, 0 notes in 1 file\n");
    }

    @Test
    void dataLossExitsTwo() throws IOException {
        write("V3__drop.sql", "-- orders moved to the billing service\n\nDROP TABLE orders;\n");
        Runner.Result r = lint("V3__drop.sql");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.stdout())
                .contains("  BLOCKS  V3__drop.sql:3 drop-table: drops table orders: its rows are lost\n" + "    sha256 "
                        + SqlLint.statementHash("DROP TABLE orders") + "\n")
                .endsWith("1 data loss, 0 hazards, 0 notes in 1 file\n");
    }

    @Test
    void aDirectoryIsOneOrderedListWhatAnEarlierFileCreatesIsNewForLaterOnes() throws IOException {
        // V10 sorts before V2 as text; by version it comes after, and only then is its drop harmless.
        write("db/migration/V2__create_audit.sql", "CREATE TABLE audit (id bigint, at timestamptz);\n");
        write("db/migration/V10__drop_audit.sql", "DROP TABLE audit;\n");
        write("db/migration/README.md", "DROP TABLE not_sql;\n");
        Runner.Result r = lint("db");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(0);
        assertThat(r.stdout()).isEqualTo("0 data loss, 0 hazards, 0 notes in 2 files\n");

        // Named one by one, in whatever order a hook lists them, they are still linted in version order.
        Runner.Result named = lint("db/migration/V10__drop_audit.sql", "db/migration/V2__create_audit.sql");
        assertThat(named.exitCode()).as(named.toString()).isEqualTo(0);
        assertThat(named.stdout()).isEqualTo("0 data loss, 0 hazards, 0 notes in 2 files\n");

        // Without the file that creates it, the table is an existing one.
        Runner.Result alone = lint("db/migration/V10__drop_audit.sql");
        assertThat(alone.exitCode()).as(alone.toString()).isEqualTo(2);
        assertThat(alone.stdout()).contains("BLOCKS  db/migration/V10__drop_audit.sql:1 drop-table");
    }

    @Test
    void jsonHoldsEveryFieldOfEveryFinding() throws IOException {
        write(
                "m/V1__x.sql",
                "ALTER TABLE orders DROP COLUMN note;\nCREATE INDEX i ON orders (c);\nDROP DATABASE legacy;\n");
        Runner.Result r = lint("--format", "json", "m");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        JsonNode report = JSON.readTree(r.stdout());
        JsonNode findings = report.path("findings");
        assertThat(findings).hasSize(3);

        JsonNode drop = findings.get(0);
        assertThat(drop.path("file").asText()).isEqualTo("m/V1__x.sql");
        assertThat(drop.path("line").asInt()).isEqualTo(1);
        assertThat(drop.path("rule").asText()).isEqualTo(SqlLint.DROP_COLUMN);
        assertThat(drop.path("severity").asText()).isEqualTo("DATA_LOSS");
        assertThat(drop.path("serverWide").asBoolean(true)).isFalse();
        assertThat(drop.path("statementHash").asText())
                .isEqualTo(SqlLint.statementHash("ALTER TABLE orders DROP COLUMN note"));
        assertThat(drop.path("statement").asText()).isEqualTo("ALTER TABLE orders DROP COLUMN note");
        assertThat(drop.path("message").asText()).contains("drops column orders.note");
        assertThat(drop.path("losses")).hasSize(1);
        assertThat(drop.path("losses").get(0).asText()).isEqualTo("orders.note");

        assertThat(findings.get(1).path("severity").asText()).isEqualTo("HAZARD");
        assertThat(findings.get(1).path("line").asInt()).isEqualTo(2);
        assertThat(findings.get(2).path("rule").asText()).isEqualTo(SqlLint.DROP_DATABASE);
        assertThat(findings.get(2).path("serverWide").asBoolean()).isTrue();

        JsonNode summary = report.path("summary");
        assertThat(summary.path("dataLoss").asInt()).isEqualTo(2);
        assertThat(summary.path("hazards").asInt()).isEqualTo(1);
        assertThat(summary.path("notes").asInt()).isEqualTo(0);
        assertThat(summary.path("files").asInt()).isEqualTo(1);
        assertThat(summary.path("exitCode").asInt()).isEqualTo(2);
    }

    @Test
    void sarifIsVersion210WithRulesLevelsRelativeLocationsAndFingerprints() throws IOException {
        write(
                "migrations/2024 01/V1__drop.sql",
                "BEGIN;\n\nDROP TABLE orders;\nCREATE INDEX i ON customers (email);\nCOMMIT;\n");
        Runner.Result r = lint("--format", "sarif", "migrations");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        JsonNode log = JSON.readTree(r.stdout());
        assertThat(log.path("version").asText()).isEqualTo("2.1.0");
        assertThat(log.path("$schema").asText()).contains("sarif-2.1.0");
        assertThat(log.path("runs")).hasSize(1);
        JsonNode run = log.path("runs").get(0);
        JsonNode driver = run.path("tool").path("driver");
        assertThat(driver.path("name").asText()).isEqualTo("schemaguard");

        List<String> ruleIds = new ArrayList<>();
        driver.path("rules").forEach(rule -> {
            ruleIds.add(rule.path("id").asText());
            assertThat(rule.path("shortDescription").path("text").asText())
                    .as(rule.toString())
                    .isNotBlank();
        });
        assertThat(ruleIds).containsAll(LintRules.all().keySet()).doesNotHaveDuplicates();

        JsonNode drop = null;
        JsonNode index = null;
        for (JsonNode result : run.path("results")) {
            if (SqlLint.DROP_TABLE.equals(result.path("ruleId").asText())) {
                drop = result;
            } else if (SqlLint.INDEX_WITHOUT_CONCURRENTLY.equals(
                    result.path("ruleId").asText())) {
                index = result;
            }
        }
        assertThat(drop).as(r.stdout()).isNotNull();
        assertThat(index).as(r.stdout()).isNotNull();
        assertThat(drop.path("level").asText()).isEqualTo("error");
        assertThat(index.path("level").asText()).isEqualTo("warning");
        assertThat(ruleIds.get(drop.path("ruleIndex").asInt())).isEqualTo(SqlLint.DROP_TABLE);
        assertThat(drop.path("message").path("text").asText()).contains("drops table orders");
        JsonNode location = drop.path("locations").get(0).path("physicalLocation");
        // As given, relative to the checkout, forward slashes; the space percent-encoded as a URI needs.
        assertThat(location.path("artifactLocation").path("uri").asText())
                .isEqualTo("migrations/2024%2001/V1__drop.sql");
        assertThat(location.path("region").path("startLine").asInt()).isEqualTo(3);
        assertThat(index.path("locations")
                        .get(0)
                        .path("physicalLocation")
                        .path("region")
                        .path("startLine")
                        .asInt())
                .isEqualTo(4);
        assertThat(drop.path("partialFingerprints").path("statementHash/v1").asText())
                .isEqualTo(SqlLint.statementHash("DROP TABLE orders"));
    }

    @Test
    void aCleanSarifHasTheRulesAndNoResults() throws IOException {
        write("V1.sql", "CREATE TABLE t (id int);\n");
        Runner.Result r = lint("--format=sarif", "V1.sql");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(0);
        JsonNode run = JSON.readTree(r.stdout()).path("runs").get(0);
        assertThat(run.path("results").isArray()).isTrue();
        assertThat(run.path("results")).isEmpty();
        assertThat(run.path("tool").path("driver").path("rules"))
                .hasSize(LintRules.all().size());
    }

    @Test
    void badInputIsExitThreeAndOneLine() throws IOException {
        write("V1.sql", "SELECT 1;\n");
        Files.createDirectories(dir.resolve("empty"));
        Files.write(dir.resolve("latin1.sql"), "COMMENT ON TABLE t IS 'caf\u00e9';\n".getBytes(ISO_8859_1));
        for (List<String> args : List.<List<String>>of(
                List.of("missing.sql"),
                List.of("V1.sql", "missing-dir"),
                List.of("--format", "xml", "V1.sql"),
                List.of(),
                List.of("--no-such-option", "V1.sql"),
                List.of("empty"),
                List.of("latin1.sql"))) {
            Runner.Result r = lint(args.toArray(String[]::new));
            assertThat(r.exitCode())
                    .as(args + "\n" + r)
                    .isEqualTo(LintCommand.NOT_LINTED)
                    .isEqualTo(3);
            assertThat(r.stdout()).as(args + "\n" + r).isEmpty();
            assertThat(r.stderr())
                    .as(args + "\n" + r)
                    .startsWith("InvalidArguments: ")
                    .endsWith("\n");
            assertThat(r.stderr().strip()).as(args + "\n" + r).doesNotContain("\n");
        }
        assertThat(lint("missing.sql").stderr())
                .isEqualTo("InvalidArguments: missing.sql: no such file or directory\n");
        assertThat(lint("--format", "xml", "V1.sql").stderr()).contains("--format", "xml", "text, json, sarif");
        assertThat(lint("empty").stderr()).isEqualTo("InvalidArguments: empty: holds no .sql file\n");
        assertThat(lint("latin1.sql").stderr()).isEqualTo("InvalidArguments: latin1.sql: not UTF-8\n");
    }

    @Test
    void anUnreadableFileIsExitThree() throws IOException {
        Path file = write("V1.sql", "SELECT 1;\n");
        Files.setPosixFilePermissions(file, Set.of());
        Assumptions.assumeFalse(Files.isReadable(file), "root reads every file");
        Runner.Result r = lint("V1.sql");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
        assertThat(r.stderr()).isEqualTo("InvalidArguments: V1.sql: not readable (permission denied)\n");
    }

    @Test
    void everyRuleOfTheLintHasADescription() throws IllegalAccessException {
        List<String> ids = new ArrayList<>();
        for (Field field : SqlLint.class.getFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class) {
                ids.add((String) field.get(null));
            }
        }
        assertThat(ids).hasSizeGreaterThan(30);
        assertThat(LintRules.all().keySet())
                .as("one line per rule id constant of SqlLint")
                .containsExactlyInAnyOrderElementsOf(ids);
    }

    @Test
    void pathsSortWithNumbersByValue() {
        List<String> names = new ArrayList<>(List.of(
                "V10__c.sql",
                "V2__b.sql",
                "V1.10__e.sql",
                "V1.9__d.sql",
                "20240102_x/migration.sql",
                "20240101_y/migration.sql"));
        names.sort(LintCommand::byPath);
        assertThat(names)
                .containsExactly(
                        "20240101_y/migration.sql",
                        "20240102_x/migration.sql",
                        "V1.9__d.sql",
                        "V1.10__e.sql",
                        "V2__b.sql",
                        "V10__c.sql");
    }
}
