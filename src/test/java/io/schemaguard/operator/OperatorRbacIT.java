package io.schemaguard.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.authentication.SelfSubjectReviewBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.schemaguard.testing.cluster.RealCluster;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the API server lets the operator's ServiceAccount do, installed from deploy/ and asked with
 * that ServiceAccount's own token (SelfSubjectAccessReview): everything the operator needs, and no
 * access to Secrets at all, in any namespace. The other ITs run the operator with this token, so
 * they show the permissions are enough.
 */
class OperatorRbacIT {
    @RegisterExtension
    static final RealCluster cluster = new RealCluster();

    static KubernetesClient operator;
    static String ns;

    @BeforeAll
    static void client() {
        operator = cluster.controlPlane().client(cluster.operatorKubeconfig());
        ns = cluster.namespace("rbac");
        cluster.admin()
                .resource(new SecretBuilder()
                        .withNewMetadata()
                        .withName("db-credentials")
                        .withNamespace(ns)
                        .endMetadata()
                        .addToStringData("password", "s3cret")
                        .build())
                .create();
    }

    @AfterAll
    static void close() {
        if (operator != null) {
            operator.close();
        }
    }

    /** A question for the review: may I VERB GROUP/RESOURCE[/SUBRESOURCE] [NAME] in NAMESPACE ("" = all)? */
    record Access(String verb, String group, String resource, String subresource, String namespace, String name) {
        static Access of(String verb, String group, String resource, String namespace) {
            return new Access(verb, group, resource, null, namespace, null);
        }

        @Override
        public String toString() {
            return verb + " " + (group.isEmpty() ? "core" : group) + "/" + resource
                    + (subresource == null ? "" : "/" + subresource) + (name == null ? "" : " " + name) + " in "
                    + (namespace.isEmpty() ? "all namespaces" : "namespace " + namespace);
        }
    }

    static boolean allowed(Access a) {
        SelfSubjectAccessReview review = operator.authorization()
                .v1()
                .selfSubjectAccessReview()
                .create(new SelfSubjectAccessReviewBuilder()
                        .withNewSpec()
                        .withNewResourceAttributes()
                        .withVerb(a.verb())
                        .withGroup(a.group())
                        .withResource(a.resource())
                        .withSubresource(a.subresource())
                        .withNamespace(a.namespace())
                        .withName(a.name())
                        .endResourceAttributes()
                        .endSpec()
                        .build());
        return review.getStatus().getAllowed();
    }

    @Test
    void theTokenIsTheOperatorsServiceAccount() {
        var review = operator.authentication().v1().selfSubjectReviews().create(new SelfSubjectReviewBuilder().build());
        assertThat(review.getStatus().getUserInfo().getUsername())
                .isEqualTo("system:serviceaccount:schemaguard-system:schemaguard-operator");
    }

    @TestFactory
    Stream<DynamicTest> noAccessToSecrets() {
        return Stream.of("get", "list", "watch", "create", "update", "patch", "delete")
                .flatMap(verb -> Stream.of(
                        Access.of(verb, "", "secrets", ""),
                        Access.of(verb, "", "secrets", ns),
                        Access.of(verb, "", "secrets", RealCluster.OPERATOR_NAMESPACE)))
                .map(a -> DynamicTest.dynamicTest(
                        "no: " + a, () -> assertThat(allowed(a)).as("%s", a).isFalse()));
    }

    @Test
    void readingASecretIsForbidden() {
        assertThatThrownBy(() -> operator.secrets()
                        .inNamespace(ns)
                        .withName("db-credentials")
                        .get())
                .isInstanceOfSatisfying(
                        KubernetesClientException.class,
                        e -> assertThat(e.getCode()).isEqualTo(403))
                .hasMessageContaining("cannot get resource \"secrets\"");
        assertThatThrownBy(() -> operator.secrets().inAnyNamespace().list())
                .isInstanceOfSatisfying(
                        KubernetesClientException.class,
                        e -> assertThat(e.getCode()).isEqualTo(403))
                .hasMessageContaining("cannot list resource \"secrets\"");
    }

    @TestFactory
    Stream<DynamicTest> whatTheOperatorNeedsIsAllowed() {
        String system = RealCluster.OPERATOR_NAMESPACE;
        Stream<Access> needed = Stream.of(
                        Stream.of("get", "list", "watch", "patch", "update")
                                .flatMap(v -> Stream.of(
                                        Access.of(v, "schemaguard.io", "databasebackups", ""),
                                        Access.of(v, "schemaguard.io", "databasebackups", ns))),
                        Stream.of(
                                new Access("patch", "schemaguard.io", "databasebackups", "status", ns, null),
                                new Access("update", "schemaguard.io", "databasebackups", "status", ns, null)),
                        Stream.of("get", "list", "watch", "patch", "update")
                                .map(v -> Access.of(v, "schemaguard.io", "databaserestores", ns)),
                        Stream.of(new Access("patch", "schemaguard.io", "databaserestores", "status", ns, null)),
                        // a Replace restore takes a safety DatabaseBackup of its target first
                        Stream.of(
                                Access.of("create", "schemaguard.io", "databasebackups", ns),
                                Access.of("create", "schemaguard.io", "databaserestores", ns)),
                        Stream.of("get", "list", "watch", "patch", "update")
                                .map(v -> Access.of(v, "schemaguard.io", "safemigrations", ns)),
                        Stream.of(new Access("patch", "schemaguard.io", "safemigrations", "status", ns, null)),
                        Stream.of("get", "list", "watch", "patch", "update")
                                .map(v -> Access.of(v, "schemaguard.io", "backupschedules", ns)),
                        Stream.of(new Access("patch", "schemaguard.io", "backupschedules", "status", ns, null)),
                        // retention and concurrencyPolicy Replace delete backups (their finalizer deletes the objects)
                        Stream.of(Access.of("delete", "schemaguard.io", "databasebackups", ns)),
                        // a backup deleted while running has its Job stopped first
                        Stream.of("get", "list", "watch", "create", "delete")
                                .map(v -> Access.of(v, "batch", "jobs", ns)),
                        Stream.of("list", "watch").map(v -> Access.of(v, "batch", "jobs", "")),
                        Stream.of("get", "list", "watch").map(v -> Access.of(v, "", "pods", ns)),
                        Stream.of(Access.of("create", "", "events", ns), Access.of("patch", "", "events", ns)),
                        Stream.of(Access.of("create", "coordination.k8s.io", "leases", system)),
                        Stream.of("get", "update", "patch")
                                .map(v -> new Access(
                                        v, "coordination.k8s.io", "leases", null, system, "schemaguard-operator")))
                .flatMap(s -> s);
        return needed.map(a -> DynamicTest.dynamicTest(
                "yes: " + a, () -> assertThat(allowed(a)).as("%s", a).isTrue()));
    }

    @TestFactory
    Stream<DynamicTest> nothingMore() {
        String system = RealCluster.OPERATOR_NAMESPACE;
        return Stream.of(
                        // Jobs are never changed; the garbage collector deletes them with their owner.
                        Access.of("update", "batch", "jobs", ns),
                        Access.of("patch", "batch", "jobs", ns),
                        Access.of("create", "", "pods", ns),
                        Access.of("delete", "", "pods", ns),
                        new Access("get", "", "pods", "log", ns, null),
                        Access.of("delete", "schemaguard.io", "databaserestores", ns),
                        Access.of("delete", "schemaguard.io", "safemigrations", ns),
                        Access.of("delete", "schemaguard.io", "backupschedules", ns),
                        Access.of("create", "schemaguard.io", "backupschedules", ns),
                        Access.of("create", "schemaguard.io", "safemigrations", ns),
                        Access.of("get", "", "configmaps", ns),
                        Access.of("list", "", "serviceaccounts", ns),
                        new Access("create", "", "serviceaccounts", "token", ns, "default"),
                        Access.of("list", "", "nodes", ""),
                        Access.of("list", "", "namespaces", ""),
                        Access.of("list", "apiextensions.k8s.io", "customresourcedefinitions", ""),
                        Access.of("list", "coordination.k8s.io", "leases", system),
                        new Access("update", "coordination.k8s.io", "leases", null, system, "someone-elses-lease"),
                        Access.of("create", "coordination.k8s.io", "leases", ns),
                        Access.of("create", "rbac.authorization.k8s.io", "rolebindings", ns))
                .map(a -> DynamicTest.dynamicTest(
                        "no: " + a, () -> assertThat(allowed(a)).as("%s", a).isFalse()));
    }
}
