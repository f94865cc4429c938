package io.schemaguard.operator.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.Phase;
import io.schemaguard.operator.jobs.Conditions;
import io.schemaguard.operator.jobs.Labels;
import io.schemaguard.runner.Streams;
import io.schemaguard.testing.Fixtures;
import io.schemaguard.testing.LocalJobExecutor;
import io.schemaguard.testing.PostgresServer;
import io.schemaguard.testing.S3Server;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole chain on the mock server: a DatabaseBackup and its Secrets -> the operator's Job -> the
 * runner started as a process from that Job's spec (env resolved from the Secrets) -> a real dump of
 * a real PostgreSQL database in a real S3-compatible server -> the resource Succeeded, with the
 * sha256 of the object as read back from the server.
 *
 * <p>Fast feedback in {@code ./mvnw test}, without a control plane: {@link LocalJobExecutor} plays the
 * kubelet and the Job controller. The end-to-end proof is {@link DatabaseBackupIT}, on a real API
 * server, Job controller and garbage collector, with the packaged operator and its RBAC.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class DatabaseBackupEndToEndTest {
    static PostgresServer pg;
    static S3Server s3;
    static String database;
    static LocalJobExecutor executor;

    @Inject
    KubernetesClient client;

    @BeforeAll
    static void servers() {
        pg = PostgresServer.shared();
        s3 = S3Server.shared();
        database = pg.createDatabase("e2e");
        pg.execute(
                database,
                "CREATE TABLE orders (id serial PRIMARY KEY, customer_reference text, total numeric)",
                "INSERT INTO orders (customer_reference, total) SELECT 'ref-' || g, g FROM generate_series(1, 5000) g");
        s3.createBucket("e2e-backups");
    }

    @AfterAll
    static void stop() {
        if (executor != null) {
            executor.close();
        }
    }

    private String namespaceWithSecrets(String ns, String dbPassword) {
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
                        .withStringData(Map.of("password", dbPassword))
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
        synchronized (DatabaseBackupEndToEndTest.class) {
            if (executor == null) {
                executor = new LocalJobExecutor(
                        client, Labels.selector(BackupJobFactory.COMPONENT, BackupJobFactory.KIND));
            }
        }
        return ns;
    }

    private DatabaseBackup awaitFinished(String ns, String name) {
        return await().atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(300))
                .until(
                        () -> client.resources(DatabaseBackup.class)
                                .inNamespace(ns)
                                .withName(name)
                                .get(),
                        b -> b.getStatus() != null
                                && b.getStatus().getPhase() != null
                                && b.getStatus().getPhase().isTerminal());
    }

    @Test
    void aBackupResourceEndsWithARealVerifiedObjectInStorage() throws Exception {
        String ns = namespaceWithSecrets("e2e-ok", PostgresServer.PASSWORD);
        client.resource(Fixtures.backup(
                        ns,
                        "orders-nightly",
                        "127.0.0.1",
                        pg.port(),
                        database,
                        Fixtures.s3("e2e-backups", s3.endpoint(), "s3-credentials")))
                .create();

        DatabaseBackup done = awaitFinished(ns, "orders-nightly");
        assertThat(done.getStatus().getPhase())
                .as(String.valueOf(done.getStatus().getConditions()))
                .isEqualTo(Phase.Succeeded);
        String location = done.getStatus().getLocation();
        assertThat(location).startsWith("s3://e2e-backups/backups/" + ns + "/" + database + "/");
        String key = location.substring("s3://e2e-backups/".length());
        byte[] object = s3.get("e2e-backups", key);
        assertThat(done.getStatus().getSha256())
                .isEqualTo(Streams.hash(new ByteArrayInputStream(object)).sha256());
        assertThat(done.getStatus().getSizeBytes()).isEqualTo(object.length);
        assertThat(done.getStatus().getBackupId()).isEqualTo(BackupJobFactory.backupId(done));
        assertThat(key).contains(done.getStatus().getBackupId());
        assertThat(s3.keys("e2e-backups")).contains(key.replaceAll("dump\\.[^/]+$", "manifest.json"));
    }

    @Test
    void aWrongPasswordEndsFailedWithTheReasonAfterTheRetries() {
        String ns = namespaceWithSecrets("e2e-badpw", "not-the-password");
        DatabaseBackup b = Fixtures.backup(
                ns,
                "orders-nightly",
                "127.0.0.1",
                pg.port(),
                database,
                Fixtures.s3("e2e-backups", s3.endpoint(), "s3-credentials"));
        b.getSpec().setBackoffLimit(1);
        client.resource(b).create();

        DatabaseBackup failed = awaitFinished(ns, "orders-nightly");
        assertThat(failed.getStatus().getPhase()).isEqualTo(Phase.Failed);
        assertThat(failed.getStatus().getFailedAttempts()).isEqualTo(2);
        var ready = Conditions.find(failed.getStatus().getConditions(), Conditions.READY);
        assertThat(ready.getReason()).isEqualTo("AuthenticationFailed");
        assertThat(ready.getMessage()).contains("authentication failed for user 'postgres'");
        assertThat(failed.getStatus().getSha256()).isNull();
    }
}
