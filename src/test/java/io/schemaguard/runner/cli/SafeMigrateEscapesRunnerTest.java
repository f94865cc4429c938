package io.schemaguard.runner.cli;

import static io.schemaguard.runner.cli.SafeMigrateRunnerTest.count;
import static io.schemaguard.runner.cli.SafeMigrateRunnerTest.safeMigrate;
import static io.schemaguard.runner.cli.SafeMigrateRunnerTest.write;
import static org.assertj.core.api.Assertions.assertThat;

import io.schemaguard.api.SafeMigrationStatus.FindingStatus;
import io.schemaguard.contract.RunnerResult;
import io.schemaguard.testing.PostgresServer;
import io.schemaguard.testing.Runner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What once got through every safeguard, on real PostgreSQL and pg_dump: a statement that drops a
 * sibling database (the rehearsal on the shared server would have run it for real), a CASCADE drop
 * that takes a column with it, and a column dropped from a table filled from real data.
 */
class SafeMigrateEscapesRunnerTest {
    static PostgresServer pg;
    /** A second server, as a rehearsal server is: nothing on it is shared with the real database. */
    static PostgresServer rehearsalServer;

    @BeforeAll
    static void servers() {
        pg = PostgresServer.shared();
        SafeMigrateRunnerTest.pg = pg;
    }

    @AfterAll
    static void stop() {
        if (rehearsalServer != null) {
            rehearsalServer.stop();
        }
    }

    static long manifests(Path backups) throws Exception {
        if (!Files.exists(backups)) {
            return 0;
        }
        try (var files = Files.walk(backups)) {
            return files.filter(p -> p.getFileName().toString().equals("manifest.json"))
                    .count();
        }
    }

    @Test
    void droppingASiblingDatabaseIsBlockedAndNeverRehearsedOnTheSharedServer(@TempDir Path dir) throws Exception {
        String sibling = pg.createDatabase("sibling");
        pg.execute(sibling, "CREATE TABLE invoices (id int)", "INSERT INTO invoices SELECT generate_series(1, 100)");
        String db = pg.createDatabase("shop_dropdb");
        Path migrations = dir.resolve("m");
        Path backups = dir.resolve("backups");
        write(
                migrations,
                "V1__orders.sql",
                "CREATE TABLE orders (id serial PRIMARY KEY);\n"
                        + "INSERT INTO orders SELECT FROM generate_series(1, 10);\n");
        assertThat(safeMigrate(db, migrations, backups, "flyway").exitCode()).isZero();
        write(migrations, "V2__tidy.sql", "-- the old reporting copy\nDROP DATABASE " + sibling + ";\n");
        long before = manifests(backups);

        Runner.Result blocked = safeMigrate(db, migrations, backups, "flyway");
        assertThat(blocked.exitCode()).as(blocked.toString()).isEqualTo(2);
        RunnerResult result = RunnerResult.parse(blocked.terminationMessage());
        assertThat(result.reason()).isEqualTo("MigrationBlocked");
        FindingStatus finding = result.findings().get(0);
        assertThat(finding.getRule()).isEqualTo("drop-database");
        assertThat(finding.getFile()).isEqualTo("V2__tidy.sql");
        assertThat(finding.getLine()).isEqualTo(2);
        assertThat(finding.getServerWide()).isTrue();
        assertThat(finding.getStatementHash()).hasSize(64);
        assertThat(manifests(backups)).as("blocked before any backup").isEqualTo(before);

        Runner.Result allowed = safeMigrate(db, migrations, backups, "flyway", "--allow-data-loss");
        assertThat(allowed.exitCode()).as(allowed.toString()).isEqualTo(2);
        RunnerResult refused = RunnerResult.parse(allowed.terminationMessage());
        assertThat(refused.reason()).isEqualTo("RehearsalRefused");
        assertThat(refused.message()).contains("V2__tidy.sql:2 drop-database").contains("separate rehearsal server");
        assertThat(count(sibling, "SELECT count(*) FROM invoices"))
                .as("the sibling keeps its rows")
                .isEqualTo(100);
        assertThat(count(db, "SELECT count(*) FROM flyway_schema_history WHERE version = '2'"))
                .isZero();

        // On a separate server the copy is alone: the statement fails there, and nothing real is touched.
        rehearsalServer = PostgresServer.start();
        Runner.Result elsewhere = safeMigrate(
                db,
                migrations,
                backups,
                "flyway",
                "--allow-data-loss",
                "--rehearsal-server",
                "postgresql://" + PostgresServer.SUPERUSER + "@" + rehearsalServer.host() + ":"
                        + rehearsalServer.port());
        assertThat(elsewhere.exitCode()).as(elsewhere.toString()).isEqualTo(3);
        RunnerResult failed = RunnerResult.parse(elsewhere.terminationMessage());
        assertThat(failed.message())
                .startsWith("the rehearsal on a copy of backup ")
                .contains("the real database " + db + " was not touched");
        assertThat(count(sibling, "SELECT count(*) FROM invoices")).isEqualTo(100);
        try (var c = rehearsalServer.connect("postgres");
                var s = c.createStatement();
                var rs = s.executeQuery(
                        "SELECT count(*) FROM pg_database WHERE datname LIKE 'schemaguard_rehearse_%'")) {
            rs.next();
            assertThat(rs.getLong(1))
                    .as("the scratch copy on the rehearsal server is dropped")
                    .isZero();
        }
    }

    @Test
    void aCascadeDropNamesTheColumnItTakesAndTheCheckCatchesWhatNoFindingNamed(@TempDir Path dir) throws Exception {
        String db = pg.createDatabase("shop_cascade");
        Path migrations = dir.resolve("m");
        Path backups = dir.resolve("backups");
        write(migrations, "V1__orders.sql", """
                CREATE TYPE order_status AS ENUM ('new', 'paid');
                CREATE TABLE orders (id serial PRIMARY KEY, status order_status NOT NULL DEFAULT 'new');
                INSERT INTO orders (status) SELECT 'paid' FROM generate_series(1, 100);
                CREATE TABLE returns (id serial PRIMARY KEY, state text);
                INSERT INTO returns (state) SELECT 'new' FROM generate_series(1, 20);
                """);
        assertThat(safeMigrate(db, migrations, backups, "flyway").exitCode()).isZero();
        write(migrations, "V2__drop_status.sql", "DROP TYPE order_status CASCADE;\n");

        Runner.Result blocked = safeMigrate(db, migrations, backups, "flyway");
        assertThat(blocked.exitCode()).as(blocked.toString()).isEqualTo(2);
        RunnerResult plan = RunnerResult.parse(blocked.terminationMessage());
        assertThat(plan.findings())
                .extracting(FindingStatus::getRule, FindingStatus::getMessage)
                .containsExactly(Tuple.tuple(
                        "cascade-drop",
                        "drops column orders.status through DROP TYPE order_status CASCADE: its data is lost"));
        assertThat(plan.findings().get(0).getLosses()).containsExactly("orders.status");

        // The catalog is read before the migration: a column turned into the type by the same migration is
        // not among the dependents the plan names. Approving what was shown must not let it go unseen.
        write(migrations, "V2__drop_status.sql", """
                ALTER TABLE returns ALTER COLUMN state TYPE order_status USING state::order_status;
                DROP TYPE order_status CASCADE;
                """);
        RunnerResult shown = RunnerResult.parse(
                safeMigrate(db, migrations, backups, "flyway").terminationMessage());
        assertThat(shown.findings())
                .extracting(FindingStatus::getRule)
                .containsExactly("alter-column-type", "cascade-drop");
        String[] approvals = shown.findings().stream()
                .flatMap(f -> Stream.of("--approve", f.getStatementHash()))
                .toArray(String[]::new);
        String[] args = Stream.concat(Stream.of("--no-rehearsal"), Arrays.stream(approvals))
                .toArray(String[]::new);
        Runner.Result migrated = safeMigrate(db, migrations, backups, "flyway", args);
        assertThat(migrated.exitCode()).as(migrated.toString()).isEqualTo(5);
        RunnerResult caught = RunnerResult.parse(migrated.terminationMessage());
        assertThat(caught.reason()).isEqualTo("VerificationFailed");
        assertThat(caught.message())
                .contains("column returns.state is gone, and no approved finding names it")
                .doesNotContain("orders.status is gone")
                .contains("schemaguard restore --from");
    }

    @Test
    void aColumnDroppedFromATableFilledFromRealDataIsFlagged(@TempDir Path dir) throws Exception {
        String db = pg.createDatabase("shop_filled");
        Path migrations = dir.resolve("m");
        Path backups = dir.resolve("backups");
        write(
                migrations,
                "V1__orders.sql",
                "CREATE TABLE orders (id serial PRIMARY KEY, note text);\n"
                        + "INSERT INTO orders (note) SELECT 'n' || g FROM generate_series(1, 50) g;\n");
        assertThat(safeMigrate(db, migrations, backups, "flyway").exitCode()).isZero();
        write(
                migrations,
                "V2__copy.sql",
                "CREATE TABLE orders_v2 (id int, note text);\n"
                        + "INSERT INTO orders_v2 SELECT id, note FROM orders;\n");
        write(migrations, "V3__trim.sql", "ALTER TABLE orders_v2 DROP COLUMN note;\n");
        Runner.Result r = safeMigrate(db, migrations, backups, "flyway");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(RunnerResult.parse(r.terminationMessage()).findings())
                .extracting(FindingStatus::getFile, FindingStatus::getLine, FindingStatus::getRule)
                .containsExactly(Tuple.tuple("V3__trim.sql", 1, "drop-column"));
        assertThat(count(db, "SELECT count(*) FROM pg_tables WHERE tablename = 'orders_v2'"))
                .isZero();
    }
}
