package io.schemaguard.operator.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.Phase;
import io.schemaguard.operator.jobs.Conditions;
import io.schemaguard.operator.jobs.JobState;
import io.schemaguard.operator.jobs.Labels;
import io.schemaguard.runner.Streams;
import io.schemaguard.testing.AzuriteServer;
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
 * DatabaseBackup end to end on a real control plane: resources applied with kubectl, the packaged
 * operator running with its ServiceAccount's token (its RBAC enforced), the Job controller of
 * kube-controller-manager creating and retrying pods, the process kubelet running them with
 * credentials from Secrets, a real PostgreSQL database dumped into a real S3 server, and the garbage
 * collector cleaning up.
 */
class DatabaseBackupIT {
    @RegisterExtension
    static final RealCluster cluster = new RealCluster();

    static final String BUCKET = "it-backups";
    static final Duration TIMEOUT = Duration.ofMinutes(2);

    static PostgresServer pg;
    static S3Server s3;
    static String database;
    static OperatorProcess operator;
    static KubernetesClient admin;

    @BeforeAll
    static void start() {
        pg = PostgresServer.shared();
        s3 = S3Server.shared();
        database = pg.createDatabase("it_shop");
        pg.execute(
                database,
                "CREATE TABLE orders (id serial PRIMARY KEY, customer_reference text, total numeric)",
                "INSERT INTO orders (customer_reference, total) SELECT 'ref-' || g, g FROM generate_series(1, 20000) g");
        s3.createBucket(BUCKET);
        admin = cluster.admin();
        operator = cluster.startOperator("schemaguard-operator-backup-it");
    }

    @AfterAll
    static void stop() {
        String log = operator == null ? "" : operator.log();
        cluster.stopOperator(operator);
        // Everything above ran with the ServiceAccount's token: no request was refused.
        assertThat(log).doesNotContainIgnoringCase("forbidden");
    }

    static DatabaseBackup fetch(String ns, String name) {
        return admin.resources(DatabaseBackup.class)
                .inNamespace(ns)
                .withName(name)
                .get();
    }

    static DatabaseBackup awaitPhase(String ns, String name, Phase... phases) {
        List<Phase> wanted = List.of(phases);
        return await().atMost(TIMEOUT)
                .pollInterval(Duration.ofMillis(250))
                .until(
                        () -> fetch(ns, name),
                        b -> b != null
                                && b.getStatus() != null
                                && wanted.contains(b.getStatus().getPhase()));
    }

    static List<Job> jobs(String ns) {
        return admin.batch().v1().jobs().inNamespace(ns).list().getItems();
    }

    static List<Pod> pods(String ns) {
        return admin.pods().inNamespace(ns).list().getItems();
    }

    static String apply(String yaml) {
        return cluster.kubectl().apply(yaml).orThrow().stdout();
    }

    @Test
    void aBackupEndsSucceededWithTheShaOfTheObjectInStorage() throws Exception {
        String ns = cluster.namespace("backup-ok");
        String applied = apply(Manifests.secrets(ns, PostgresServer.PASSWORD) + "---\n"
                + Manifests.backup(ns, "orders-nightly", pg, database, s3, BUCKET, null));
        assertThat(applied).contains("databasebackup.schemaguard.io/orders-nightly created");

        DatabaseBackup done = awaitPhase(ns, "orders-nightly", Phase.Succeeded, Phase.Failed);
        assertThat(done.getStatus().getPhase())
                .as("%s", done.getStatus().getConditions())
                .isEqualTo(Phase.Succeeded);

        // The object in storage is what the status says, byte for byte.
        String location = done.getStatus().getLocation();
        assertThat(location).startsWith("s3://" + BUCKET + "/backups/" + ns + "/" + database + "/");
        String key = location.substring(("s3://" + BUCKET + "/").length());
        byte[] object = s3.get(BUCKET, key);
        assertThat(done.getStatus().getSha256())
                .isEqualTo(Streams.hash(new ByteArrayInputStream(object)).sha256());
        assertThat(done.getStatus().getSizeBytes()).isEqualTo(object.length);
        assertThat(s3.keys(BUCKET)).contains(key.replaceAll("dump\\.[^/]+$", "manifest.json"));
        assertThat(done.getStatus().getObservedGeneration())
                .isEqualTo(done.getMetadata().getGeneration());
        assertThat(Conditions.find(done.getStatus().getConditions(), Conditions.READY)
                        .getReason())
                .isEqualTo("BackupSucceeded");

        // One Job, created by the operator and owned by the backup; completed by the Job controller.
        List<Job> jobs = jobs(ns);
        assertThat(jobs).hasSize(1);
        Job job = jobs.get(0);
        assertThat(job.getMetadata().getName()).isEqualTo("orders-nightly-backup");
        assertThat(job.getMetadata().getLabels()).containsAllEntriesOf(Labels.forJob("backup", "DatabaseBackup"));
        assertThat(job.getMetadata().getOwnerReferences())
                .singleElement()
                .satisfies(
                        o -> assertThat(o.getUid()).isEqualTo(done.getMetadata().getUid()));
        assertThat(job.getStatus().getSucceeded()).isEqualTo(1);
        assertThat(job.getStatus().getConditions())
                .anyMatch(c -> c.getType().equals("Complete") && c.getStatus().equals("True"));

        // Its pod ran on the process kubelet and left the runner's result as its termination message.
        Pod pod = pods(ns).get(0);
        assertThat(pod.getSpec().getNodeName()).isEqualTo(cluster.kubelet().nodeName());
        assertThat(pod.getStatus().getPhase()).isEqualTo("Succeeded");
        assertThat(JobState.exitCode(pod)).contains(0);
        assertThat(JobState.terminationMessage(pod).orElseThrow())
                .contains("\"sha256\":\"" + done.getStatus().getSha256());
    }

    @Test
    void anEncryptedBackupToAzureBlobStorageEndsSucceededWithTheShaOfTheBlob() throws Exception {
        // client-side encryption rides on this one: its key, like the account key, reaches the pod only by reference
        byte[] rawKey = new byte[32];
        new java.security.SecureRandom().nextBytes(rawKey);
        String encryptionKey = java.util.Base64.getEncoder().encodeToString(rawKey);
        try (AzuriteServer azure = AzuriteServer.start()) {
            azure.createBucket("it-backups");
            String ns = cluster.namespace("backup-azure");
            apply(Manifests.dbCredentials(ns, PostgresServer.PASSWORD) + "---\n"
                    + """
                    apiVersion: v1
                    kind: Secret
                    metadata:
                      name: azure-credentials
                      namespace: %s
                    stringData:
                      accountKey: "%s"
                      encryption-key: "%s"
                    ---
                    apiVersion: schemaguard.io/v1alpha1
                    kind: DatabaseBackup
                    metadata:
                      name: orders-azure
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
                        azure:
                          container: it-backups
                          prefix: team
                          storageAccount: %s
                          endpoint: %s
                          credentialsSecretRef:
                            name: azure-credentials
                            accountKeyKey: accountKey
                        encryption:
                          keySecretRef:
                            name: azure-credentials
                    """.formatted(
                                    ns,
                                    AzuriteServer.KEY,
                                    encryptionKey,
                                    ns,
                                    pg.port(),
                                    database,
                                    AzuriteServer.ACCOUNT,
                                    azure.endpoint()));

            DatabaseBackup done = awaitPhase(ns, "orders-azure", Phase.Succeeded, Phase.Failed);
            assertThat(done.getStatus().getPhase())
                    .as("%s", done.getStatus().getConditions())
                    .isEqualTo(Phase.Succeeded);
            String location = done.getStatus().getLocation();
            assertThat(location).startsWith("azure://it-backups/team/" + ns + "/" + database + "/");
            String key = location.substring("azure://it-backups/".length());
            byte[] blob = azure.get("it-backups", key);
            assertThat(done.getStatus().getSha256())
                    .isEqualTo(Streams.hash(new ByteArrayInputStream(blob)).sha256());
            String manifestKey = key.replaceAll("dump\\.[^/]+$", "manifest.json");
            assertThat(azure.keys("it-backups")).contains(manifestKey);
            String manifest = new String(azure.get("it-backups", manifestKey), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(manifest)
                    .contains(io.schemaguard.runner.crypto.BackupCipher.ALGORITHM)
                    .contains(io.schemaguard.runner.crypto.BackupCipher.fromBase64(encryptionKey)
                            .fingerprint())
                    .doesNotContain(encryptionKey);
            // the key reached the pod only as a secretKeyRef
            Job job = jobs(ns).get(0);
            assertThat(job.getSpec()
                            .getTemplate()
                            .getSpec()
                            .getContainers()
                            .get(0)
                            .getEnv())
                    .filteredOn(e -> e.getName().equals("AZURE_STORAGE_KEY"))
                    .singleElement()
                    .satisfies(e -> assertThat(e.getValue()).isNull())
                    .satisfies(
                            e -> assertThat(e.getValueFrom().getSecretKeyRef().getName())
                                    .isEqualTo("azure-credentials"));
            assertThat(job.getSpec()
                            .getTemplate()
                            .getSpec()
                            .getContainers()
                            .get(0)
                            .getEnv())
                    .filteredOn(e -> e.getName().equals("SCHEMAGUARD_ENCRYPTION_KEY"))
                    .singleElement()
                    .satisfies(e -> assertThat(e.getValue()).isNull())
                    .satisfies(
                            e -> assertThat(e.getValueFrom().getSecretKeyRef().getKey())
                                    .isEqualTo("encryption-key"));
        }
    }

    @Test
    void aWrongPasswordEndsFailedWithTheRunnersReasonAfterTheJobControllersRetries() {
        String ns = cluster.namespace("backup-badpw");
        apply(Manifests.secrets(ns, "not-the-password") + "---\n"
                + Manifests.backup(ns, "orders-nightly", pg, database, s3, BUCKET, "  backoffLimit: 1\n"));

        DatabaseBackup failed = awaitPhase(ns, "orders-nightly", Phase.Succeeded, Phase.Failed);
        assertThat(failed.getStatus().getPhase()).isEqualTo(Phase.Failed);
        var ready = Conditions.find(failed.getStatus().getConditions(), Conditions.READY);
        assertThat(ready.getReason()).isEqualTo("AuthenticationFailed");
        assertThat(ready.getMessage()).contains("authentication failed for user 'postgres'");
        assertThat(failed.getStatus().getFailedAttempts()).isEqualTo(2);
        assertThat(failed.getStatus().getSha256()).isNull();

        // The real Job controller retried once (backoffLimit 1) and then gave up.
        Job job = jobs(ns).get(0);
        assertThat(job.getStatus().getFailed()).isEqualTo(2);
        assertThat(job.getStatus().getConditions())
                .anyMatch(c -> c.getType().equals("Failed") && "BackoffLimitExceeded".equals(c.getReason()));
        List<Pod> pods = pods(ns);
        assertThat(pods).hasSize(2).allSatisfy(p -> {
            assertThat(p.getStatus().getPhase()).isEqualTo("Failed");
            assertThat(JobState.exitCode(p)).contains(3);
            assertThat(JobState.result(p).orElseThrow().reason()).isEqualTo("AuthenticationFailed");
        });
    }

    @Test
    void aMissingSecretKeepsTheBackupPendingWithTheKubeletsMessageUntilItExists() {
        String ns = cluster.namespace("backup-nosecret");
        apply(Manifests.secrets(ns, PostgresServer.PASSWORD).replaceFirst("name: db-credentials", "name: other")
                + "---\n" + Manifests.backup(ns, "orders-nightly", pg, database, s3, BUCKET, null));

        DatabaseBackup pending = await().atMost(TIMEOUT)
                .until(
                        () -> fetch(ns, "orders-nightly"),
                        b -> b.getStatus() != null && "SecretNotFound".equals(readyReason(b)));
        assertThat(pending.getStatus().getPhase()).isEqualTo(Phase.Pending);
        assertThat(Conditions.find(pending.getStatus().getConditions(), Conditions.READY)
                        .getMessage())
                .contains("secret \"db-credentials\" not found");
        assertThat(pods(ns))
                .singleElement()
                .satisfies(p -> assertThat(p.getStatus()
                                .getContainerStatuses()
                                .get(0)
                                .getState()
                                .getWaiting()
                                .getReason())
                        .isEqualTo("CreateContainerConfigError"));

        apply(Manifests.dbCredentials(ns, PostgresServer.PASSWORD));
        DatabaseBackup done = awaitPhase(ns, "orders-nightly", Phase.Succeeded, Phase.Failed);
        assertThat(done.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
        assertThat(pods(ns)).hasSize(1);
    }

    @Test
    void deletingABackupDeletesItsJobAndPodsThroughTheGarbageCollector() {
        // A finished backup, deleted the default way (background propagation).
        String ns = cluster.namespace("backup-gc");
        apply(Manifests.secrets(ns, PostgresServer.PASSWORD) + "---\n"
                + Manifests.backup(ns, "finished", pg, database, s3, BUCKET, null));
        String finishedId =
                awaitPhase(ns, "finished", Phase.Succeeded).getStatus().getBackupId();
        assertThat(jobs(ns)).hasSize(1);
        assertThat(pods(ns)).hasSize(1);
        assertThat(s3.keys(BUCKET)).anyMatch(k -> k.contains(finishedId));
        cluster.kubectl()
                .run(null, "delete", "-n", ns, "databasebackup", "finished", "--wait=false")
                .orThrow();
        await().atMost(TIMEOUT).until(() -> fetch(ns, "finished") == null && jobs(ns).isEmpty() && pods(ns).isEmpty());
        // deletionPolicy Delete (the default): its delete Job removed the objects before the resource went
        assertThat(s3.keys(BUCKET)).noneMatch(k -> k.contains(finishedId));

        // A running backup (pg_dump waits for a table lock), deleted with foreground propagation: the
        // garbage collector deletes the pod, the kubelet stops its process, then the Job, then the backup.
        try (TableLock lock = TableLock.exclusive(pg, database, "orders")) {
            apply(Manifests.backup(ns, "running", pg, database, s3, BUCKET, null));
            String backupId =
                    awaitPhase(ns, "running", Phase.Running).getStatus().getBackupId();
            await().atMost(TIMEOUT).until(() -> lock.blockedDumps() == 1);
            String pod = pods(ns).get(0).getMetadata().getName();
            assertThat(cluster.kubelet().isRunning(ns, pod)).isTrue();

            cluster.kubectl()
                    .run(null, "delete", "-n", ns, "databasebackup", "running", "--cascade=foreground", "--wait=false")
                    .orThrow();
            await().atMost(TIMEOUT).until(() -> fetch(ns, "running") == null);
            assertThat(jobs(ns)).isEmpty();
            assertThat(pods(ns)).isEmpty();
            assertThat(cluster.kubelet().isRunning(ns, pod)).isFalse();
            lock.close();
            // pg_dump's session ends once the lock it waited for is free (a backend blocked on a lock
            // does not notice its client is gone), and the stopped backup left nothing in storage.
            await().atMost(Duration.ofSeconds(30)).until(() -> lock.runnerSessions() == 0);
            assertThat(s3.keys(BUCKET)).noneMatch(k -> k.contains(backupId));
        }
    }

    static String readyReason(DatabaseBackup b) {
        var c = Conditions.find(b.getStatus().getConditions(), Conditions.READY);
        return c == null ? null : c.getReason();
    }
}
