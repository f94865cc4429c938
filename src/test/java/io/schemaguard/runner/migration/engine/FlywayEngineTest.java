package io.schemaguard.runner.migration.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.schemaguard.testing.TableLock;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** FlywayEngine against a real PostgreSQL with Flyway's own history table. */
class FlywayEngineTest {
    static final MigrationEngine.Settings SETTINGS =
            new MigrationEngine.Settings(Duration.ofMillis(500), Duration.ofSeconds(30));
    final FlywayEngine engine = new FlywayEngine();

    @TempDir
    Path dir;

    void history() {
        EngineDatabase.write(dir, "V1__create_orders.sql", """
                CREATE TABLE orders (
                    id bigserial PRIMARY KEY,
                    total numeric(12, 2) NOT NULL,
                    created_at timestamptz NOT NULL DEFAULT now()
                );
                INSERT INTO orders (total) VALUES (10.50), (20.00);
                """);
        EngineDatabase.write(
                dir, "V2__add_customer_reference.sql", "ALTER TABLE orders ADD COLUMN customer_reference text;\n");
        EngineDatabase.write(
                dir,
                "V3__index_customer_reference.sql",
                "CREATE INDEX orders_customer_reference_idx ON orders (customer_reference);\n");
        EngineDatabase.write(dir, "README.md", "not a migration\n");
    }

    @Test
    void appliesAMultiFileHistoryInOrderThenOnlyWhatIsNew() {
        EngineDatabase db = new EngineDatabase("flyway_history");
        history();

        assertThat(engine.all(dir)).extracting(Migration::version).containsExactly("1", "2", "3");
        assertThat(engine.pending(db.target, dir))
                .extracting(Migration::file)
                .containsExactly(
                        "V1__create_orders.sql", "V2__add_customer_reference.sql", "V3__index_customer_reference.sql");
        engine.validate(db.target, dir);

        List<Migration> applied = engine.migrate(db.target, dir, SETTINGS);

        assertThat(applied).extracting(Migration::version).containsExactly("1", "2", "3");
        assertThat(applied)
                .extracting(Migration::description)
                .containsExactly("create orders", "add customer reference", "index customer reference");
        assertThat(engine.pending(db.target, dir)).isEmpty();
        engine.validate(db.target, dir);
        assertThat(db.columns("orders")).containsExactly("id", "total", "created_at", "customer_reference");
        assertThat(db.column("SELECT indexname FROM pg_indexes WHERE tablename = 'orders'"))
                .contains("orders_customer_reference_idx");
        // Flyway's own history, with the checksums all() computes (the same CRC32 Flyway records)
        List<Map<String, Object>> rows = db.rows(
                "SELECT version, script, checksum, success FROM flyway_schema_history" + " ORDER BY installed_rank");
        assertThat(rows).extracting(r -> r.get("version")).containsExactly("1", "2", "3");
        assertThat(rows).extracting(r -> r.get("success")).containsOnly(true);
        assertThat(rows)
                .extracting(r -> r.get("checksum").toString())
                .containsExactlyElementsOf(
                        engine.all(dir).stream().map(Migration::checksum).toList());

        EngineDatabase.write(dir, "V4__add_note.sql", "ALTER TABLE orders ADD COLUMN note text;\n");

        assertThat(engine.pending(db.target, dir)).extracting(Migration::file).containsExactly("V4__add_note.sql");
        engine.validate(db.target, dir);
        assertThat(engine.migrate(db.target, dir, SETTINGS))
                .extracting(Migration::version)
                .containsExactly("4");
        assertThat(engine.pending(db.target, dir)).isEmpty();
        assertThat(db.column("SELECT count(*) FROM orders")).containsExactly(2L);
    }

    @Test
    void anAppliedFileThatChangedFailsValidationNamingTheFile() throws Exception {
        EngineDatabase db = new EngineDatabase("flyway_edited");
        history();
        engine.migrate(db.target, dir, SETTINGS);

        Files.writeString(
                dir.resolve("V2__add_customer_reference.sql"),
                "ALTER TABLE orders ADD COLUMN customer_reference varchar(64);\n");

        MigrationException e = catchThrowableOfType(MigrationException.class, () -> engine.validate(db.target, dir));
        assertThat(e.file()).isEqualTo("V2__add_customer_reference.sql");
        assertThat(e.getMessage())
                .startsWith("V2__add_customer_reference.sql was changed after it was applied")
                .doesNotContain("\n");
        // migrate validates first, as Flyway does, and says the same
        assertThatThrownBy(() -> engine.migrate(db.target, dir, SETTINGS))
                .isInstanceOf(MigrationException.class)
                .hasMessageStartingWith("V2__add_customer_reference.sql was changed");
    }

    @Test
    void anAppliedFileMissingFromTheDirectoryFailsValidation() throws Exception {
        EngineDatabase db = new EngineDatabase("flyway_missing");
        history();
        engine.migrate(db.target, dir, SETTINGS);

        Files.delete(dir.resolve("V3__index_customer_reference.sql"));

        assertThatThrownBy(() -> engine.validate(db.target, dir))
                .isInstanceOf(MigrationException.class)
                .hasMessageContaining("V3__index_customer_reference.sql is recorded as applied")
                .hasMessageContaining("missing");
    }

    @Test
    void aFailingMigrationLeavesNoTraceAndTheEarlierOnesApplied() {
        EngineDatabase db = new EngineDatabase("flyway_failing");
        history();
        EngineDatabase.write(dir, "V4__add_note.sql", "ALTER TABLE orders ADD COLUMN note text;\n");
        engine.migrate(db.target, dir, SETTINGS);
        EngineDatabase.write(dir, "V5__broken.sql", """
                CREATE TABLE v5_marker (id int);
                ALTER TABLE orders ADD COLUMN v5_column text;
                ALTER TABL orders ADD COLUMN oops text;
                """);

        MigrationException e =
                catchThrowableOfType(MigrationException.class, () -> engine.migrate(db.target, dir, SETTINGS));

        assertThat(e.file()).isEqualTo("V5__broken.sql");
        assertThat(e.getMessage())
                .startsWith("V5__broken.sql failed at line 3: ERROR: syntax error at or near \"TABL\"")
                .contains("rolled back")
                .doesNotContain("\n");
        assertThat(db.column("SELECT version FROM flyway_schema_history ORDER BY installed_rank"))
                .containsExactly("1", "2", "3", "4");
        assertThat(db.column("SELECT DISTINCT success FROM flyway_schema_history"))
                .containsExactly(true);
        assertThat(db.tableExists("v5_marker")).isFalse();
        assertThat(db.columns("orders")).doesNotContain("v5_column");
        assertThat(engine.pending(db.target, dir)).extracting(Migration::file).containsExactly("V5__broken.sql");
    }

    @Test
    void aLockHeldByAnotherSessionFailsWithinTheLockTimeout() {
        EngineDatabase db = new EngineDatabase("flyway_lock");
        history();
        engine.migrate(db.target, dir, SETTINGS);
        EngineDatabase.write(dir, "V4__add_note.sql", "ALTER TABLE orders ADD COLUMN note text;\n");

        long start = System.nanoTime();
        MigrationException e;
        try (TableLock lock = TableLock.exclusive(db.pg, db.name, "orders")) {
            e = catchThrowableOfType(MigrationException.class, () -> engine.migrate(db.target, dir, SETTINGS));
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(took).isLessThan(Duration.ofSeconds(5));
        assertThat(e.file()).isEqualTo("V4__add_note.sql");
        assertThat(e.getMessage())
                .contains("could not get a lock within lock_timeout 500ms")
                .contains("another session holds a conflicting lock");
        assertThat(db.columns("orders")).doesNotContain("note");
        // once the lock is gone the same run succeeds
        assertThat(engine.migrate(db.target, dir, SETTINGS))
                .extracting(Migration::version)
                .containsExactly("4");
    }

    /**
     * Flyway runs a migration made only of CREATE INDEX CONCURRENTLY outside a transaction. With
     * Flyway's default transactional history lock it would wait for Flyway's own lock-holding
     * transaction forever (here: until statement_timeout); the engine uses the session lock.
     */
    @Test
    void createIndexConcurrentlyRunsOutsideATransactionAndDoesNotHang() {
        EngineDatabase db = new EngineDatabase("flyway_concurrently");
        history();
        EngineDatabase.write(
                dir,
                "V3__index_customer_reference.sql",
                "CREATE INDEX CONCURRENTLY orders_customer_reference_idx ON orders (customer_reference);\n");

        long start = System.nanoTime();
        List<Migration> applied = engine.migrate(
                db.target, dir, new MigrationEngine.Settings(Duration.ofMillis(500), Duration.ofSeconds(20)));

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
        assertThat(applied).extracting(Migration::version).containsExactly("1", "2", "3");
        assertThat(db.column("SELECT indexname FROM pg_indexes WHERE tablename = 'orders'"))
                .contains("orders_customer_reference_idx");
        engine.validate(db.target, dir);
    }

    @Test
    void aMigrationMixingConcurrentlyWithOtherStatementsIsNamed() {
        EngineDatabase db = new EngineDatabase("flyway_mixed");
        history();
        EngineDatabase.write(dir, "V3__index_customer_reference.sql", """
                CREATE INDEX CONCURRENTLY orders_customer_reference_idx ON orders (customer_reference);
                ALTER TABLE orders ADD COLUMN note text;
                """);

        MigrationException e =
                catchThrowableOfType(MigrationException.class, () -> engine.migrate(db.target, dir, SETTINGS));

        assertThat(e.file()).isEqualTo("V3__index_customer_reference.sql");
        assertThat(e.getMessage())
                .startsWith("V3__index_customer_reference.sql failed: Detected both transactional"
                        + " and non-transactional statements")
                .contains("a migration of its own");
        assertThat(db.column("SELECT version FROM flyway_schema_history ORDER BY installed_rank"))
                .containsExactly("1", "2");
    }

    @Test
    void flywayWritesNothingToTheConsoleOnSuccess() {
        EngineDatabase db = new EngineDatabase("flyway_quiet");
        history();
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (PrintStream capture = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            System.setErr(capture);
            engine.pending(db.target, dir);
            engine.validate(db.target, dir);
            engine.migrate(db.target, dir, SETTINGS);
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        assertThat(captured.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void aMissingDirectoryIsAClearError() {
        EngineDatabase db = new EngineDatabase("flyway_nodir");
        assertThatThrownBy(() -> engine.pending(db.target, dir.resolve("nope")))
                .isInstanceOf(MigrationException.class)
                .hasMessageContaining("does not exist");
    }

    @Test
    void checksumIsFlywaysCrc32OverLines() {
        // the same lines with LF, CRLF and a byte order mark have one checksum, as in Flyway
        int lf = FlywayEngine.checksum("SELECT 1;\nSELECT 2;\n".getBytes(StandardCharsets.UTF_8));
        assertThat(FlywayEngine.checksum("SELECT 1;\r\nSELECT 2;\r\n".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(lf);
        assertThat(FlywayEngine.checksum("\uFEFFSELECT 1;\nSELECT 2;".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(lf);
        assertThat(FlywayEngine.checksum("SELECT 1;\nSELECT 3;\n".getBytes(StandardCharsets.UTF_8)))
                .isNotEqualTo(lf);
    }

    @Test
    void aLockTimeoutIsRetriedWithBackoffUntilTheLockIsGone() throws Exception {
        EngineDatabase db = new EngineDatabase("flyway_lock_retry");
        history();
        engine.migrate(db.target, dir, SETTINGS);
        EngineDatabase.write(dir, "V4__add_note.sql", "ALTER TABLE orders ADD COLUMN note text;\n");
        List<String> attempts = new ArrayList<>();
        Thread lock = db.lockFor("orders", 1500);
        List<Migration> applied = engine.migrate(db.target, dir, EngineDatabase.retrying(attempts));
        lock.join();
        assertThat(applied).hasSize(1);
        assertThat(db.columns("orders")).contains("note");
        assertThat(attempts)
                .as("300 ms lock_timeout, then waits of 300, 600, 1200 ms")
                .isNotEmpty()
                .first()
                .isEqualTo("V4__add_note.sql 1/4 300");
    }

    @Test
    void retriesAreBoundedAndTheLastFailureIsReported() throws Exception {
        EngineDatabase db = new EngineDatabase("flyway_lock_bounded");
        history();
        engine.migrate(db.target, dir, SETTINGS);
        EngineDatabase.write(dir, "V4__add_note.sql", "ALTER TABLE orders ADD COLUMN note text;\n");
        List<String> attempts = new ArrayList<>();
        MigrationException e;
        try (TableLock lock = TableLock.exclusive(db.pg, db.name, "orders")) {
            e = catchThrowableOfType(
                    MigrationException.class, () -> engine.migrate(db.target, dir, EngineDatabase.retrying(attempts)));
        }
        assertThat(attempts).hasSize(4);
        assertThat(e.getMessage()).contains("could not get a lock within lock_timeout 300ms");
        assertThat(db.columns("orders")).doesNotContain("note");
    }
}
