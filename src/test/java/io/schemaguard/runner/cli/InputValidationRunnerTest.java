package io.schemaguard.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.schemaguard.contract.RunnerResult;
import io.schemaguard.testing.PostgresServer;
import io.schemaguard.testing.Runner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input ends in one line with the documented exit code, before the first side effect: no backup is
 * taken, no rehearsal runs, for an option that was wrong from the start.
 */
class InputValidationRunnerTest {
    static PostgresServer pg;
    static String db;

    @BeforeAll
    static void server() {
        pg = PostgresServer.shared();
        db = pg.createDatabase("inputs");
    }

    static Runner.Result run(String... args) {
        return Runner.run(Map.of("PGPASSWORD", PostgresServer.PASSWORD), args);
    }

    static Runner.Result safeMigrate(Path migrations, Path backups, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "safe-migrate",
                "--database",
                pg.url(db),
                "--to",
                backups.toString(),
                "--engine",
                "flyway",
                "--migrations",
                migrations.toString()));
        args.addAll(List.of(more));
        return run(args.toArray(String[]::new));
    }

    /** One line on stderr naming the reason, the exit code, and nothing written to storage. */
    static void refused(Runner.Result r, int exit, String reason, String says, Path backups) throws Exception {
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(exit);
        assertThat(r.stderr()
                        .strip()
                        .lines()
                        .filter(l -> !l.startsWith("Usage:") && !l.startsWith(" ") && !l.startsWith("["))
                        .toList())
                .as(r.toString())
                .hasSize(1)
                .first()
                .asString()
                .contains(reason)
                .contains(says);
        assertThat(r.stderr()).doesNotContain("Exception").doesNotContain("\tat ");
        if (backups != null) {
            assertThat(Files.exists(backups) && Files.list(backups).findAny().isPresent())
                    .as("nothing stored")
                    .isFalse();
        }
    }

    @Test
    void migrationOptionsAreCheckedBeforeTheBackup(@TempDir Path dir) throws Exception {
        Path migrations = dir.resolve("m");
        Path backups = dir.resolve("backups");
        Files.createDirectories(migrations);
        Files.writeString(migrations.resolve("V1__orders.sql"), "CREATE TABLE orders (id int);\n");

        refused(safeMigrate(dir.resolve("missing"), backups), 2, "InvalidArguments", "does not exist", backups);
        refused(
                safeMigrate(migrations, backups, "--on-failure", "retry"),
                2,
                "InvalidArguments",
                "--on-failure takes halt or restore",
                backups);
        refused(
                safeMigrate(migrations, backups, "--lock-timeout", "forever"),
                2,
                "InvalidArguments",
                "invalid duration 'forever'",
                backups);
        refused(
                safeMigrate(migrations, backups, "--lock-hazards", "maybe"),
                2,
                "InvalidArguments",
                "--lock-hazards takes warn or block",
                backups);
        refused(
                safeMigrate(migrations, backups, "--assert", "no-equals-sign"),
                2,
                "InvalidArguments",
                "--assert takes NAME=SQL",
                backups);

        Path empty = Files.createDirectories(dir.resolve("empty"));
        refused(safeMigrate(empty, backups), 2, "InvalidArguments", "no migration files", backups);

        Files.writeString(migrations.resolve("V2_add_ref.sql"), "ALTER TABLE orders ADD COLUMN ref text;\n");
        Files.writeString(migrations.resolve("v3__lower.sql"), "SELECT 1;\n");
        Files.writeString(migrations.resolve("notes.txt"), "not a migration\n");
        refused(safeMigrate(migrations, backups), 2, "InvalidArguments", "[V2_add_ref.sql, v3__lower.sql]", backups);

        Path big = Files.createDirectories(dir.resolve("big"));
        Files.writeString(
                big.resolve("V1__seed.sql"), "INSERT INTO t VALUES ('" + "x".repeat(9 * 1024 * 1024) + "');\n");
        refused(safeMigrate(big, backups), 2, "InvalidArguments", "V1__seed.sql (9 MiB)", backups);
    }

    @Test
    void storageOptionsAndLocations(@TempDir Path dir) throws Exception {
        // an option picocli cannot convert: its one line, then the command's usage
        Runner.Result lots =
                run("backup", "--database", pg.url(db), "--to", dir.resolve("b").toString(), "--part-size", "lots");
        assertThat(lots.exitCode()).isEqualTo(2);
        assertThat(lots.stderr().lines().findFirst().orElseThrow()).contains("'lots' is not a size");
        assertThat(lots.stderr()).doesNotContain("Exception");
        assertThat(RunnerResult.parse(lots.terminationMessage()).reason()).isEqualTo("InvalidArguments");
        // the test runner's JVM has a 256 MiB heap: 96 MiB x 3 parts cannot fit beside the rest
        refused(
                run("backup", "--database", pg.url(db), "--to", dir.resolve("b").toString(), "--part-size", "96MiB"),
                2,
                "InvalidArguments",
                "MiB of buffers",
                dir.resolve("b"));
        refused(
                run("list", "--from", dir.resolve("no-such-folder").toString()),
                4,
                "BucketNotFound",
                "no directory",
                null);
        refused(
                run("list", "--from", "s3://bucket/x", "--endpoint", "ftp://127.0.0.1:21", "--path-style"),
                2,
                "InvalidArguments",
                "is not an http:// or https:// URL",
                null);
        Runner.Result noCredentials = Runner.run(
                Map.of("AWS_EC2_METADATA_DISABLED", "true"),
                "list",
                "--from",
                "s3://bucket/x",
                "--endpoint",
                "http://127.0.0.1:9",
                "--path-style");
        refused(noCredentials, 4, "StorageAccessDenied", "no storage credentials", null);
        assertThat(noCredentials.stderr().strip().length())
                .as("one line, not the SDK's provider chain")
                .isLessThan(300);
    }
}
