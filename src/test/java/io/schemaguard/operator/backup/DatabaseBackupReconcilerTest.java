package io.schemaguard.operator.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.DeletionPolicy;
import io.schemaguard.api.Phase;
import io.schemaguard.operator.jobs.Conditions;
import io.schemaguard.operator.jobs.Labels;
import io.schemaguard.operator.jobs.RunnerJobs;
import io.schemaguard.testing.Fixtures;
import io.schemaguard.testing.JobFixtures;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The reconciler against the Fabric8 mock server (CRUD mode): resource -> Job, Job/pod outcome ->
 * status and Events. The mock server has no Job controller and no kubelet, so the tests play them by
 * writing Job and pod status the way those would. Fast feedback, not proof of cluster behaviour.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class DatabaseBackupReconcilerTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Inject
    KubernetesClient client;

    private String namespace(String name) {
        client.namespaces()
                .resource(new NamespaceBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .endMetadata()
                        .build())
                .createOr(NonDeletingOperation::update);
        return name;
    }

    private DatabaseBackup create(String ns, String name) {
        return client.resource(Fixtures.backup(
                        ns,
                        name,
                        "orders-db",
                        5432,
                        "shop",
                        Fixtures.s3("team-backups", "http://minio:9000", "s3-credentials")))
                .create();
    }

    private DatabaseBackup fetch(String ns, String name) {
        return client.resources(DatabaseBackup.class)
                .inNamespace(ns)
                .withName(name)
                .get();
    }

    private Job awaitJob(String ns, String name) {
        return await().atMost(TIMEOUT)
                .until(
                        () -> client.batch()
                                .v1()
                                .jobs()
                                .inNamespace(ns)
                                .withName(name)
                                .get(),
                        j -> j != null);
    }

    private DatabaseBackup awaitPhase(String ns, String name, Phase phase) {
        return await().atMost(TIMEOUT)
                .until(
                        () -> fetch(ns, name),
                        b -> b.getStatus() != null && b.getStatus().getPhase() == phase);
    }

    /** A pod of the Job, as the Job controller creates it and the kubelet reports it. */
    private void podOf(Job job, Pod state) {
        Pod pod = new PodBuilder(state)
                .editMetadata()
                .withNamespace(job.getMetadata().getNamespace())
                .withLabels(job.getSpec().getTemplate().getMetadata().getLabels())
                .addToLabels("job-name", job.getMetadata().getName())
                .addToLabels("batch.kubernetes.io/job-name", job.getMetadata().getName())
                .withAnnotations(job.getSpec().getTemplate().getMetadata().getAnnotations())
                .endMetadata()
                .build();
        client.resource(pod).createOr(NonDeletingOperation::update);
    }

    private void jobStatus(Job job, Job withStatus) {
        Job current = client.batch().v1().jobs().resource(job).get();
        client.batch()
                .v1()
                .jobs()
                .resource(new JobBuilder(current)
                        .withStatus(withStatus.getStatus())
                        .build())
                .updateStatus();
    }

    private static DatabaseBackup labelled(DatabaseBackup b, String key, String value) {
        Map<String, String> labels = new HashMap<>(
                b.getMetadata().getLabels() == null ? Map.of() : b.getMetadata().getLabels());
        labels.put(key, value);
        b.getMetadata().setLabels(labels);
        return b;
    }

    private List<Event> events(String ns, String name) {
        return client.v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> name.equals(e.getInvolvedObject().getName()))
                .toList();
    }

    @Test
    void aBackupBecomesOneHardenedJobAndEndsSucceededWithTheRunnersChecksum() {
        String ns = namespace("shop");
        create(ns, "nightly");
        Job job = awaitJob(ns, "nightly-backup");
        assertThat(job.getMetadata().getOwnerReferences())
                .singleElement()
                .satisfies(o -> assertThat(o.getKind()).isEqualTo("DatabaseBackup"));
        assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
                .isEqualTo("schemaguard:test");
        assertThat(awaitPhase(ns, "nightly", Phase.Pending).getStatus().getJobName())
                .isEqualTo("nightly-backup");

        podOf(job, JobFixtures.running("nightly-backup-abcde", "2026-11-25T03:15:01Z"));
        awaitPhase(ns, "nightly", Phase.Running);

        podOf(
                job,
                JobFixtures.terminated("nightly-backup-abcde", "2026-11-25T03:15:01Z", 0, JobFixtures.SUCCESS_MESSAGE));
        jobStatus(job, JobFixtures.complete("nightly-backup"));
        DatabaseBackup done = awaitPhase(ns, "nightly", Phase.Succeeded);
        assertThat(done.getStatus().getSha256()).isEqualTo("ab".repeat(32));
        assertThat(done.getStatus().getObservedGeneration())
                .isEqualTo(done.getMetadata().getGeneration());
        assertThat(Conditions.find(done.getStatus().getConditions(), Conditions.READY)
                        .getStatus())
                .isEqualTo("True");

        await().atMost(TIMEOUT)
                .untilAsserted(() -> assertThat(events(ns, "nightly"))
                        .extracting(Event::getReason)
                        .contains("JobCreated", "Started", "Succeeded"));
        assertThat(client.batch().v1().jobs().inNamespace(ns).list().getItems()).hasSize(1);
    }

    @Test
    void aFailedJobFailsTheBackupWithTheRunnersReason() {
        String ns = namespace("billing");
        create(ns, "before-migration");
        Job job = awaitJob(ns, "before-migration-backup");
        podOf(
                job,
                JobFixtures.terminated(
                        "before-migration-backup-1",
                        "2026-11-25T03:15:01Z",
                        3,
                        JobFixtures.failure("AuthenticationFailed", "authentication failed for user 'postgres'")));
        // failed now, as the Job controller writes it: if the Job's status reaches the cache before the
        // pod's, the verdict waits for the pod, so the reason is the runner's
        jobStatus(
                job,
                JobFixtures.failedAt(
                        "before-migration-backup", 1, "BackoffLimitExceeded", "backoff limit", Instant.now()));
        DatabaseBackup failed = awaitPhase(ns, "before-migration", Phase.Failed);
        var ready = Conditions.find(failed.getStatus().getConditions(), Conditions.READY);
        assertThat(ready.getReason()).isEqualTo("AuthenticationFailed");
        assertThat(ready.getMessage()).contains("authentication failed");
        await().atMost(TIMEOUT)
                .untilAsserted(() -> assertThat(events(ns, "before-migration")).anySatisfy(e -> {
                    assertThat(e.getReason()).isEqualTo("AuthenticationFailed");
                    assertThat(e.getType()).isEqualTo("Warning");
                }));
    }

    @Test
    void aMissingSecretShowsAsAConditionWhileTheJobWaits() {
        String ns = namespace("crm");
        create(ns, "no-secret");
        Job job = awaitJob(ns, "no-secret-backup");
        podOf(
                job,
                JobFixtures.waiting(
                        "no-secret-backup-1",
                        "2026-11-25T03:15:01Z",
                        "CreateContainerConfigError",
                        "secret \"db-credentials\" not found"));
        DatabaseBackup pending = await().atMost(TIMEOUT)
                .until(
                        () -> fetch(ns, "no-secret"),
                        b -> b.getStatus() != null
                                && "SecretNotFound"
                                        .equals(Conditions.find(b.getStatus().getConditions(), Conditions.READY)
                                                .getReason()));
        assertThat(pending.getStatus().getPhase()).isEqualTo(Phase.Pending);
        assertThat(Conditions.find(pending.getStatus().getConditions(), Conditions.READY)
                        .getMessage())
                .contains("secret \"db-credentials\" not found");
        await().atMost(TIMEOUT)
                .untilAsserted(() -> assertThat(events(ns, "no-secret"))
                        .extracting(Event::getReason)
                        .contains("SecretNotFound"));
    }

    @Test
    void withoutStorageAndWithoutADefaultNoJobIsCreated() {
        String ns = namespace("nostorage");
        DatabaseBackup b = Fixtures.backup(ns, "orphan", "db", 5432, "shop", null);
        client.resource(b).create();
        DatabaseBackup pending = await().atMost(TIMEOUT)
                .until(
                        () -> fetch(ns, "orphan"),
                        x -> x.getStatus() != null && x.getStatus().getPhase() != null);
        assertThat(pending.getStatus().getPhase()).isEqualTo(Phase.Pending);
        assertThat(Conditions.find(pending.getStatus().getConditions(), Conditions.READY)
                        .getReason())
                .isEqualTo("StorageNotConfigured");
        assertThat(client.batch().v1().jobs().inNamespace(ns).list().getItems()).isEmpty();
    }

    @Test
    void aFinishedBackupIsNeverRunAgain() {
        String ns = namespace("finished");
        create(ns, "done");
        Job job = awaitJob(ns, "done-backup");
        podOf(job, JobFixtures.terminated("done-backup-1", "2026-11-25T03:15:01Z", 0, JobFixtures.SUCCESS_MESSAGE));
        jobStatus(job, JobFixtures.complete("done-backup"));
        DatabaseBackup done = awaitPhase(ns, "done", Phase.Succeeded);

        // The Job disappears (deleted by hand) and the backup is labelled, which reconciles it again. Its
        // spec cannot be edited: the API server refuses that (CEL "spec is immutable"), which this mock
        // server does not enforce, so the test sticks to what a real cluster lets happen.
        client.batch().v1().jobs().inNamespace(ns).withName("done-backup").delete();
        client.resources(DatabaseBackup.class)
                .inNamespace(ns)
                .withName("done")
                .edit(b -> labelled(b, Labels.KEEP, "true"));
        DatabaseBackup after = await().atMost(TIMEOUT)
                .until(
                        () -> fetch(ns, "done"),
                        b -> "true".equals(b.getMetadata().getLabels().get(Labels.KEEP)));
        assertThat(after.getMetadata().getGeneration())
                .isEqualTo(done.getMetadata().getGeneration());
        assertThat(after.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
        assertThat(after.getStatus().getSha256()).isEqualTo(done.getStatus().getSha256());
        await().during(Duration.ofSeconds(2))
                .atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(client.batch()
                                .v1()
                                .jobs()
                                .inNamespace(ns)
                                .list()
                                .getItems())
                        .isEmpty());
    }

    @Test
    void deletingABackupDeletesItsObjectsThroughAJobBeforeTheResourceGoes() {
        String ns = namespace("prune");
        create(ns, "old");
        Job job = awaitJob(ns, "old-backup");
        podOf(job, JobFixtures.terminated("old-backup-1", "2026-11-25T03:15:01Z", 0, JobFixtures.SUCCESS_MESSAGE));
        jobStatus(job, JobFixtures.complete("old-backup"));
        DatabaseBackup done = awaitPhase(ns, "old", Phase.Succeeded);
        assertThat(done.getMetadata().getFinalizers()).isNotEmpty();

        client.resources(DatabaseBackup.class).inNamespace(ns).withName("old").delete();
        Job delete = awaitJob(ns, "old-delete");
        assertThat(delete.getMetadata().getOwnerReferences())
                .as("not collected with the backup")
                .isEmpty();
        assertThat(delete.getSpec().getTtlSecondsAfterFinished()).isPositive();
        var container = delete.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(container.getArgs())
                .startsWith("delete")
                .contains("--namespace=" + ns, BackupJobFactory.backupId(done))
                .anySatisfy(a -> assertThat(a).startsWith("--from=s3://team-backups"));
        assertThat(container.getEnv())
                .as("storage credentials only through secretKeyRef")
                .filteredOn(e -> e.getName().startsWith("AWS_") && !e.getName().equals("AWS_REGION"))
                .hasSize(2)
                .allSatisfy(e ->
                        assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("s3-credentials"));
        assertThat(fetch(ns, "old")).as("kept while its objects are deleted").isNotNull();

        podOf(
                delete,
                JobFixtures.terminated(
                        "old-delete-1",
                        "2026-11-25T04:00:01Z",
                        0,
                        "{\"status\":\"Succeeded\",\"deletedObjects\":2,\"message\":\"deleted 2 objects\"}"));
        jobStatus(delete, JobFixtures.complete("old-delete"));
        await().atMost(TIMEOUT).until(() -> fetch(ns, "old") == null);
        assertThat(events(ns, "old")).extracting(Event::getReason).contains("DeletingObjects", "ObjectsDeleted");
    }

    @Test
    void aFailedDeleteKeepsTheBackupAndSaysWhyAndRetainLetsGoAtOnce() {
        String ns = namespace("refused");
        create(ns, "kept");
        Job job = awaitJob(ns, "kept-backup");
        podOf(job, JobFixtures.terminated("kept-backup-1", "2026-11-25T03:15:01Z", 0, JobFixtures.SUCCESS_MESSAGE));
        jobStatus(job, JobFixtures.complete("kept-backup"));
        awaitPhase(ns, "kept", Phase.Succeeded);

        client.resources(DatabaseBackup.class).inNamespace(ns).withName("kept").delete();
        Job delete = awaitJob(ns, "kept-delete");
        podOf(
                delete,
                JobFixtures.terminated(
                        "kept-delete-1",
                        "2026-11-25T04:00:01Z",
                        4,
                        JobFixtures.failure("StorageAccessDenied", "access denied to bucket team-backups")));
        jobStatus(delete, JobFixtures.failed("kept-delete", 3, "BackoffLimitExceeded", "backoff limit"));
        DatabaseBackup stuck = await().atMost(TIMEOUT)
                .until(
                        () -> fetch(ns, "kept"),
                        b -> b != null
                                && Conditions.find(b.getStatus().getConditions(), DatabaseBackupReconciler.DELETED)
                                        != null);
        var deleted = Conditions.find(stuck.getStatus().getConditions(), DatabaseBackupReconciler.DELETED);
        assertThat(deleted.getStatus()).isEqualTo("False");
        assertThat(deleted.getReason()).isEqualTo("StorageAccessDenied");
        assertThat(deleted.getMessage()).contains("access denied").contains("the resource stays");
        assertThat(stuck.getMetadata().getFinalizers()).isNotEmpty();
        await().atMost(TIMEOUT)
                .untilAsserted(() -> assertThat(events(ns, "kept"))
                        .extracting(Event::getReason)
                        .contains("DeleteFailed"));

        DatabaseBackup retained = Fixtures.backup(
                ns,
                "retained",
                "orders-db",
                5432,
                "shop",
                Fixtures.s3("team-backups", "http://minio:9000", "s3-credentials"));
        retained.getSpec().setDeletionPolicy(DeletionPolicy.Retain);
        client.resource(retained).create();
        awaitJob(ns, "retained-backup");
        await().atMost(TIMEOUT)
                .until(() -> fetch(ns, "retained").getMetadata().getFinalizers() != null
                        && !fetch(ns, "retained").getMetadata().getFinalizers().isEmpty());
        client.resources(DatabaseBackup.class)
                .inNamespace(ns)
                .withName("retained")
                .delete();
        await().atMost(TIMEOUT).until(() -> fetch(ns, "retained") == null);
        assertThat(client.batch()
                        .v1()
                        .jobs()
                        .inNamespace(ns)
                        .withName("retained-delete")
                        .get())
                .isNull();
    }

    @Test
    void podsOfOtherComponentsAreIgnored() {
        // A pod that names this backup's Job and owner but carries another component's labels (a restore's)
        // and cannot start for want of a Secret: were it seen, the backup would read SecretNotFound.
        String ns = namespace("selector");
        create(ns, "nightly");
        Job job = awaitJob(ns, "nightly-backup");
        Pod foreign = new PodBuilder(JobFixtures.waiting(
                        "nightly-backup-foreign",
                        "2026-11-25T03:15:00Z",
                        "CreateContainerConfigError",
                        "secret \"db-credentials\" not found"))
                .editMetadata()
                .withNamespace(ns)
                .withLabels(Labels.forJob("restore", "DatabaseRestore"))
                .addToLabels("job-name", "nightly-backup")
                .withAnnotations(Map.of(Labels.OWNER_NAME_ANNOTATION, "nightly"))
                .endMetadata()
                .build();
        client.resource(foreign).create();
        podOf(job, JobFixtures.running("nightly-backup-1", "2026-11-25T03:15:01Z"));
        DatabaseBackup running = awaitPhase(ns, "nightly", Phase.Running);
        assertThat(Conditions.find(running.getStatus().getConditions(), Conditions.READY)
                        .getReason())
                .isEqualTo("BackupRunning");
        await().during(Duration.ofSeconds(2))
                .atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(
                                Conditions.find(fetch(ns, "nightly").getStatus().getConditions(), Conditions.READY)
                                        .getReason())
                        .isEqualTo("BackupRunning"));

        // and the mapping from a pod to its owner is by annotation
        assertThat(RunnerJobs.ownerOfPod(new PodBuilder()
                        .withNewMetadata()
                        .withNamespace("x")
                        .withName("p")
                        .endMetadata()
                        .build()))
                .isEmpty();
        assertThat(RunnerJobs.ownerOfPod(new PodBuilder()
                        .withNewMetadata()
                        .withNamespace("x")
                        .withName("p")
                        .withAnnotations(Map.of(Labels.OWNER_NAME_ANNOTATION, "nightly"))
                        .endMetadata()
                        .build()))
                .singleElement()
                .satisfies(id -> assertThat(id.getName()).isEqualTo("nightly"));
    }
}
