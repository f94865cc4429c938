package io.schemaguard.operator.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.MigrationEngineType;
import io.schemaguard.api.MigrationPhase;
import io.schemaguard.api.MigrationSource;
import io.schemaguard.api.Phase;
import io.schemaguard.api.SafeMigration;
import io.schemaguard.api.SafeMigrationSpec;
import io.schemaguard.operator.jobs.Labels;
import io.schemaguard.testing.Fixtures;
import io.schemaguard.testing.LocalJobExecutor;
import io.schemaguard.testing.PostgresServer;
import io.schemaguard.testing.PrismaProject;
import io.schemaguard.testing.S3Server;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SafeMigrations on the mock server with real PostgreSQL, S3Proxy and runner processes: the seed's
 * change applied through plan, backup, rehearsal and migration with every row kept; its destructive
 * version stopped at the plan, with no backup taken and no migration Job created.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class SafeMigrationEndToEndTest {
    static PostgresServer pg;
    static S3Server s3;
    static LocalJobExecutor executor;

    @Inject
    KubernetesClient client;

    @BeforeAll
    static void servers() {
        pg = PostgresServer.shared();
        s3 = S3Server.shared();
        s3.createBucket("migration-e2e");
    }

    @AfterAll
    static void stop() {
        if (executor != null) {
            executor.close();
        }
    }

    String namespace(String ns) {
        client.namespaces()
                .resource(new NamespaceBuilder()
                        .withNewMetadata()
                        .withName(ns)
                        .endMetadata()
                        .build())
                .createOr(NonDeletingOperation::update);
        client.resource(new SecretBuilder()
                        .withNewMetadata()
                        .withName("db-credentials")
                        .withNamespace(ns)
                        .endMetadata()
                        .withStringData(Map.of("password", PostgresServer.PASSWORD))
                        .build())
                .createOr(NonDeletingOperation::update);
        client.resource(new SecretBuilder()
                        .withNewMetadata()
                        .withName("s3-credentials")
                        .withNamespace(ns)
                        .endMetadata()
                        .withStringData(Map.of(
                                "AWS_ACCESS_KEY_ID", S3Server.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", S3Server.SECRET_KEY))
                        .build())
                .createOr(NonDeletingOperation::update);
        synchronized (SafeMigrationEndToEndTest.class) {
            if (executor == null) {
                executor = new LocalJobExecutor(client, Labels.MANAGED_BY + "=" + Labels.OPERATOR);
            }
        }
        return ns;
    }

    void configMap(String ns, String name, Map<String, String> files) {
        client.resource(new ConfigMapBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .withNamespace(ns)
                        .endMetadata()
                        .withData(files)
                        .build())
                .createOr(NonDeletingOperation::update);
    }

    SafeMigration migration(String ns, String name, String db, String... configMaps) {
        SafeMigration m = new SafeMigration();
        m.getMetadata().setNamespace(ns);
        m.getMetadata().setName(name);
        SafeMigrationSpec spec = new SafeMigrationSpec();
        spec.setDatabase(Fixtures.backup(ns, "x", "127.0.0.1", pg.port(), db, null)
                .getSpec()
                .getDatabase());
        spec.setStorage(Fixtures.s3("migration-e2e", s3.endpoint(), "s3-credentials"));
        spec.setEngine(MigrationEngineType.FLYWAY);
        spec.setMigrations(MigrationSource.ofConfigMaps(configMaps));
        m.setSpec(spec);
        return m;
    }

    SafeMigration awaitDone(String ns, String name, long generation) {
        return await().atMost(Duration.ofMinutes(3))
                .pollInterval(Duration.ofMillis(500))
                .until(
                        () -> client.resources(SafeMigration.class)
                                .inNamespace(ns)
                                .withName(name)
                                .get(),
                        m -> m.getStatus() != null
                                && m.getStatus().getCurrentRun() != null
                                && m.getStatus().getCurrentRun().getGeneration() == generation
                                && m.getStatus().getPhase() != null
                                && m.getStatus().getPhase().isTerminal());
    }

    static long count(String db, String sql) throws Exception {
        try (Connection c = pg.connect(db);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void theSeedsChangeIsAppliedAfterABackupAndARehearsalWithEveryRowKept() throws Exception {
        String ns = namespace("shop-migrations");
        String db = pg.createDatabase("e2e_migrate");
        configMap(
                ns,
                "v1",
                Map.of(
                        "V1__orders.sql",
                        "CREATE TABLE orders (id serial PRIMARY KEY, customer text," + " total numeric);\n"));
        client.resource(migration(ns, "shop-schema", db, "v1")).create();
        SafeMigration first = awaitDone(ns, "shop-schema", 1);
        assertThat(first.getStatus().getPhase())
                .as(String.valueOf(first.getStatus().getConditions()))
                .isEqualTo(MigrationPhase.Succeeded);
        assertThat(first.getStatus().getCurrentRun().getApplied()).containsExactly("1");
        pg.execute(db, "INSERT INTO orders (customer, total) SELECT 'c' || g, g FROM generate_series(1, 2000) g");

        configMap(
                ns,
                "v2",
                Map.of("V2__add_customer_reference.sql", "ALTER TABLE orders ADD COLUMN customer_reference text;\n"));
        SafeMigration current = client.resources(SafeMigration.class)
                .inNamespace(ns)
                .withName("shop-schema")
                .get();
        current.getSpec().setMigrations(MigrationSource.ofConfigMaps("v1", "v2"));
        client.resource(current).update();
        SafeMigration second = awaitDone(ns, "shop-schema", 2);
        var run = second.getStatus().getCurrentRun();
        assertThat(second.getStatus().getPhase()).as(run.getMessage()).isEqualTo(MigrationPhase.Succeeded);
        assertThat(run.getPending()).containsExactly("2");
        assertThat(run.getApplied()).containsExactly("2");
        assertThat(run.getRehearsal()).isEqualTo("Passed");
        assertThat(run.getSchemaChanges()).containsExactly("orders: +customer_reference text");
        assertThat(run.getBackup()).isEqualTo("shop-schema-g2-b1");
        assertThat(second.getStatus().getHistory())
                .singleElement()
                .satisfies(h -> assertThat(h.getGeneration()).isEqualTo(1L));
        assertThat(count(db, "SELECT count(*) FROM orders")).isEqualTo(2000);
        var backup = client.resources(DatabaseBackup.class)
                .inNamespace(ns)
                .withName("shop-schema-g2-b1")
                .get();
        assertThat(backup.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
        assertThat(backup.getMetadata().getOwnerReferences())
                .singleElement()
                .satisfies(o -> assertThat(o.getKind()).isEqualTo("SafeMigration"));
    }

    @Test
    void theDestructiveVersionIsBlockedWithoutABackupOrAMigrationJob() throws Exception {
        String ns = namespace("shop-destructive");
        String db = pg.createDatabase("e2e_destructive");
        pg.execute(
                db,
                "CREATE TABLE orders (id serial PRIMARY KEY, total numeric)",
                "INSERT INTO orders (total) SELECT g FROM generate_series(1, 100) g");
        configMap(
                ns,
                "recreate",
                Map.of(
                        "V1__recreate_orders.sql",
                        "DROP TABLE orders;\nCREATE TABLE orders (id serial"
                                + " PRIMARY KEY, total numeric, customer_reference text NOT NULL);\n"));
        SafeMigration m = migration(ns, "recreate", db, "recreate");
        client.resource(m).create();
        SafeMigration blocked = awaitDone(ns, "recreate", 1);
        assertThat(blocked.getStatus().getPhase()).isEqualTo(MigrationPhase.Blocked);
        assertThat(blocked.getStatus().getCurrentRun().getFindings())
                .extracting(f -> f.getRule())
                .contains("drop-table", "recreate-table");
        assertThat(blocked.getStatus().getCurrentRun().getBlockingFindings()).isEqualTo(2);
        assertThat(client.resources(DatabaseBackup.class).inNamespace(ns).list().getItems())
                .isEmpty();
        assertThat(client.batch().v1().jobs().inNamespace(ns).list().getItems())
                .extracting(j -> j.getMetadata().getName())
                .containsExactly("recreate-g1-plan");
        assertThat(count(db, "SELECT count(*) FROM orders")).isEqualTo(100);
        List<String> reasons = client.v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> "recreate".equals(e.getInvolvedObject().getName()))
                .map(e -> e.getReason())
                .toList();
        assertThat(reasons).contains("Blocked");
    }

    /** Generation 1 creates orders with 500 rows; returns the migration, ready for a failing generation 2. */
    SafeMigration ordersWith500Rows(String ns, String name, String db) {
        configMap(
                ns,
                name + "-v1",
                Map.of(
                        "V1__orders.sql",
                        "CREATE TABLE orders (id serial PRIMARY KEY, total"
                                + " numeric);\nINSERT INTO orders (total) SELECT g FROM generate_series(1, 500) g;\n"));
        client.resource(migration(ns, name, db, name + "-v1")).create();
        assertThat(awaitDone(ns, name, 1).getStatus().getPhase()).isEqualTo(MigrationPhase.Succeeded);
        configMap(
                ns,
                name + "-v2",
                Map.of(
                        "V2__cleanup.sql",
                        "ALTER TABLE orders ADD COLUMN customer_reference text;\n"
                                + "DELETE FROM orders WHERE id > 100;\n"));
        return client.resources(SafeMigration.class)
                .inNamespace(ns)
                .withName(name)
                .get();
    }

    @Test
    void aMigrationLosingRowsHaltsWithTheRestoreToApplyOrIsRestored() throws Exception {
        String ns = namespace("shop-failures");
        // Halt: V2 deletes 400 rows; the check after migrating sees it; the database is left as it is
        String haltDb = pg.createDatabase("e2e_halt");
        SafeMigration halt = ordersWith500Rows(ns, "halt", haltDb);
        halt.getSpec().setMigrations(MigrationSource.ofConfigMaps("halt-v1", "halt-v2"));
        halt.getSpec().setRehearsal(false);
        client.resource(halt).update();
        SafeMigration halted = awaitDone(ns, "halt", 2);
        var run = halted.getStatus().getCurrentRun();
        assertThat(halted.getStatus().getPhase()).as(run.getMessage()).isEqualTo(MigrationPhase.Failed);
        assertThat(run.getVerificationProblems())
                .anySatisfy(p -> assertThat(p).contains("orders: 400 of 500 rows lost"));
        assertThat(run.getRestoreManifest())
                .contains("kind: \"DatabaseRestore\"")
                .contains("halt-g2-b1")
                .contains("mode: \"Replace\"");
        assertThat(count(haltDb, "SELECT count(*) FROM orders"))
                .as("left as it is")
                .isEqualTo(100);

        // Restore: the same change, restored from the run's backup
        String restoreDb = pg.createDatabase("e2e_restore");
        SafeMigration restore = ordersWith500Rows(ns, "restore", restoreDb);
        restore.getSpec().setMigrations(MigrationSource.ofConfigMaps("restore-v1", "restore-v2"));
        restore.getSpec().setRehearsal(false);
        restore.getSpec().setOnFailure(SafeMigrationSpec.OnFailure.Restore);
        client.resource(restore).update();
        SafeMigration restored = awaitDone(ns, "restore", 2);
        assertThat(restored.getStatus().getPhase())
                .as(restored.getStatus().getCurrentRun().getMessage())
                .isEqualTo(MigrationPhase.Restored);
        assertThat(restored.getStatus().getCurrentRun().getRestore()).isEqualTo("restore-g2-restore");
        assertThat(count(restoreDb, "SELECT count(*) FROM orders"))
                .as("every row is back")
                .isEqualTo(500);
        assertThat(count(
                        restoreDb,
                        "SELECT count(*) FROM information_schema.columns WHERE column_name ="
                                + " 'customer_reference'"))
                .isZero();
    }

    @Test
    void theApplicationsOwnCommandMigratesAndTheRunnerChecks() throws Exception {
        String ns = namespace("shop-command");
        String db = pg.createDatabase("e2e_command");
        pg.execute(
                db,
                "CREATE TABLE orders (id serial PRIMARY KEY, total numeric)",
                "INSERT INTO orders (total) SELECT g FROM generate_series(1, 300) g");
        SafeMigration m = migration(ns, "by-command", db, "unused");
        m.getSpec().setMigrations(null);
        m.getSpec().setEngine(MigrationEngineType.COMMAND);
        SafeMigrationSpec.CommandSpec command = new SafeMigrationSpec.CommandSpec();
        command.setImage("shop-app:1.2.3");
        command.setCommand(List.of(
                "sh",
                "-c",
                "psql -X -q -v ON_ERROR_STOP=1 -c 'ALTER TABLE orders ADD COLUMN" + " customer_reference text'"));
        m.getSpec().setCommand(command);
        client.resource(m).create();
        SafeMigration done = awaitDone(ns, "by-command", 1);
        // the plan step reads no files for engine command: it only proves the database is reachable
        assertThat(done.getStatus().getPhase())
                .as(done.getStatus().getCurrentRun().getMessage())
                .isEqualTo(MigrationPhase.Succeeded);
        assertThat(done.getStatus().getCurrentRun().getRehearsal()).startsWith("Skipped");
        assertThat(count(
                        db, "SELECT count(*) FROM information_schema.columns WHERE column_name = 'customer_reference'"))
                .isEqualTo(1);
        assertThat(client.batch().v1().jobs().inNamespace(ns).list().getItems())
                .extracting(j -> j.getMetadata().getName())
                .contains("by-command-g1-migrate-1", "by-command-g1-check-1");
    }

    /**
     * Issue 15: the real {@code prisma migrate deploy} (6.19.3, scripts/build-prisma.sh) as the
     * application's command behind the gate: backed up first, then applied, then checked; Prisma's own
     * history written by Prisma.
     */
    @Test
    void engineCommandRunsTheRealPrismaMigrateDeployBehindTheGate(@TempDir Path app) throws Exception {
        String ns = namespace("shop-prisma-cli");
        String db = pg.createDatabase("e2e_prisma_cli");
        PrismaProject prisma = PrismaProject.create(app);
        prisma.migration("20240101000000_init", """
                CREATE TABLE "orders" ("id" SERIAL NOT NULL, "total" DECIMAL(12,2) NOT NULL,
                    CONSTRAINT "orders_pkey" PRIMARY KEY ("id"));
                """);
        prisma.migration("20240102000000_add_customer_reference", """
                ALTER TABLE "orders" ADD COLUMN "customer_reference" TEXT;
                """);
        SafeMigration m = migration(ns, "by-prisma-cli", db, "unused");
        m.getSpec().setMigrations(null);
        m.getSpec().setEngine(MigrationEngineType.COMMAND);
        SafeMigrationSpec.CommandSpec command = new SafeMigrationSpec.CommandSpec();
        command.setImage("shop-app:1.2.3");
        // The Job passes the database as PG* variables; Prisma's adapter takes a URL. sslmode=disable: pg
        // (node-postgres) would read PGSSLMODE=prefer as "require", and the test server has no TLS.
        command.setCommand(List.of(
                "sh",
                "-c",
                "cd '" + app
                        + "' && DATABASE_URL=\"postgresql://$PGUSER:$PGPASSWORD@$PGHOST:$PGPORT/$PGDATABASE?sslmode=disable\""
                        + " exec '" + PrismaProject.cli() + "' migrate deploy"));
        m.getSpec().setCommand(command);
        client.resource(m).create();

        SafeMigration done = awaitDone(ns, "by-prisma-cli", 1);

        assertThat(done.getStatus().getPhase())
                .as(done.getStatus().getCurrentRun().getMessage())
                .isEqualTo(MigrationPhase.Succeeded);
        assertThat(count(
                        db, "SELECT count(*) FROM information_schema.columns WHERE column_name = 'customer_reference'"))
                .isEqualTo(1);
        assertThat(count(db, "SELECT count(*) FROM _prisma_migrations WHERE finished_at IS NOT NULL"))
                .isEqualTo(2);
        assertThat(client.batch().v1().jobs().inNamespace(ns).list().getItems())
                .extracting(j -> j.getMetadata().getName())
                .contains("by-prisma-cli-g1-migrate-1", "by-prisma-cli-g1-check-1");
    }
}
