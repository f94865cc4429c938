package io.schemaguard.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.DatabaseRestore;
import io.schemaguard.api.MigrationPhase;
import io.schemaguard.api.Phase;
import io.schemaguard.api.SafeMigration;
import io.schemaguard.testing.Manifests;
import io.schemaguard.testing.PostgresServer;
import io.schemaguard.testing.S3Server;
import io.schemaguard.testing.cluster.OperatorProcess;
import io.schemaguard.testing.cluster.RealCluster;
import java.time.Duration;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Grafana dashboard against a real scrape: on the real control plane with the packaged
 * operator, real PostgreSQL and S3Proxy, a schedule's backup succeeds, another schedule's backup
 * fails, the schedule's orphan scan runs, a backup is restored into a new database and a
 * SafeMigration applies a migration; then every metric name the dashboard queries (as Prometheus'
 * parser reads its expressions) is in the operator's /q/metrics, fetched over HTTP.
 */
class DashboardMetricsIT {
    @RegisterExtension
    static final RealCluster cluster = new RealCluster();

    static final String BUCKET = "it-dashboard";
    static final Duration TIMEOUT = Duration.ofMinutes(4);
    OperatorProcess operator;
    String ns;

    @AfterEach
    void stopOperator() {
        // Its schedules run every minute (and scan for orphans): gone, they cannot fire into a later IT's operator.
        if (ns != null) {
            cluster.deleteSchedules(ns);
        }
        cluster.stopOperator(operator);
    }

    /** A BackupSchedule running every minute whose template is {@code backup}'s spec. */
    static String schedule(String ns, String name, String backup, String extraSpec) {
        String template = backup.substring(backup.indexOf("spec:\n") + "spec:\n".length())
                .lines()
                .map(l -> "    " + l)
                .reduce("", (a, b) -> a + b + "\n");
        return """
                apiVersion: schemaguard.io/v1alpha1
                kind: BackupSchedule
                metadata:
                  name: %s
                  namespace: %s
                spec:
                  schedule: "* * * * *"
                %s  template:
                %s""".formatted(name, ns, extraSpec, template);
    }

    @Test
    void everyMetricTheDashboardQueriesIsInARealScrape() {
        TreeSet<String> wanted = Dashboard.metrics();
        assertThat(wanted).as("metrics the dashboard queries").hasSizeGreaterThanOrEqualTo(10);

        PostgresServer pg = PostgresServer.shared();
        S3Server s3 = S3Server.shared();
        String db = pg.createDatabase("it_dashboard");
        pg.execute(
                db,
                "CREATE TABLE orders (id serial PRIMARY KEY, total numeric)",
                "INSERT INTO orders (total)" + " SELECT g FROM generate_series(1, 500) g");
        String migrated = pg.createDatabase("it_dashboard_app");
        String copy = pg.createDatabase("it_dashboard_copy");
        s3.createBucket(BUCKET);
        KubernetesClient admin = cluster.admin();
        operator = cluster.startOperator("schemaguard-operator-dashboard-it");
        ns = cluster.namespace("dashboard");
        var kubectl = cluster.kubectl();
        kubectl.apply(Manifests.secrets(ns, PostgresServer.PASSWORD)).orThrow();

        String good = Manifests.backup(ns, "unused", pg, db, s3, BUCKET, null);
        String broken = Manifests.backup(ns, "unused", pg, "no_such_database", s3, BUCKET, null);
        kubectl.apply(schedule(ns, "nightly", good, "  orphanScanInterval: 20s\n"))
                .orThrow();
        kubectl.apply(schedule(ns, "broken", broken, "")).orThrow();
        kubectl.apply(Manifests.backup(ns, "by-hand", pg, db, s3, BUCKET, null)).orThrow();
        kubectl.apply("""
                        apiVersion: v1
                        kind: ConfigMap
                        metadata:
                          name: app-migrations
                          namespace: %s
                        data:
                          20240101000000_init.sql: |
                            CREATE TABLE customers (id serial PRIMARY KEY, name text);
                        ---
                        apiVersion: schemaguard.io/v1alpha1
                        kind: SafeMigration
                        metadata:
                          name: app
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
                              - name: app-migrations
                          rehearsal: false
                        """.formatted(ns, ns, pg.port(), migrated, BUCKET, s3.endpoint()))
                .orThrow();

        DatabaseBackup byHand = await().atMost(TIMEOUT)
                .until(
                        () -> admin.resources(DatabaseBackup.class)
                                .inNamespace(ns)
                                .withName("by-hand")
                                .get(),
                        b -> b.getStatus() != null
                                && b.getStatus().getPhase() != null
                                && b.getStatus().getPhase().isTerminal());
        assertThat(byHand.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
        kubectl.apply(Manifests.restore(ns, "to-a-copy", "by-hand", pg, copy, null))
                .orThrow();
        DatabaseRestore restore = await().atMost(TIMEOUT)
                .until(
                        () -> admin.resources(DatabaseRestore.class)
                                .inNamespace(ns)
                                .withName("to-a-copy")
                                .get(),
                        r -> r.getStatus() != null
                                && r.getStatus().getPhase() != null
                                && r.getStatus().getPhase().isTerminal());
        assertThat(restore.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
        SafeMigration migration = await().atMost(TIMEOUT)
                .until(
                        () -> admin.resources(SafeMigration.class)
                                .inNamespace(ns)
                                .withName("app")
                                .get(),
                        m -> m.getStatus() != null
                                && m.getStatus().getPhase() != null
                                && m.getStatus().getPhase().isTerminal());

        assertThat(migration.getStatus().getPhase())
                .as("%s", migration.getStatus().getCurrentRun().getMessage())
                .isEqualTo(MigrationPhase.Succeeded);

        long start = System.nanoTime();
        try {
            await().atMost(TIMEOUT)
                    .pollInterval(Duration.ofSeconds(2))
                    .until(() -> Dashboard.scraped(operator.metrics()).containsAll(wanted));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // the assertion below names what is missing
        }
        TreeSet<String> missing = new TreeSet<>(wanted);
        missing.removeAll(Dashboard.scraped(operator.metrics()));
        System.out.printf(
                "[dashboard-it] %d metrics the dashboard queries, %d missing from the scrape %.0f s after the last run ended%n",
                wanted.size(), missing.size(), (System.nanoTime() - start) / 1e9);
        assertThat(missing)
                .as("metrics the dashboard queries that the operator's /q/metrics lacks")
                .isEmpty();
    }
}
