package io.schemaguard.operator.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.DatabaseBackupStatus;
import io.schemaguard.api.DeletionPolicy;
import io.schemaguard.operator.EventRecorder.Event;
import io.schemaguard.operator.jobs.Conditions;
import io.schemaguard.operator.kube.Action;
import io.schemaguard.testing.Fixtures;
import io.schemaguard.testing.JobFixtures;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What deleting a backup does next, for each state of its backup Job and its delete Job. */
class BackupCleanupTest {
    static final String CREATED = "2026-11-25T03:15:00Z";

    static DatabaseBackup backup(DeletionPolicy policy, String deleted) {
        DatabaseBackup b = Fixtures.backup(
                "shop",
                "nightly",
                "db",
                5432,
                "shop",
                policy == null ? null : Fixtures.s3("team-backups", null, "s3-credentials"));
        b.getMetadata().setUid("8f14e45f-0000-0000-0000-000000000000");
        b.getMetadata().setCreationTimestamp(CREATED);
        b.getMetadata().setGeneration(1L);
        b.getSpec().setDeletionPolicy(policy == null ? DeletionPolicy.Delete : policy);
        if (!deleted.equals("none")) {
            DatabaseBackupStatus s = new DatabaseBackupStatus();
            s.setConditions(Conditions.set(null, BackupCleanup.DELETED, deleted.equals("True"), "R", "m", 1, CREATED));
            b.setStatus(s);
        }
        return b;
    }

    static Job job(String state, String name) {
        return switch (state) {
            case "none" -> null;
            case "running" -> JobFixtures.active(name);
            case "stopping" ->
                new JobBuilder(JobFixtures.active(name))
                        .editMetadata()
                        .withDeletionTimestamp(CREATED)
                        .endMetadata()
                        .build();
            case "complete" -> JobFixtures.complete(name);
            case "failed" -> JobFixtures.failed(name, 1, "BackoffLimitExceeded", "no");
            default -> throw new IllegalArgumentException(state);
        };
    }

    static String describe(Action a) {
        if (a instanceof Action.Create c) {
            return "create " + c.resource().getMetadata().getName();
        }
        Action.Delete d = (Action.Delete) a;
        return "delete " + d.name() + (d.propagation() == DeletionPropagation.FOREGROUND ? " (foreground)" : "");
    }

    @ParameterizedTest(name = "{0} storage, backup Job {1} (pod {2}), delete Job {3}, Deleted={4}: {5} {6} [{7}] [{8}]")
    @CsvSource(
            delimiter = '|',
            nullValues = "null",
            value = {
                // policy | backup job | pod     | delete job | Deleted | finalizer | recheck | actions
                //         | events
                "Retain   | running    | none    | none       | none    | remove    | null    | ''                               | ObjectsRetained",
                // no storage at all (policy column null: the spec names none and the operator has no default)
                "null     | none       | none    | none       | none    | remove    | null    | ''                               | ''",
                "Delete   | running    | Running | none       | none    | keep      | PT2S    | delete nightly-backup            | BackupStopped",
                "Delete   | stopping   | Running | none       | none    | keep      | PT2S    | ''                               | ''",
                "Delete   | failed     | Running | none       | none    | keep      | PT2S    | ''                               | ''",
                "Delete   | complete   | Succeeded | none     | none    | keep      | null    | create nightly-delete            | ''",
                "Delete   | none       | none    | running    | none    | keep      | null    | ''                               | ''",
                "Delete   | none       | none    | complete   | none    | keep      | PT2S    | delete nightly-delete (foreground) | ObjectsDeleted",
                // the condition landed; the delete Job is going: only wait for it
                "Delete   | none       | none    | complete   | True    | keep      | PT2S    | delete nightly-delete (foreground) | ''",
                "Delete   | none       | none    | none       | True    | remove    | null    | ''                               | ''",
                "Delete   | none       | none    | failed     | none    | keep      | null    | ''                               | DeleteFailed",
            })
    void theObjectsGoBeforeTheResource(
            DeletionPolicy policy,
            String backupJob,
            String pod,
            String deleteJob,
            String deleted,
            String finalizer,
            String recheck,
            String actions,
            String events) {
        DatabaseBackup b = backup(policy, deleted);
        if (policy == null) {
            b.getSpec().setStorage(null);
        }
        List<Pod> pods = pod.equals("none")
                ? List.of()
                : List.of(
                        pod.equals("Running")
                                ? JobFixtures.running("p", CREATED)
                                : JobFixtures.terminated("p", CREATED, 0, JobFixtures.SUCCESS_MESSAGE));
        var d = BackupCleanup.decide(
                b,
                job(backupJob, "nightly-backup"),
                pods,
                job(deleteJob, "nightly-delete"),
                List.of(),
                Fixtures.noDefaultStorage(),
                Fixtures.runner());
        assertThat(d.removeFinalizer()).isEqualTo(finalizer.equals("remove"));
        assertThat(d.recheckAfter() == null ? null : d.recheckAfter().toString())
                .isEqualTo(recheck);
        assertThat(d.actions().stream().map(BackupCleanupTest::describe).toList())
                .isEqualTo(actions.isEmpty() ? List.of() : List.of(actions));
        assertThat(d.events().stream().map(Event::reason).toList())
                .isEqualTo(events.isEmpty() ? List.of() : List.of(events));
        if (events.equals("ObjectsDeleted") || events.equals("DeleteFailed")) {
            assertThat(d.deleted()).as("the Deleted condition is written").isNotNull();
            assertThat(d.deleted().done()).isEqualTo(events.equals("ObjectsDeleted"));
        } else {
            assertThat(d.deleted()).isNull();
        }
    }

    @Test
    void aFailedDeleteIsReportedOnce() {
        DatabaseBackup b = backup(DeletionPolicy.Delete, "none");
        Job failed = job("failed", "nightly-delete");
        var first = BackupCleanup.decide(
                b, null, List.of(), failed, List.of(), Fixtures.noDefaultStorage(), Fixtures.runner());
        DatabaseBackupStatus s = new DatabaseBackupStatus();
        s.setConditions(Conditions.set(
                null,
                BackupCleanup.DELETED,
                false,
                first.deleted().reason(),
                first.deleted().message(),
                1,
                CREATED));
        b.setStatus(s);
        var again = BackupCleanup.decide(
                b, null, List.of(), failed, List.of(), Fixtures.noDefaultStorage(), Fixtures.runner());
        assertThat(again.deleted()).isNull();
        assertThat(again.events()).isEmpty();
        assertThat(again.removeFinalizer()).isFalse();
    }
}
