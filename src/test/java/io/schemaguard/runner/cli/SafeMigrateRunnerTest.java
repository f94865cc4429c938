package io.schemaguard.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.schemaguard.contract.RunnerResult;
import io.schemaguard.testing.PostgresServer;
import io.schemaguard.testing.Runner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed's story with the real runner, PostgreSQL and pg_dump: adding customer_reference to orders
 * safely; the destructive version of the same change blocked by the lint, and (once approved) caught
 * by the rehearsal before the real database is touched; a migration failing half-way, halted or
 * restored; two migrations of one database kept apart.
 */
class SafeMigrateRunnerTest {
    static PostgresServer pg;

    @BeforeAll
    static void server() {
        pg = PostgresServer.shared();
    }

    static Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("PGPASSWORD", PostgresServer.PASSWORD);
        return env;
    }

    static void write(Path dir, String file, String sql) throws Exception {
        Path f = dir.resolve(file);
        Files.createDirectories(f.getParent());
        Files.writeString(f, sql);
    }

    static long count(String db, String sql) throws Exception {
        try (Connection c = pg.connect(db);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static final String INIT = """
            -- CreateTable
            CREATE TABLE "orders" (
                "id" SERIAL NOT NULL,
                "customer" TEXT NOT NULL,
                "total" DECIMAL(12,2) NOT NULL,
                CONSTRAINT "orders_pkey" PRIMARY KEY ("id")
            );
            """;

    /** A shop database migrated to its first Prisma migration, with 3000 orders. */
    static String shop(Path migrations, Path backups) throws Exception {
        String db = pg.createDatabase("seed");
        write(migrations, "20240101000000_init/migration.sql", INIT);
        Runner.Result r = safeMigrate(db, migrations, backups, "prisma");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        pg.execute(db, "INSERT INTO orders (customer, total) SELECT 'c' || g, g FROM generate_series(1, 3000) g");
        return db;
    }

    static Runner.Result safeMigrate(String db, Path migrations, Path backups, String engine, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "safe-migrate",
                "--database",
                pg.url(db),
                "--to",
                backups.toString(),
                "--engine",
                engine,
                "--migrations",
                migrations.toString()));
        args.addAll(List.of(more));
        return Runner.run(env(), args.toArray(String[]::new));
    }

    @Test
    void addingCustomerReferenceIsAppliedWithEveryRowKept(@TempDir Path dir) throws Exception {
        Path migrations = dir.resolve("migrations");
        String db = shop(migrations, dir.resolve("backups"));
        write(
                migrations,
                "20241125000000_add_customer_reference/migration.sql",
                "-- AlterTable\nALTER TABLE \"orders\" ADD COLUMN \"customer_reference\" TEXT;\n");
        Runner.Result r = safeMigrate(db, migrations, dir.resolve("backups"), "prisma");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        RunnerResult result = RunnerResult.parse(r.terminationMessage());
        assertThat(result.applied()).containsExactly("20241125000000_add_customer_reference");
        assertThat(result.schemaChanges()).containsExactly("orders: +customer_reference text");
        assertThat(r.stdout()).contains("rehearsal passed");
        assertThat(count(db, "SELECT count(*) FROM orders")).isEqualTo(3000);
        assertThat(count(db, "SELECT count(*) FROM _prisma_migrations WHERE finished_at IS NOT NULL"))
                .isEqualTo(2);
        assertThat(count("postgres", "SELECT count(*) FROM pg_database WHERE datname LIKE 'schemaguard_rehearse_%'"))
                .as("the rehearsal's scratch database is gone")
                .isZero();
        try (var backups = Files.walk(dir.resolve("backups"))) {
            assertThat(backups.filter(p -> p.getFileName().toString().equals("manifest.json")))
                    .hasSize(2);
        }
    }

    @Test
    void dropAndRecreateIsBlockedAndOnceApprovedTheRehearsalCatchesTheLoss(@TempDir Path dir) throws Exception {
        Path migrations = dir.resolve("migrations");
        Path backups = dir.resolve("backups");
        String db = shop(migrations, backups);
        write(migrations, "20241125000000_recreate_orders/migration.sql", """
                -- DropTable
                DROP TABLE "orders";

                -- CreateTable
                CREATE TABLE "orders" (
                    "id" SERIAL NOT NULL,
                    "customer" TEXT NOT NULL,
                    "total" DECIMAL(12,2) NOT NULL,
                    "customer_reference" TEXT,
                    CONSTRAINT "orders_pkey" PRIMARY KEY ("id")
                );
                """);
        long backupsBefore;
        try (var files = Files.walk(backups)) {
            backupsBefore = files.filter(p -> p.getFileName().toString().equals("manifest.json"))
                    .count();
        }
        Runner.Result blocked = safeMigrate(db, migrations, backups, "prisma");
        assertThat(blocked.exitCode()).isEqualTo(2);
        RunnerResult result = RunnerResult.parse(blocked.terminationMessage());
        assertThat(result.reason()).isEqualTo("MigrationBlocked");
        assertThat(result.findings()).extracting(f -> f.getRule()).contains("drop-table", "recreate-table");
        assertThat(result.findings()).allSatisfy(f -> {
            assertThat(f.getFile()).isEqualTo("20241125000000_recreate_orders/migration.sql");
            assertThat(f.getLine()).isEqualTo(2);
        });
        assertThat(blocked.stdout()).contains("BLOCKS").contains("drops table orders");
        try (var files = Files.walk(backups)) {
            assertThat(files.filter(p -> p.getFileName().toString().equals("manifest.json"))
                            .count())
                    .as("blocked before any backup")
                    .isEqualTo(backupsBefore);
        }

        String hash = result.findings().get(0).getStatementHash();
        Runner.Result approved = safeMigrate(db, migrations, backups, "prisma", "--approve", hash);
        assertThat(approved.exitCode()).isEqualTo(5);
        RunnerResult caught = RunnerResult.parse(approved.terminationMessage());
        assertThat(caught.reason()).isEqualTo("VerificationFailed");
        assertThat(caught.message()).contains("orders: 3000 of 3000 rows lost");
        assertThat(count(db, "SELECT count(*) FROM orders"))
                .as("the real database was not touched")
                .isEqualTo(3000);
        assertThat(count(db, "SELECT count(*) FROM _prisma_migrations")).isEqualTo(1);
    }

    @Test
    void aMigrationFailingHalfWayHaltsWithTheRestoreCommandOrRestores(@TempDir Path dir) throws Exception {
        for (String onFailure : List.of("halt", "restore")) {
            Path migrations = dir.resolve("flyway-" + onFailure);
            Path backups = dir.resolve("backups-" + onFailure);
            String db = pg.createDatabase("halfway_" + onFailure);
            write(
                    migrations,
                    "V1__orders.sql",
                    "CREATE TABLE orders (id serial PRIMARY KEY, total numeric);\n"
                            + "INSERT INTO orders (total) SELECT g FROM generate_series(1, 500) g;\n");
            assertThat(safeMigrate(db, migrations, backups, "flyway").exitCode())
                    .isZero();
            write(migrations, "V2__add_reference.sql", "ALTER TABLE orders ADD COLUMN customer_reference text;\n");
            // V3 deletes rows (fine for the lint: it has a WHERE) and then fails on a typo
            write(
                    migrations,
                    "V3__cleanup.sql",
                    "DELETE FROM orders WHERE id > 100;\nALTER TABLE orderz ADD COLUMN x int;\n");
            Runner.Result r =
                    safeMigrate(db, migrations, backups, "flyway", "--no-rehearsal", "--on-failure", onFailure);
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
            RunnerResult result = RunnerResult.parse(r.terminationMessage());
            assertThat(result.reason()).isEqualTo("MigrationFailed");
            assertThat(result.message()).contains("V3__cleanup.sql");
            if (onFailure.equals("halt")) {
                assertThat(result.message())
                        .contains("schemaguard restore --from")
                        .contains("--replace --confirm " + db);
                assertThat(count(db, "SELECT count(*) FROM orders"))
                        .as("V3 rolled back, V2 applied: left as is")
                        .isEqualTo(500);
                assertThat(count(
                                db,
                                "SELECT count(*) FROM information_schema.columns WHERE column_name ="
                                        + " 'customer_reference'"))
                        .isEqualTo(1);
            } else {
                assertThat(result.message()).contains("was restored from");
                assertThat(count(db, "SELECT count(*) FROM orders")).isEqualTo(500);
                assertThat(count(
                                db,
                                "SELECT count(*) FROM information_schema.columns WHERE column_name ="
                                        + " 'customer_reference'"))
                        .as("back to before V2")
                        .isZero();
            }
        }
    }

    @Test
    void aMigrationThatTimedOutOnALockAndRolledBackIsNotRestoredOverNewerRows(@TempDir Path dir) throws Exception {
        Path migrations = dir.resolve("m");
        Path backups = dir.resolve("backups");
        String db = pg.createDatabase("lock_restore");
        write(
                migrations,
                "V1__orders.sql",
                "CREATE TABLE orders (id serial PRIMARY KEY, total numeric);\n"
                        + "INSERT INTO orders (total) SELECT g FROM generate_series(1, 500) g;\n");
        assertThat(safeMigrate(db, migrations, backups, "flyway").exitCode()).isZero();
        write(migrations, "V2__add_reference.sql", "ALTER TABLE orders ADD COLUMN customer_reference text;\n");
        Runner.Result r;
        // A writer's open transaction: the backup reads past it, the migration's ALTER TABLE waits for it.
        try (Connection writer = pg.connect(db);
                Statement s = writer.createStatement()) {
            writer.setAutoCommit(false);
            s.execute("INSERT INTO orders (total) SELECT g FROM generate_series(1, 100) g");
            r = safeMigrate(
                    db,
                    migrations,
                    backups,
                    "flyway",
                    "--no-rehearsal",
                    "--on-failure",
                    "restore",
                    "--lock-timeout",
                    "300ms",
                    "--lock-retries",
                    "1",
                    "--lock-retry-backoff",
                    "200ms");
            writer.commit();
        }
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
        RunnerResult result = RunnerResult.parse(r.terminationMessage());
        assertThat(result.reason()).isEqualTo("MigrationFailed");
        assertThat(result.message())
                .contains("lock_timeout")
                .contains("changed nothing")
                .contains("the database was not restored");
        assertThat(result.lockRetries()).hasSize(1);
        assertThat(count(db, "SELECT count(*) FROM orders"))
                .as("the rows written since the backup are kept")
                .isEqualTo(600);
    }

    @Test
    void twoMigrationsOfOneDatabaseDoNotOverlap(@TempDir Path dir) throws Exception {
        Path migrations = dir.resolve("slow");
        Path backups = dir.resolve("backups");
        String db = pg.createDatabase("serialized");
        write(migrations, "V1__slow.sql", "CREATE TABLE t (id int);\nSELECT pg_sleep(4);\n");
        Runner.Result backup =
                Runner.run(env(), "backup", "--database", pg.url(db), "--to", backups.toString(), "--exact-counts");
        assertThat(backup.exitCode()).as(backup.toString()).isZero();
        String id = RunnerResult.parse(backup.terminationMessage()).backupId();
        List<String> args = List.of(
                "migrate",
                "--database",
                pg.url(db),
                "--from",
                backups.toString(),
                "--backup",
                id,
                "--engine",
                "flyway",
                "--migrations",
                migrations.toString());
        Path logA = Files.createTempFile("a-", ".log");
        Process a = Runner.start(env(), args, logA);
        Thread.sleep(1500);
        List<String> impatient = new ArrayList<>(args);
        impatient.addAll(List.of("--lock-wait", "1s"));
        Runner.Result b = Runner.run(env(), impatient.toArray(String[]::new));
        assertThat(b.exitCode()).isEqualTo(3);
        assertThat(RunnerResult.parse(b.terminationMessage()).reason()).isEqualTo("DatabaseBusy");
        assertThat(b.stderr()).contains("another migration holds database " + db);
        Runner.Result first = Runner.await(a, logA);
        assertThat(first.exitCode()).as(first.toString()).isZero();
        assertThat(RunnerResult.parse(first.terminationMessage()).applied()).containsExactly("1");
    }

    @Test
    void aStaleBackupIsRefused(@TempDir Path dir) throws Exception {
        String db = pg.createDatabase("stale");
        Path backups = dir.resolve("backups");
        Runner.Result backup = Runner.run(env(), "backup", "--database", pg.url(db), "--to", backups.toString());
        String id = RunnerResult.parse(backup.terminationMessage()).backupId();
        write(dir.resolve("m"), "V1__x.sql", "CREATE TABLE x (id int);\n");
        Thread.sleep(1200);
        Runner.Result r = Runner.run(
                env(),
                "migrate",
                "--database",
                pg.url(db),
                "--from",
                backups.toString(),
                "--backup",
                id,
                "--engine",
                "flyway",
                "--migrations",
                dir.resolve("m").toString(),
                "--max-age",
                "1s");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(RunnerResult.parse(r.terminationMessage()).reason()).isEqualTo("BackupStale");
        assertThat(count(db, "SELECT count(*) FROM pg_tables WHERE tablename = 'x'"))
                .isZero();
    }
}
