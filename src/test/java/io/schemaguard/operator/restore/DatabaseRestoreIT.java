package io.schemaguard.operator.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.DatabaseRestore;
import io.schemaguard.api.Phase;
import io.schemaguard.operator.jobs.Conditions;
import io.schemaguard.testing.Manifests;
import io.schemaguard.testing.PostgresServer;
import io.schemaguard.testing.S3Server;
import io.schemaguard.testing.cluster.OperatorProcess;
import io.schemaguard.testing.cluster.RealCluster;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The seed's incident and its cure on a real control plane, applied with kubectl: a backup, rows of
 * orders lost, a DatabaseRestore into a new database, a Replace of the damaged one (after a safety
 * DatabaseBackup taken by the operator), a non-empty target refused, and a wrong confirm refused by
 * the API server itself.
 */
class DatabaseRestoreIT {
    @RegisterExtension
    static final RealCluster cluster = new RealCluster();

    static final String BUCKET = "it-restores";
    static final Duration TIMEOUT = Duration.ofMinutes(3);

    static PostgresServer pg;
    static S3Server s3;
    static String shop;
    static OperatorProcess operator;
    static KubernetesClient admin;

    @BeforeAll
    static void start() {
        pg = PostgresServer.shared();
        s3 = S3Server.shared();
        shop = pg.createDatabase("it_incident");
        pg.execute(
                shop,
                "CREATE TABLE orders (id serial PRIMARY KEY, customer text, total numeric)",
                "INSERT INTO orders (customer, total) SELECT 'c' || g, g FROM generate_series(1, 4000) g");
        s3.createBucket(BUCKET);
        admin = cluster.admin();
        operator = cluster.startOperator("schemaguard-operator-restore-it");
    }

    @AfterAll
    static void stop() {
        String log = operator == null ? "" : operator.log();
        cluster.stopOperator(operator);
        assertThat(log).doesNotContainIgnoringCase("forbidden");
    }

    static String apply(String yaml) {
        return cluster.kubectl().apply(yaml).orThrow().stdout();
    }

    static <T extends HasMetadata> T awaitDone(Class<T> type, String ns, String name, Function<T, Phase> phase) {
        return await().atMost(TIMEOUT)
                .pollInterval(Duration.ofMillis(300))
                .until(
                        () -> admin.resources(type)
                                .inNamespace(ns)
                                .withName(name)
                                .get(),
                        r -> r != null
                                && phase.apply(r) != null
                                && phase.apply(r).isTerminal());
    }

    static Phase phaseOf(DatabaseRestore r) {
        return r.getStatus() == null ? null : r.getStatus().getPhase();
    }

    static long orders(String db) throws Exception {
        try (Connection c = pg.connect(db);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM orders")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void backUpLoseRowsRestoreAndReplace() throws Exception {
        String ns = cluster.namespace("restore");
        apply(Manifests.secrets(ns, PostgresServer.PASSWORD) + "---\n"
                + Manifests.backup(ns, "before-migration", pg, shop, s3, BUCKET, "  exactRowCounts: true\n"));
        DatabaseBackup backup = awaitDone(
                DatabaseBackup.class,
                ns,
                "before-migration",
                b -> b.getStatus() == null ? null : b.getStatus().getPhase());
        assertThat(backup.getStatus().getPhase()).isEqualTo(Phase.Succeeded);

        pg.execute(shop, "DELETE FROM orders WHERE id > 500");
        assertThat(orders(shop)).isEqualTo(500);

        String copy = "it_incident_copy";
        apply(Manifests.restore(ns, "to-a-copy", "before-migration", pg, copy, null));
        DatabaseRestore toCopy = awaitDone(DatabaseRestore.class, ns, "to-a-copy", DatabaseRestoreIT::phaseOf);
        assertThat(toCopy.getStatus().getPhase())
                .as(String.valueOf(toCopy.getStatus().getConditions()))
                .isEqualTo(Phase.Succeeded);
        assertThat(toCopy.getStatus().getRowCheck()).isEqualTo("exact");
        assertThat(toCopy.getStatus().getRestoredRows()).isEqualTo(4000L);
        assertThat(orders(copy)).isEqualTo(4000);

        // the damaged database is not empty: a NewDatabase restore into it is refused by the runner
        apply(Manifests.restore(ns, "into-occupied", "before-migration", pg, shop, null));
        DatabaseRestore refused = awaitDone(DatabaseRestore.class, ns, "into-occupied", DatabaseRestoreIT::phaseOf);
        assertThat(refused.getStatus().getPhase()).isEqualTo(Phase.Failed);
        assertThat(Conditions.find(refused.getStatus().getConditions(), Conditions.READY)
                        .getReason())
                .isEqualTo("TargetNotEmpty");
        assertThat(refused.getStatus().getFailedAttempts())
                .as("a configuration error is not retried")
                .isEqualTo(1);
        assertThat(orders(shop)).isEqualTo(500);

        apply(Manifests.restore(
                ns, "fix-shop", "before-migration", pg, shop, "  mode: Replace\n  confirm: " + shop + "\n"));
        DatabaseRestore fixed = awaitDone(DatabaseRestore.class, ns, "fix-shop", DatabaseRestoreIT::phaseOf);
        assertThat(fixed.getStatus().getPhase())
                .as(String.valueOf(fixed.getStatus().getConditions()))
                .isEqualTo(Phase.Succeeded);
        assertThat(fixed.getStatus().getSafetyBackup()).isEqualTo("fix-shop-safety");
        DatabaseBackup safety = admin.resources(DatabaseBackup.class)
                .inNamespace(ns)
                .withName("fix-shop-safety")
                .get();
        assertThat(safety.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
        assertThat(safety.getMetadata().getOwnerReferences())
                .as("the way back outlives the restore")
                .isEmpty();
        assertThat(orders(shop)).as("every row is back").isEqualTo(4000);

        // deleting the restore leaves the database (and the safety backup) alone
        cluster.kubectl()
                .run(null, "delete", "-n", ns, "databaserestore", "fix-shop", "--wait=true")
                .orThrow();
        assertThat(orders(shop)).isEqualTo(4000);
        assertThat(admin.resources(DatabaseBackup.class)
                        .inNamespace(ns)
                        .withName("fix-shop-safety")
                        .get())
                .isNotNull();
    }

    @Test
    void theApiServerRefusesAReplaceWithoutTheRightConfirm() {
        String ns = cluster.namespace("restore-confirm");
        for (var bad : List.of(
                List.of("  mode: Replace\n", "mode Replace requires confirm"),
                List.of(
                        "  mode: Replace\n  confirm: not-the-target\n",
                        "confirm must equal the target database name"))) {
            var result = cluster.kubectl().apply(Manifests.restore(ns, "careless", "whatever", pg, shop, bad.get(0)));
            assertThat(result.exitCode()).isNotZero();
            assertThat(result.stderr()).contains(bad.get(1));
        }
        assertThat(admin.resources(DatabaseRestore.class).inNamespace(ns).list().getItems())
                .isEmpty();
    }
}
