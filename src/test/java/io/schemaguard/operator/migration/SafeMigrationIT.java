package io.schemaguard.operator.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.MigrationPhase;
import io.schemaguard.api.SafeMigration;
import io.schemaguard.operator.jobs.Conditions;
import io.schemaguard.operator.jobs.Labels;
import io.schemaguard.testing.Manifests;
import io.schemaguard.testing.PostgresServer;
import io.schemaguard.testing.S3Server;
import io.schemaguard.testing.TableLock;
import io.schemaguard.testing.cluster.OperatorProcess;
import io.schemaguard.testing.cluster.RealCluster;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The seed's change as a user makes it on a real control plane: a ConfigMap of Prisma migrations
 * and a SafeMigration applied with kubectl, run by the operator through Jobs whose pods mount that
 * ConfigMap. The additive change is applied with every row kept and Prisma's history written; the
 * destructive version (drop and recreate orders) is blocked before any backup exists; and an
 * operator killed while the backup runs is replaced without a second backup or an early migration.
 */
class SafeMigrationIT {
    @RegisterExtension
    static final RealCluster cluster = new RealCluster();

    static final String BUCKET = "it-migrations";
    static final Duration TIMEOUT = Duration.ofMinutes(4);
    static final String INIT = """
            CREATE TABLE "orders" (
                "id" SERIAL NOT NULL,
                "customer" TEXT NOT NULL,
                "total" DECIMAL(12,2) NOT NULL,
                CONSTRAINT "orders_pkey" PRIMARY KEY ("id")
            );
            """;
    static final String ADD_REFERENCE =
            "-- AlterTable\nALTER TABLE \"orders\" ADD COLUMN \"customer_reference\" TEXT;\n";
    static final String DROP_AND_RECREATE = """
            -- recreate orders with the new column (what a careless generator emits)
            DROP TABLE "orders";
            CREATE TABLE "orders" (
                "id" SERIAL NOT NULL,
                "customer" TEXT NOT NULL,
                "total" DECIMAL(12,2) NOT NULL,
                "customer_reference" TEXT,
                CONSTRAINT "orders_pkey" PRIMARY KEY ("id")
            );
            """;

    static PostgresServer pg;
    static S3Server s3;
    static KubernetesClient admin;
    OperatorProcess operator;

    @BeforeAll
    static void servers() {
        pg = PostgresServer.shared();
        s3 = S3Server.shared();
        s3.createBucket(BUCKET);
        admin = cluster.admin();
    }

    @AfterEach
    void stopOperator() {
        String log = operator == null ? "" : operator.log();
        cluster.stopOperator(operator);
        assertThat(log).doesNotContainIgnoringCase("forbidden");
    }

    /**
     * A shop database whose orders were created by the first Prisma migration, with rows; when
     * {@code baselined}, that migration is recorded in Prisma's history as {@code prisma migrate
     * resolve --applied} records it (the database predates the operator).
     */
    static String shop(String name, int rows, boolean baselined) {
        return shop(pg, name, rows, baselined);
    }

    static String shop(PostgresServer pg, String name, int rows, boolean baselined) {
        String db = pg.createDatabase(name);
        pg.execute(
                db,
                INIT,
                "INSERT INTO orders (customer, total) SELECT 'c' || g, g FROM generate_series(1, " + rows + ") g");
        if (baselined) {
            pg.execute(
                    db,
                    """
                    CREATE TABLE _prisma_migrations (id varchar(36) PRIMARY KEY, checksum varchar(64) NOT NULL,
                      finished_at timestamptz, migration_name varchar(255) NOT NULL, logs text,
                      rolled_back_at timestamptz, started_at timestamptz NOT NULL DEFAULT now(),
                      applied_steps_count integer NOT NULL DEFAULT 0)""",
                    "INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, applied_steps_count)"
                            + " VALUES ('00000000-0000-0000-0000-000000000001', encode(sha256(convert_to('"
                            + INIT.replace("'", "''") + "', 'UTF8')), 'hex'), now(), '20240101000000_init', 1)");
        }
        return db;
    }

    static String configMap(String ns, String name, Map<String, String> files) {
        StringBuilder yaml = new StringBuilder("""
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: %s
                  namespace: %s
                data:
                """.formatted(name, ns));
        files.forEach((k, v) -> yaml.append("  ")
                .append(k)
                .append(": |\n")
                .append(v.lines().map(l -> "    " + l).collect(Collectors.joining("\n")))
                .append('\n'));
        return yaml.toString();
    }

    static String safeMigration(String ns, String name, String db, String configMaps) {
        return safeMigration(pg, s3, BUCKET, ns, name, db, configMaps, true);
    }

    /** The SafeMigration of {@code db} on {@code pg}, backing up to {@code bucket} on {@code s3} (engine prisma). */
    static String safeMigration(
            PostgresServer pg,
            S3Server s3,
            String bucket,
            String ns,
            String name,
            String db,
            String configMaps,
            boolean rehearsal) {
        return """
                apiVersion: schemaguard.io/v1alpha1
                kind: SafeMigration
                metadata:
                  name: %s
                  namespace: %s
                spec:
                  database:
                    host: 127.0.0.1
                    port: %d
                    name: %s
                    user: postgres
                    passwordSecretRef:
                      name: db-credentials
                  storage:
                    s3:
                      bucket: %s
                      prefix: migrations
                      endpoint: %s
                      forcePathStyle: true
                      credentialsSecretRef:
                        name: s3-credentials
                  engine: Prisma
                  migrations:
                    configMaps:
                %s
                  rehearsal: %s
                  verify:
                    assertions:
                      - name: every-order-has-a-total
                        sql: SELECT count(*) = 0 FROM orders WHERE total IS NULL
                """.formatted(name, ns, pg.port(), db, bucket, s3.endpoint(), configMaps, rehearsal);
    }

    static String apply(String yaml) {
        return cluster.kubectl().apply(yaml).orThrow().stdout();
    }

    static SafeMigration get(String ns, String name) {
        return admin.resources(SafeMigration.class)
                .inNamespace(ns)
                .withName(name)
                .get();
    }

    static SafeMigration awaitDone(String ns, String name) {
        return await().atMost(TIMEOUT)
                .pollInterval(Duration.ofMillis(300))
                .until(
                        () -> get(ns, name),
                        m -> m != null
                                && m.getStatus() != null
                                && m.getStatus().getPhase() != null
                                && m.getStatus().getPhase().isTerminal()
                                && m.getMetadata()
                                        .getGeneration()
                                        .equals(m.getStatus().getObservedGeneration()));
    }

    static long count(String db, String sql) throws Exception {
        try (Connection c = pg.connect(db);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static List<String> jobs(String ns) {
        return admin.batch().v1().jobs().inNamespace(ns).list().getItems().stream()
                .map(j -> j.getMetadata().getName())
                .sorted()
                .toList();
    }

    static List<String> eventReasons(String ns) {
        return admin.v1().events().inNamespace(ns).list().getItems().stream()
                .map(e -> e.getReason())
                .toList();
    }

    @Test
    void theSeedsChangeIsAppliedWithEveryRowKeptAndReapplyingTheManifestDoesNothing() throws Exception {
        operator = cluster.startOperator("schemaguard-operator-migration-it");
        String ns = cluster.namespace("shop");
        String db = shop("it_shop_additive", 3000, true);
        apply(Manifests.secrets(ns, PostgresServer.PASSWORD) + "---\n"
                + configMap(
                        ns,
                        "shop-migrations",
                        Map.of(
                                "20240101000000_init.sql",
                                INIT,
                                "20241125000000_add_customer_reference.sql",
                                ADD_REFERENCE)));
        String manifest = safeMigration(ns, "add-customer-reference", db, "      - name: shop-migrations");
        apply(manifest);

        SafeMigration done = awaitDone(ns, "add-customer-reference");
        var run = done.getStatus().getCurrentRun();
        assertThat(done.getStatus().getPhase())
                .as("%s %s", run.getMessage(), done.getStatus().getConditions())
                .isEqualTo(MigrationPhase.Succeeded);
        assertThat(run.getPending()).containsExactly("20241125000000_add_customer_reference");
        assertThat(run.getApplied()).containsExactly("20241125000000_add_customer_reference");
        assertThat(run.getRehearsal()).isEqualTo("Passed");
        assertThat(run.getSchemaChanges()).containsExactly("orders: +customer_reference text");
        assertThat(run.getVerificationProblems()).isNullOrEmpty();
        assertThat(Conditions.find(done.getStatus().getConditions(), Conditions.READY)
                        .getStatus())
                .isEqualTo("True");
        assertThat(count(db, "SELECT count(*) FROM orders")).isEqualTo(3000);
        assertThat(count(
                        db,
                        "SELECT count(*) FROM information_schema.columns WHERE table_name = 'orders'"
                                + " AND column_name = 'customer_reference'"))
                .isEqualTo(1);
        assertThat(count(
                        db,
                        "SELECT count(*) FROM _prisma_migrations WHERE finished_at IS NOT NULL"
                                + " AND migration_name = '20241125000000_add_customer_reference'"
                                + " AND checksum = encode(sha256(convert_to('" + ADD_REFERENCE.replace("'", "''")
                                + "', 'UTF8')), 'hex')"))
                .as("Prisma's own history, with the file's SHA-256")
                .isEqualTo(1);

        DatabaseBackup backup = admin.resources(DatabaseBackup.class)
                .inNamespace(ns)
                .withName(run.getBackup())
                .get();
        assertThat(backup.getMetadata().getOwnerReferences())
                .singleElement()
                .satisfies(o -> assertThat(o.getName()).isEqualTo("add-customer-reference"));
        assertThat(backup.getMetadata().getLabels()).containsEntry(Labels.PINNED, "true");
        assertThat(backup.getStatus().getCompletedAt()).isLessThanOrEqualTo(run.getCompletedAt());
        List<String> jobs = jobs(ns);
        assertThat(jobs)
                .containsExactlyInAnyOrder(
                        "add-customer-reference-g1-plan",
                        "add-customer-reference-g1-b1-backup",
                        "add-customer-reference-g1-rehearse-1",
                        "add-customer-reference-g1-migrate-1");
        String table = cluster.kubectl()
                .run(null, "get", "safemigration", "-n", ns)
                .orThrow()
                .stdout();
        assertThat(table)
                .contains("add-customer-reference")
                .contains("Succeeded")
                .contains(run.getBackup());

        // a GitOps sync re-applies the same manifest: same generation, nothing runs again
        apply(manifest);
        Thread.sleep(5_000);
        assertThat(jobs(ns)).isEqualTo(jobs);
        assertThat(get(ns, "add-customer-reference").getMetadata().getGeneration())
                .isEqualTo(1L);
        assertThat(eventReasons(ns)).contains("Succeeded");
    }

    @Test
    void theDestructiveVersionIsBlockedBeforeAnyBackupOrMigrationJob() throws Exception {
        operator = cluster.startOperator("schemaguard-operator-migration-it");
        String ns = cluster.namespace("careless");
        String db = shop("it_shop_destructive", 1200, true);
        apply(Manifests.secrets(ns, PostgresServer.PASSWORD) + "---\n"
                + configMap(
                        ns,
                        "recreate",
                        Map.of(
                                "20240101000000_init.sql",
                                INIT,
                                "20241125000000_recreate_orders.sql",
                                DROP_AND_RECREATE)));
        apply(safeMigration(ns, "recreate-orders", db, "      - name: recreate"));

        SafeMigration blocked = awaitDone(ns, "recreate-orders");
        var run = blocked.getStatus().getCurrentRun();
        assertThat(blocked.getStatus().getPhase()).as(run.getMessage()).isEqualTo(MigrationPhase.Blocked);
        assertThat(run.getFindings()).anySatisfy(f -> {
            assertThat(f.getFile()).isEqualTo("20241125000000_recreate_orders/migration.sql");
            assertThat(f.getLine()).isEqualTo(2);
            assertThat(f.getRule()).isEqualTo("drop-table");
            assertThat(f.getDestructive()).isTrue();
            assertThat(f.getStatementHash()).isNotBlank();
        });
        var stalled = Conditions.find(blocked.getStatus().getConditions(), "Stalled");
        assertThat(stalled.getStatus()).isEqualTo("True");
        assertThat(eventReasons(ns)).contains("Blocked");
        assertThat(jobs(ns)).containsExactly("recreate-orders-g1-plan");
        assertThat(admin.resources(DatabaseBackup.class).inNamespace(ns).list().getItems())
                .isEmpty();
        assertThat(count(db, "SELECT count(*) FROM orders")).isEqualTo(1200);
        String described = cluster.kubectl()
                .run(null, "describe", "safemigration", "-n", ns, "recreate-orders")
                .orThrow()
                .stdout();
        assertThat(described).contains("drop-table");
    }

    @Test
    void aDatabasePrismaWouldRefuseFailsAtThePlanBeforeAnyBackup() throws Exception {
        operator = cluster.startOperator("schemaguard-operator-migration-it");
        String ns = cluster.namespace("not-baselined");
        String db = shop("it_shop_not_baselined", 100, false);
        apply(Manifests.secrets(ns, PostgresServer.PASSWORD) + "---\n"
                + configMap(ns, "shop-migrations", Map.of("20241125000000_add_customer_reference.sql", ADD_REFERENCE)));
        apply(safeMigration(ns, "add-customer-reference", db, "      - name: shop-migrations"));

        SafeMigration failed = awaitDone(ns, "add-customer-reference");
        assertThat(failed.getStatus().getPhase()).isEqualTo(MigrationPhase.Failed);
        assertThat(failed.getStatus().getCurrentRun().getMessage())
                .contains("P3005")
                .contains("baseline it first");
        assertThat(eventReasons(ns)).contains("PlanFailed");
        assertThat(jobs(ns)).containsExactly("add-customer-reference-g1-plan");
        assertThat(admin.resources(DatabaseBackup.class).inNamespace(ns).list().getItems())
                .isEmpty();
        assertThat(count(db, "SELECT count(*) FROM orders")).isEqualTo(100);
    }

    @Test
    void anOperatorKilledWhileTheBackupRunsIsReplacedWithoutASecondBackupOrAnEarlyMigration() throws Exception {
        operator = cluster.startOperator("schemaguard-operator-migration-first");
        String ns = cluster.namespace("restart-mid-migration");
        String db = shop("it_shop_restart", 5000, true);
        apply(Manifests.secrets(ns, PostgresServer.PASSWORD) + "---\n"
                + configMap(
                        ns,
                        "shop-migrations",
                        Map.of(
                                "20240101000000_init.sql",
                                INIT,
                                "20241125000000_add_customer_reference.sql",
                                ADD_REFERENCE)));
        try (TableLock lock = TableLock.exclusive(pg, db, "orders")) {
            apply(safeMigration(ns, "add-customer-reference", db, "      - name: shop-migrations"));
            await().atMost(TIMEOUT)
                    .until(
                            () -> get(ns, "add-customer-reference"),
                            m -> m.getStatus() != null && m.getStatus().getPhase() == MigrationPhase.BackingUp);
            await().atMost(TIMEOUT).until(() -> lock.blockedDumps() == 1);
            assertThat(jobs(ns))
                    .containsExactly("add-customer-reference-g1-b1-backup", "add-customer-reference-g1-plan");

            operator.kill();
            OperatorProcess second = cluster.startOperator(new OperatorProcess.Settings(
                            "schemaguard-operator-migration-second",
                            cluster.operatorKubeconfig(),
                            RealCluster.OPERATOR_NAMESPACE,
                            List.of(),
                            RealCluster.RUNNER_IMAGE)
                    .logReconciliations());
            operator = second;
            await().atMost(TIMEOUT)
                    .until(() -> second.log()
                            .lines()
                            .anyMatch(l -> l.contains("Reconciling resource") && l.contains("add-customer-reference")));
            // the backup still runs: no rehearsal, no migration, and no second backup
            assertThat(jobs(ns))
                    .containsExactly("add-customer-reference-g1-b1-backup", "add-customer-reference-g1-plan");
            assertThat(get(ns, "add-customer-reference").getStatus().getPhase()).isEqualTo(MigrationPhase.BackingUp);
        }
        SafeMigration done = awaitDone(ns, "add-customer-reference");
        assertThat(done.getStatus().getPhase())
                .as(done.getStatus().getCurrentRun().getMessage())
                .isEqualTo(MigrationPhase.Succeeded);
        assertThat(admin.resources(DatabaseBackup.class).inNamespace(ns).list().getItems())
                .hasSize(1);
        List<Job> all = admin.batch().v1().jobs().inNamespace(ns).list().getItems();
        assertThat(all)
                .extracting(j -> j.getMetadata().getName())
                .containsExactlyInAnyOrder(
                        "add-customer-reference-g1-plan",
                        "add-customer-reference-g1-b1-backup",
                        "add-customer-reference-g1-rehearse-1",
                        "add-customer-reference-g1-migrate-1");
        assertThat(count(db, "SELECT count(*) FROM orders")).isEqualTo(5000);
    }
}
