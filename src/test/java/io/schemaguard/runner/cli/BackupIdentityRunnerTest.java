package io.schemaguard.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.schemaguard.contract.RunnerResult;
import io.schemaguard.testing.PostgresServer;
import io.schemaguard.testing.Runner;
import io.schemaguard.testing.TableLock;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ways the tool itself once lost or mixed up data, on real PostgreSQL and the real runner: two
 * databases whose names looked alike shared one folder and a restore took the other one's backup;
 * {@code --replace} ran without {@code --confirm}; a name longer than PostgreSQL keeps opened another,
 * existing database.
 */
class BackupIdentityRunnerTest {
    static PostgresServer pg;

    @BeforeAll
    static void server() {
        pg = PostgresServer.shared();
    }

    static Map<String, String> env() {
        return Map.of("PGPASSWORD", PostgresServer.PASSWORD);
    }

    static String url(String database) {
        return "postgresql://" + PostgresServer.SUPERUSER + "@" + pg.host() + ":" + pg.port() + "/"
                + URLEncoder.encode(database, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** A database named exactly {@code name}, whose one table says whose it is. */
    static void database(String name) {
        pg.execute("postgres", "DROP DATABASE IF EXISTS \"" + name + "\"", "CREATE DATABASE \"" + name + "\"");
        pg.execute(name, "CREATE TABLE whose (name text)", "INSERT INTO whose VALUES ('" + name + "')");
    }

    static String whose(String database) throws Exception {
        try (Connection c = pg.connect(database);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT string_agg(name, ',') FROM whose")) {
            rs.next();
            return rs.getString(1);
        }
    }

    static String backup(String database, Path to) {
        Runner.Result r =
                Runner.run(env(), "backup", "--database", url(database), "--to", to.toString(), "--namespace", "shop");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return RunnerResult.parse(r.terminationMessage()).backupId();
    }

    static Runner.Result restoreLatest(Path from, String source, String target) {
        return Runner.run(
                env(),
                "restore",
                "--from",
                from.toString(),
                "latest",
                "--source-database",
                source,
                "--source-namespace",
                "shop",
                "--database",
                url(target));
    }

    @Test
    void databasesWhoseNamesLookAlikeKeepTheirOwnBackups(@TempDir Path dir) throws Exception {
        Path backups = dir.resolve("backups");
        for (List<String> pair : List.of(List.of("tienda_ñ_日本", "tienda_é_中国"), List.of("shop eu", "shop_eu"))) {
            database(pair.get(0));
            database(pair.get(1));
            backup(pair.get(0), backups);
            backup(pair.get(1), backups); // the newer one
            for (String name : pair) {
                String target = "copy_" + Math.abs(name.hashCode());
                pg.execute("postgres", "DROP DATABASE IF EXISTS " + target);
                Runner.Result r = restoreLatest(backups, name, target);
                assertThat(r.exitCode()).as(r.toString()).isZero();
                assertThat(whose(target)).as("latest of " + name).isEqualTo(name);
            }
        }
        try (var folders = Files.list(backups.resolve("shop"))) {
            assertThat(folders.map(p -> p.getFileName().toString()).toList())
                    .hasSize(4)
                    .contains("shop_eu")
                    .anyMatch(f -> f.startsWith("shop_eu~"));
        }
    }

    @Test
    void backupsInTheOlderLayoutAreFoundByTheirManifest(@TempDir Path dir) throws Exception {
        Path backups = dir.resolve("backups");
        database("ventas ñ");
        database("ventas__");
        String old = backup("ventas ñ", backups);
        // Where versions before the one-to-one layout put it: the name with '_' for what is unsafe.
        Path current;
        try (var folders = Files.list(backups.resolve("shop"))) {
            current = folders.filter(p -> p.getFileName().toString().startsWith("ventas__~"))
                    .findFirst()
                    .orElseThrow();
        }
        Files.createDirectories(backups.resolve("shop/ventas__"));
        Files.move(current.resolve(old), backups.resolve("shop/ventas__").resolve(old));
        backup("ventas__", backups); // newer, in the same folder, of another database

        pg.execute("postgres", "DROP DATABASE IF EXISTS legacy_copy");
        Runner.Result r = restoreLatest(backups, "ventas ñ", "legacy_copy");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(whose("legacy_copy")).isEqualTo("ventas ñ");

        // A backup named by id is checked against the database asked for.
        String other = RunnerResult.parse(Runner.run(
                                env(),
                                "backup",
                                "--database",
                                url("ventas__"),
                                "--to",
                                backups.toString(),
                                "--namespace",
                                "shop")
                        .terminationMessage())
                .backupId();
        pg.execute("postgres", "DROP DATABASE IF EXISTS wrong_copy");
        Runner.Result wrong = Runner.run(
                env(),
                "restore",
                "--from",
                backups.toString(),
                other,
                "--source-database",
                "ventas ñ",
                "--database",
                url("wrong_copy"));
        assertThat(wrong.exitCode()).isNotZero();
        assertThat(wrong.stderr()).contains("is of database 'ventas__', not 'ventas ñ'");
    }

    @Test
    void replaceNeedsConfirmAlways(@TempDir Path dir) throws Exception {
        Path backups = dir.resolve("backups");
        String db = "replace_" + System.nanoTime();
        database(db);
        String id = backup(db, backups);
        pg.execute(db, "INSERT INTO whose SELECT 'newer' FROM generate_series(1, 100)");
        Runner.Result r = Runner.run(
                env(),
                "restore",
                "--from",
                backups.toString(),
                id,
                "--database",
                url(db),
                "--replace",
                "--no-safety-backup");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.stderr()).contains("--replace needs --confirm");
        assertThat(whose(db).split(",")).as("the newer rows are still there").hasSize(101);
    }

    @Test
    void aNameLongerThanPostgreSQLKeepsIsRefusedBeforeItOpensAnotherDatabase(@TempDir Path dir) throws Exception {
        Path backups = dir.resolve("backups");
        String existing = "l".repeat(53) + "_orders_db"; // 63 bytes: the longest name PostgreSQL keeps
        database(existing);
        String id = backup(existing, backups);
        pg.execute(existing, "INSERT INTO whose SELECT 'newer' FROM generate_series(1, 100)");
        String longer = existing + "_copy"; // 68 bytes: the server would open 'existing'
        for (List<String> args : List.of(
                List.of(
                        "restore",
                        "--from",
                        backups.toString(),
                        id,
                        "--database",
                        url(longer),
                        "--replace",
                        "--confirm",
                        longer,
                        "--no-safety-backup"),
                List.of("backup", "--database", url(longer), "--to", backups.toString()))) {
            Runner.Result r = Runner.run(env(), args.toArray(String[]::new));
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
            assertThat(r.stderr()).contains("PostgreSQL keeps only 63");
        }
        assertThat(whose(existing).split(",")).hasSize(101);
    }

    @Test
    void twoRunnersGivenOneBackupIdNeverLeaveAReportThatStorageContradicts(@TempDir Path dir) throws Exception {
        String big = "same_id_" + System.nanoTime();
        pg.execute("postgres", "CREATE DATABASE " + big);
        pg.execute(
                big,
                "CREATE TABLE payload (id int, data text)",
                "INSERT INTO payload SELECT g, md5(g::text) || md5((g * 7)::text) FROM generate_series(1, 1500000) g");
        Path backups = dir.resolve("backups");
        String id = "20261201T120000Z-sameid01";
        List<String> args = List.of(
                "backup",
                "--database",
                url(big),
                "--to",
                backups.toString(),
                "--namespace",
                "shop",
                "--backup-id",
                id,
                "--compression",
                "none");
        Path logA = Files.createTempFile("a-", ".log");
        Runner.Result b;
        Process a;
        // Both runners claim the folder while their pg_dump waits on a lock; B claims last.
        try (TableLock lock = TableLock.exclusive(pg, big, "payload")) {
            a = Runner.start(env(), args, logA);
            await(() -> lock.blockedDumps() == 1);
            Path logB = Files.createTempFile("b-", ".log");
            Process pb = Runner.start(env(), args, logB);
            await(() -> lock.blockedDumps() == 2);
            lock.close();
            b = Runner.await(pb, logB);
        }
        Runner.Result first = Runner.await(a, logA);
        assertThat(first.exitCode()).as(first.toString()).isEqualTo(2);
        assertThat(RunnerResult.parse(first.terminationMessage()).reason()).isEqualTo("BackupInProgress");
        assertThat(first.stderr()).contains("stopped without committing");
        assertThat(b.exitCode()).as(b.toString()).isZero();
        String reported = RunnerResult.parse(b.terminationMessage()).sha256();
        Runner.Result verified = Runner.run(env(), "verify", "--from", backups.toString(), id);
        assertThat(verified.exitCode()).as(verified.toString()).isZero();

        // A third run of the finished id writes nothing and reports what is stored.
        Runner.Result again = Runner.run(env(), args.toArray(String[]::new));
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(RunnerResult.parse(again.terminationMessage()).sha256()).isEqualTo(reported);
        assertThat(again.stderr()).contains("already complete in storage");
        try (var files = Files.walk(backups)) {
            assertThat(files.filter(Files::isRegularFile)
                            .map(p -> p.getFileName().toString())
                            .sorted()
                            .toList())
                    .as("one dump and its manifest; no token, no partial left")
                    .containsExactly("dump.pgdump", "manifest.json");
        }
    }

    static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited two minutes").isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
