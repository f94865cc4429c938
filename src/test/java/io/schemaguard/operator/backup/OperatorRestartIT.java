package io.schemaguard.operator.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.Phase;
import io.schemaguard.runner.Streams;
import io.schemaguard.testing.Manifests;
import io.schemaguard.testing.PostgresServer;
import io.schemaguard.testing.S3Server;
import io.schemaguard.testing.TableLock;
import io.schemaguard.testing.cluster.OperatorProcess;
import io.schemaguard.testing.cluster.RealCluster;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator is killed (SIGKILL) while a backup's pod is running, and a new operator process with
 * another identity, as a replacement pod would be, takes over once the leader-election Lease
 * expires. The running backup is not disturbed, no second Job appears, and the new operator
 * reports the backup's real result. The backup is held mid-way by a table lock (see
 * {@link TableLock}) for as long as the test needs.
 */
class OperatorRestartIT {
    @RegisterExtension
    static final RealCluster cluster = new RealCluster();

    static final String BUCKET = "it-restart";
    static PostgresServer pg;
    static S3Server s3;
    static String database;
    static KubernetesClient admin;
    static OperatorProcess first;
    static OperatorProcess second;

    @BeforeAll
    static void servers() {
        pg = PostgresServer.shared();
        s3 = S3Server.shared();
        database = pg.createDatabase("it_restart");
        pg.execute(
                database,
                "CREATE TABLE orders (id serial PRIMARY KEY, customer_reference text, total numeric)",
                "INSERT INTO orders (customer_reference, total) SELECT 'ref-' || g, g FROM generate_series(1, 20000) g");
        s3.createBucket(BUCKET);
        admin = cluster.admin();
    }

    @AfterAll
    static void stop() {
        if (first != null) {
            first.kill();
        }
        cluster.stopOperator(second);
    }

    static DatabaseBackup fetch(String ns) {
        return admin.resources(DatabaseBackup.class)
                .inNamespace(ns)
                .withName("orders-nightly")
                .get();
    }

    @Test
    void killingTheOperatorMidBackupCreatesNoSecondJobAndTheBackupEndsWithItsRealResult() throws Exception {
        String ns = cluster.namespace("restart");
        first = cluster.startOperator("schemaguard-operator-5f7c9-first");
        String jobUid;
        String pod;
        try (TableLock lock = TableLock.exclusive(pg, database, "orders")) {
            cluster.kubectl()
                    .apply(Manifests.secrets(ns, PostgresServer.PASSWORD) + "---\n"
                            + Manifests.backup(ns, "orders-nightly", pg, database, s3, BUCKET, null))
                    .orThrow();
            await().atMost(Duration.ofMinutes(1))
                    .until(
                            () -> fetch(ns),
                            b -> b.getStatus() != null && b.getStatus().getPhase() == Phase.Running);
            await().atMost(Duration.ofMinutes(1)).until(() -> lock.blockedDumps() == 1);
            List<Job> jobs = admin.batch().v1().jobs().inNamespace(ns).list().getItems();
            assertThat(jobs).hasSize(1);
            jobUid = jobs.get(0).getMetadata().getUid();
            pod = admin.pods()
                    .inNamespace(ns)
                    .list()
                    .getItems()
                    .get(0)
                    .getMetadata()
                    .getName();

            first.kill();
            assertThat(first.isAlive()).isFalse();
            assertThat(cluster.kubelet().isRunning(ns, pod))
                    .as("the backup goes on without the operator")
                    .isTrue();

            long t0 = System.nanoTime();
            second = cluster.startOperator(new OperatorProcess.Settings(
                            "schemaguard-operator-5f7c9-second",
                            cluster.operatorKubeconfig(),
                            RealCluster.OPERATOR_NAMESPACE,
                            List.of(),
                            RealCluster.RUNNER_IMAGE)
                    .logReconciliations());
            System.out.printf(
                    "[restart] the second operator took over %.1f s after the first was killed%n",
                    (System.nanoTime() - t0) / 1e9);
            // It reconciles the backup while its pod still runs, and finds the Job instead of making one.
            await().atMost(Duration.ofMinutes(1))
                    .until(() -> second.log()
                            .lines()
                            .anyMatch(l -> l.contains("Reconciling resource") && l.contains("orders-nightly")));
            assertThat(admin.batch().v1().jobs().inNamespace(ns).list().getItems())
                    .singleElement()
                    .satisfies(j -> assertThat(j.getMetadata().getUid()).isEqualTo(jobUid));
            assertThat(fetch(ns).getStatus().getPhase()).isEqualTo(Phase.Running);
            assertThat(cluster.kubelet().isRunning(ns, pod)).isTrue();
        }

        DatabaseBackup done = await().atMost(Duration.ofMinutes(2))
                .until(
                        () -> fetch(ns),
                        b -> b.getStatus() != null
                                && b.getStatus().getPhase() != null
                                && b.getStatus().getPhase().isTerminal());
        assertThat(done.getStatus().getPhase())
                .as("%s", done.getStatus().getConditions())
                .isEqualTo(Phase.Succeeded);
        String key = done.getStatus().getLocation().substring(("s3://" + BUCKET + "/").length());
        assertThat(done.getStatus().getSha256())
                .isEqualTo(Streams.hash(new ByteArrayInputStream(s3.get(BUCKET, key)))
                        .sha256());
        assertThat(admin.batch().v1().jobs().inNamespace(ns).list().getItems())
                .singleElement()
                .satisfies(j -> assertThat(j.getMetadata().getUid()).isEqualTo(jobUid));
        assertThat(admin.pods().inNamespace(ns).list().getItems())
                .singleElement()
                .satisfies(p -> assertThat(p.getMetadata().getName()).isEqualTo(pod));
        assertThat(first.log()).contains("created Job " + ns + "/orders-nightly-backup");
        assertThat(second.log()).doesNotContain("created Job");
        assertThat(admin.v1().events().inNamespace(ns).list().getItems())
                .filteredOn(e -> "JobCreated".equals(e.getReason()))
                .hasSize(1);
    }
}
