package io.schemaguard.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.Phase;
import io.schemaguard.testing.Manifests;
import io.schemaguard.testing.PostgresServer;
import io.schemaguard.testing.S3Server;
import io.schemaguard.testing.cluster.OperatorProcess;
import io.schemaguard.testing.cluster.RealCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Which namespaces the operator serves: all of them as deploy/ installs it (one ClusterRoleBinding),
 * or only a list (QUARKUS_OPERATOR_SDK_NAMESPACES), installed as the Helm chart does with
 * watchNamespaces: the ClusterRole bound by a RoleBinding in each listed namespace and nowhere else,
 * so the operator also shows it works with that least privilege.
 *
 * <p>The backups here name a Secret that does not exist: the Job's pod waits with
 * CreateContainerConfigError and the backup stays Pending with reason SecretNotFound, which shows
 * the operator served it without running a dump.
 */
class WatchedNamespacesIT {
    @RegisterExtension
    static final RealCluster cluster = new RealCluster();

    static final Duration TIMEOUT = Duration.ofSeconds(90);
    static PostgresServer pg;
    static S3Server s3;
    static KubernetesClient admin;
    OperatorProcess operator;

    @BeforeAll
    static void servers() {
        pg = PostgresServer.shared();
        s3 = S3Server.shared();
        admin = cluster.admin();
    }

    @AfterEach
    void stopOperator() {
        cluster.stopOperator(operator);
    }

    static void backupWithoutSecrets(String ns) {
        cluster.kubectl()
                .apply(Manifests.backup(ns, "nightly", pg, "shop", s3, "team-backups", null))
                .orThrow();
    }

    static DatabaseBackup fetch(String ns) {
        return admin.resources(DatabaseBackup.class)
                .inNamespace(ns)
                .withName("nightly")
                .get();
    }

    static void awaitServed(String ns) {
        DatabaseBackup b = await().atMost(TIMEOUT)
                .until(
                        () -> fetch(ns),
                        r -> r.getStatus() != null
                                && r.getStatus().getConditions().stream()
                                        .anyMatch(c -> "SecretNotFound".equals(c.getReason())));
        assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Pending);
        assertThat(admin.batch()
                        .v1()
                        .jobs()
                        .inNamespace(ns)
                        .withName("nightly-backup")
                        .get())
                .isNotNull();
    }

    @Test
    void byDefaultTheOperatorServesEveryNamespaceEvenOnesCreatedAfterItStarted() {
        operator = cluster.startOperator("schemaguard-operator-all-namespaces");
        String first = cluster.namespace("anywhere");
        String second = cluster.namespace("anywhere");
        backupWithoutSecrets(first);
        backupWithoutSecrets(second);
        awaitServed(first);
        awaitServed(second);
        assertThat(operator.log()).doesNotContainIgnoringCase("forbidden");
    }

    @Test
    void restrictedToAListItLeavesOtherNamespacesAloneAndNeedsOnlyRoleBindingsThere() {
        String a = cluster.namespace("team-a");
        String b = cluster.namespace("team-b");
        String other = cluster.namespace("not-watched");
        String system = "schemaguard-restricted";
        Path kubeconfig = cluster.installRestricted(system, List.of(a, b));

        try (KubernetesClient restricted = cluster.controlPlane().client(kubeconfig)) {
            assertThat(canList(restricted, a)).isTrue();
            assertThat(canList(restricted, other)).isFalse();
            assertThat(canList(restricted, "")).as("cluster-wide").isFalse();
        }

        operator = cluster.startOperator(new OperatorProcess.Settings(
                "schemaguard-operator-restricted", kubeconfig, system, List.of(a, b), RealCluster.RUNNER_IMAGE));
        backupWithoutSecrets(other);
        backupWithoutSecrets(a);
        backupWithoutSecrets(b);
        awaitServed(a);
        awaitServed(b);
        // The unwatched backup was created first; give the operator a few more seconds all the same.
        await().during(Duration.ofSeconds(5))
                .atMost(Duration.ofSeconds(6))
                .until(() -> rawStatus(other) == null
                        && admin.batch()
                                .v1()
                                .jobs()
                                .inNamespace(other)
                                .list()
                                .getItems()
                                .isEmpty());
        String registered = operator.log()
                .lines()
                .filter(l -> l.contains("Registered reconciler"))
                .findFirst()
                .orElseThrow();
        assertThat(registered).contains(a).contains(b).doesNotContain(other).doesNotContain("all namespaces");
        assertThat(operator.log()).doesNotContainIgnoringCase("forbidden");
    }

    /** The status as stored (the typed class starts from an empty status, so it cannot tell "none"). */
    static Object rawStatus(String ns) {
        return admin.genericKubernetesResources("schemaguard.io/v1alpha1", "DatabaseBackup")
                .inNamespace(ns)
                .withName("nightly")
                .get()
                .getAdditionalProperties()
                .get("status");
    }

    static boolean canList(KubernetesClient client, String namespace) {
        return client.authorization()
                .v1()
                .selfSubjectAccessReview()
                .create(new SelfSubjectAccessReviewBuilder()
                        .withNewSpec()
                        .withNewResourceAttributes()
                        .withVerb("list")
                        .withGroup("schemaguard.io")
                        .withResource("databasebackups")
                        .withNamespace(namespace)
                        .endResourceAttributes()
                        .endSpec()
                        .build())
                .getStatus()
                .getAllowed();
    }
}
