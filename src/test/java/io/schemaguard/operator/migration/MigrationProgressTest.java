package io.schemaguard.operator.migration;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.DatabaseBackupStatus;
import io.schemaguard.api.DatabaseRestore;
import io.schemaguard.api.DatabaseRestoreStatus;
import io.schemaguard.api.MigrationPhase;
import io.schemaguard.api.MigrationSource;
import io.schemaguard.api.Phase;
import io.schemaguard.api.SafeMigration;
import io.schemaguard.api.SafeMigrationSpec;
import io.schemaguard.contract.FailureReason;
import io.schemaguard.contract.RunnerResult;
import io.schemaguard.operator.EventRecorder.Event;
import io.schemaguard.operator.jobs.Conditions;
import io.schemaguard.operator.jobs.JobState;
import io.schemaguard.operator.migration.MigrationProgress.Create;
import io.schemaguard.operator.migration.MigrationProgress.Observation;
import io.schemaguard.operator.migration.MigrationProgress.Result;
import io.schemaguard.testing.Fixtures;
import io.schemaguard.testing.JobFixtures;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The order of things, step by step and fault by fault: nothing migrates without a fresh backup of this run. */
class MigrationProgressTest {
    static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
    static final String PLAN =
            "{\"status\":\"Succeeded\",\"pending\":[\"2\",\"3\"],\"findings\":[],\"findingsTotal\":0,"
                    + "\"blocking\":0}";

    SafeMigration m = migration();

    static SafeMigration migration() {
        SafeMigration m = new SafeMigration();
        m.setMetadata(new ObjectMetaBuilder()
                .withNamespace("shop")
                .withName("add-ref")
                .withUid("u-1")
                .withGeneration(1L)
                .withCreationTimestamp("2026-11-25T09:59:00Z")
                .build());
        SafeMigrationSpec spec = new SafeMigrationSpec();
        spec.setDatabase(
                Fixtures.backup("shop", "x", "db", 5432, "shop", null).getSpec().getDatabase());
        spec.setMigrations(MigrationSource.ofConfigMaps("migrations"));
        m.setSpec(spec);
        return m;
    }

    Result step(Observation o, Instant now) {
        Result r = MigrationProgress.next(m, o, now);
        m.setStatus(r.status());
        return r;
    }

    static Observation none() {
        return new Observation(null, null, null, null, null, null, false);
    }

    static JobState done(String message) {
        return new JobState(
                JobFixtures.complete("j"), List.of(JobFixtures.terminated("p", "2026-11-25T10:00:01Z", 0, message)));
    }

    static JobState failed(String reason, String message) {
        return new JobState(
                JobFixtures.failed("j", 1, "BackoffLimitExceeded", "limit"),
                List.of(JobFixtures.terminated("p", "2026-11-25T10:00:01Z", 3, JobFixtures.failure(reason, message))));
    }

    static JobState running() {
        return new JobState(JobFixtures.active("j"), List.<Pod>of(JobFixtures.running("p", "2026-11-25T10:00:01Z")));
    }

    static DatabaseBackup backup(Phase phase, String created, String completed) {
        DatabaseBackup b = Fixtures.backup("shop", "add-ref-g1-b1", "db", 5432, "shop", null);
        b.getMetadata().setCreationTimestamp(created);
        DatabaseBackupStatus s = new DatabaseBackupStatus();
        s.setPhase(phase);
        s.setCompletedAt(completed);
        s.setBackupId("20261125T100005Z-abcdef12");
        s.setSha256("ab".repeat(32));
        b.setStatus(s);
        return b;
    }

    static Observation with(JobState plan, DatabaseBackup backup, JobState rehearse, JobState migrate) {
        return new Observation(plan, backup, rehearse, migrate, null, null, false);
    }

    /** Walks a run to the gate: planned, and the backup of this run succeeded at 10:02. */
    void toBackedUp() {
        assertThat(step(none(), T0).create()).isEqualTo(Create.PLAN_JOB);
        assertThat(step(with(done(PLAN), null, null, null), T0.plusSeconds(10)).create())
                .isEqualTo(Create.BACKUP);
    }

    @Test
    void theHappyPathPlansBacksUpRehearsesMigratesAndSucceeds() {
        Result r = step(none(), T0);
        assertThat(r.create()).isEqualTo(Create.PLAN_JOB);
        assertThat(r.status().getPhase()).isEqualTo(MigrationPhase.Planning);

        r = step(with(done(PLAN), null, null, null), T0.plusSeconds(10));
        assertThat(r.create()).isEqualTo(Create.BACKUP);
        assertThat(r.status().getCurrentRun().getPending()).containsExactly("2", "3");
        assertThat(r.status().getCurrentRun().getBackup()).isEqualTo("add-ref-g1-b1");

        DatabaseBackup running = backup(Phase.Running, "2026-11-25T10:00:11Z", null);
        assertThat(step(with(done(PLAN), running, null, null), T0.plusSeconds(30))
                        .create())
                .isEqualTo(Create.NOTHING);

        DatabaseBackup ok = backup(Phase.Succeeded, "2026-11-25T10:00:11Z", "2026-11-25T10:02:00Z");
        r = step(with(done(PLAN), ok, null, null), T0.plusSeconds(125));
        assertThat(r.create()).isEqualTo(Create.REHEARSE_JOB);
        assertThat(Conditions.find(r.status().getConditions(), MigrationProgress.BACKED_UP)
                        .getStatus())
                .isEqualTo("True");

        assertThat(step(with(done(PLAN), ok, running(), null), T0.plusSeconds(130))
                        .create())
                .isEqualTo(Create.NOTHING);
        r = step(
                with(done(PLAN), ok, done("{\"status\":\"Succeeded\",\"message\":\"2 tables, 4000 rows kept\"}"), null),
                T0.plusSeconds(140));
        assertThat(r.create()).isEqualTo(Create.MIGRATE_JOB);
        assertThat(r.status().getCurrentRun().getRehearsal()).isEqualTo("Passed");

        r = step(
                with(
                        done(PLAN),
                        ok,
                        done("{\"status\":\"Succeeded\"}"),
                        done("{\"status\":\"Succeeded\",\"applied\":[\"2\","
                                + "\"3\"],\"schemaChanges\":[\"orders: +customer_reference text\"],\"problems\":[]}")),
                T0.plusSeconds(150));
        assertThat(r.status().getPhase()).isEqualTo(MigrationPhase.Succeeded);
        assertThat(r.status().getCurrentRun().getAppliedCount()).isEqualTo(2);
        assertThat(r.status().getCurrentRun().getSchemaChanges()).containsExactly("orders: +customer_reference text");
        assertThat(Conditions.find(r.status().getConditions(), Conditions.READY).getStatus())
                .isEqualTo("True");
        assertThat(Conditions.find(r.status().getConditions(), Conditions.STALLED)
                        .getStatus())
                .isEqualTo("False");
        assertThat(r.events()).extracting(Event::reason).contains("Migrated");

        // a GitOps sync re-applies the same manifest: nothing happens
        assertThat(step(with(done(PLAN), ok, done("{}"), done("{}")), T0.plusSeconds(3600))
                        .create())
                .isEqualTo(Create.NOTHING);
        assertThat(m.getStatus().getPhase()).isEqualTo(MigrationPhase.Succeeded);
    }

    @Test
    void destructiveFindingsBlockBeforeAnyBackup() {
        step(none(), T0);
        Result r = step(
                with(
                        done("{\"status\":\"Succeeded\",\"pending\":[\"2\"],\"findings\":[{\"file\":\"V2__x.sql\","
                                + "\"line\":3,\"rule\":\"drop-table\",\"destructive\":true,\"approved\":false}],\"findingsTotal\":1,"
                                + "\"blocking\":1}"),
                        null,
                        null,
                        null),
                T0.plusSeconds(5));
        assertThat(r.create()).isEqualTo(Create.NOTHING);
        assertThat(r.status().getPhase()).isEqualTo(MigrationPhase.Blocked);
        assertThat(r.status().getCurrentRun().getFindings())
                .singleElement()
                .satisfies(f -> assertThat(f.getRule()).isEqualTo("drop-table"));
        assertThat(Conditions.find(r.status().getConditions(), Conditions.STALLED)
                        .getStatus())
                .isEqualTo("True");
        assertThat(Conditions.find(r.status().getConditions(), Conditions.STALLED)
                        .getReason())
                .isEqualTo("DestructiveChanges");
        assertThat(Conditions.find(r.status().getConditions(), MigrationProgress.BLOCKED))
                .satisfies(c -> assertThat(c.getStatus()).isEqualTo("True"))
                .satisfies(c -> assertThat(c.getReason()).isEqualTo("DestructiveChanges"));

        // the statement approved in a new generation: the Blocked condition clears as the new run starts
        m.getMetadata().setGeneration(2L);
        Result again = step(none(), T0.plusSeconds(60));
        assertThat(again.create()).isEqualTo(Create.PLAN_JOB);
        assertThat(Conditions.find(again.status().getConditions(), MigrationProgress.BLOCKED))
                .satisfies(c -> assertThat(c.getStatus()).isEqualTo("False"))
                .satisfies(c -> assertThat(c.getObservedGeneration()).isEqualTo(2L));
    }

    @Test
    void nothingPendingIsUpToDateWithoutABackup() {
        step(none(), T0);
        Result r = step(
                with(done("{\"status\":\"Succeeded\",\"pending\":[],\"blocking\":0}"), null, null, null),
                T0.plusSeconds(5));
        assertThat(r.status().getPhase()).isEqualTo(MigrationPhase.Succeeded);
        assertThat(r.create()).isEqualTo(Create.NOTHING);
        assertThat(r.status().getCurrentRun().getBackup()).isNull();
    }

    @Test
    void aFailedBackupClosesTheGate() {
        toBackedUp();
        Result r = step(
                with(done(PLAN), backup(Phase.Failed, "2026-11-25T10:00:11Z", null), null, null), T0.plusSeconds(60));
        assertThat(r.status().getPhase()).isEqualTo(MigrationPhase.Failed);
        assertThat(r.create()).isEqualTo(Create.NOTHING);
        assertThat(Conditions.find(r.status().getConditions(), Conditions.READY).getReason())
                .isEqualTo("BackupFailed");
    }

    @Test
    void aBackupThatWentStaleIsReplacedByAFreshOneAndThreeStaleOnesFail() {
        toBackedUp();
        DatabaseBackup old = backup(Phase.Succeeded, "2026-11-25T10:00:11Z", "2026-11-25T10:02:00Z");
        Result r = step(with(done(PLAN), old, null, null), T0.plusSeconds(20 * 60)); // 18 min after completion
        assertThat(r.create()).isEqualTo(Create.BACKUP);
        assertThat(r.attempt()).isEqualTo(2);
        assertThat(r.status().getCurrentRun().getBackup()).isEqualTo("add-ref-g1-b2");
        assertThat(r.status().getPhase()).isEqualTo(MigrationPhase.BackingUp);

        DatabaseBackup second = backup(Phase.Succeeded, "2026-11-25T10:20:01Z", "2026-11-25T10:21:00Z");
        r = step(with(done(PLAN), second, null, null), T0.plusSeconds(60 * 60));
        assertThat(r.attempt()).isEqualTo(3);
        DatabaseBackup third = backup(Phase.Succeeded, "2026-11-25T11:00:01Z", "2026-11-25T11:01:00Z");
        r = step(with(done(PLAN), third, null, null), T0.plusSeconds(2 * 3600));
        assertThat(r.status().getPhase()).isEqualTo(MigrationPhase.Failed);
        assertThat(Conditions.find(r.status().getConditions(), Conditions.READY).getReason())
                .isEqualTo("BackupStale");
    }

    @Test
    void aBackupOlderThanTheRunDoesNotCount() {
        toBackedUp();
        Result r = step(
                with(done(PLAN), backup(Phase.Succeeded, "2026-11-25T09:59:30Z", "2026-11-25T10:00:30Z"), null, null),
                T0.plusSeconds(60));
        assertThat(r.create()).isEqualTo(Create.BACKUP);
        assertThat(r.attempt()).isEqualTo(2);
    }

    @Test
    void aFailedRehearsalStopsBeforeTheDatabaseIsTouched() {
        toBackedUp();
        DatabaseBackup ok = backup(Phase.Succeeded, "2026-11-25T10:00:11Z", "2026-11-25T10:02:00Z");
        step(with(done(PLAN), ok, null, null), T0.plusSeconds(125));
        Result r = step(
                with(done(PLAN), ok, failed("VerificationFailed", "orders: 2000 of 3000 rows lost (1000 left)"), null),
                T0.plusSeconds(140));
        assertThat(r.status().getPhase()).isEqualTo(MigrationPhase.Failed);
        assertThat(r.create()).isEqualTo(Create.NOTHING);
        assertThat(r.status().getCurrentRun().getRehearsal()).isEqualTo("Failed");
        assertThat(r.status().getCurrentRun().getRehearsalMessage()).contains("2000 of 3000 rows lost");
        assertThat(r.status().getCurrentRun().getRestoreManifest())
                .as("nothing to restore")
                .isNull();
    }

    @Test
    void migrationsOfOneDatabaseWaitForEachOther() {
        toBackedUp();
        m.getSpec().setRehearsal(false);
        DatabaseBackup ok = backup(Phase.Succeeded, "2026-11-25T10:00:11Z", "2026-11-25T10:02:00Z");
        Result r = step(new Observation(done(PLAN), ok, null, null, null, null, true), T0.plusSeconds(125));
        assertThat(r.status().getPhase()).isEqualTo(MigrationPhase.WaitingForDatabase);
        assertThat(r.create()).isEqualTo(Create.NOTHING);
        r = step(new Observation(done(PLAN), ok, null, null, null, null, false), T0.plusSeconds(130));
        assertThat(r.create()).isEqualTo(Create.MIGRATE_JOB);
    }

    @Test
    void aMigrationFailingHalfWayHaltsWithTheRestoreToApply() {
        toBackedUp();
        m.getSpec().setRehearsal(false);
        DatabaseBackup ok = backup(Phase.Succeeded, "2026-11-25T10:00:11Z", "2026-11-25T10:02:00Z");
        step(with(done(PLAN), ok, null, null), T0.plusSeconds(125));
        Result r = step(
                with(done(PLAN), ok, null, failed("MigrationFailed", "V3__bad.sql: syntax error")),
                T0.plusSeconds(140));
        assertThat(r.status().getPhase()).isEqualTo(MigrationPhase.Failed);
        assertThat(r.create()).isEqualTo(Create.NOTHING);
        assertThat(r.status().getCurrentRun().getRestoreManifest())
                .contains("kind: \"DatabaseRestore\"")
                .contains("backupName: \"add-ref-g1-b1\"")
                .contains("mode: \"Replace\"")
                .contains("confirm: \"shop\"");
    }

    /**
     * The migrate Job is Failed before its pod reaches the cache: read then, the reason would be the
     * Job's (BackoffLimitExceeded, "maybe changed") and onFailure: Restore would put the backup over a
     * database the runner never touched (a lock it could not take).
     */
    @Test
    void aFailedMigrateJobWaitsForItsPodBeforeDecidingToRestore() {
        toBackedUp();
        m.getSpec().setRehearsal(false);
        m.getSpec().setOnFailure(SafeMigrationSpec.OnFailure.Restore);
        DatabaseBackup ok = backup(Phase.Succeeded, "2026-11-25T10:00:11Z", "2026-11-25T10:02:00Z");
        step(with(done(PLAN), ok, null, null), T0.plusSeconds(125));
        Instant failedAt = T0.plusSeconds(140);
        var job = JobFixtures.failedAt("j", 1, "BackoffLimitExceeded", "limit", failedAt);
        JobState notYetSeen = new JobState(job, List.<Pod>of(JobFixtures.running("p", "2026-11-25T10:02:06Z")));

        Observation early = with(done(PLAN), ok, null, notYetSeen);
        Result r = step(early, failedAt.plusSeconds(1));
        assertThat(r.status().getPhase()).isEqualTo(MigrationPhase.Migrating);
        assertThat(r.create()).isEqualTo(Create.NOTHING);
        assertThat(early.failedPodPending(failedAt.plusSeconds(1))).contains(java.time.Duration.ofSeconds(9));

        JobState seen = new JobState(
                job,
                List.of(JobFixtures.terminated(
                        "p",
                        "2026-11-25T10:02:06Z",
                        6,
                        JobFixtures.failure("DatabaseBusy", "another migration holds the advisory lock"))));
        r = step(with(done(PLAN), ok, null, seen), failedAt.plusSeconds(2));
        assertThat(r.status().getPhase()).isEqualTo(MigrationPhase.Failed);
        assertThat(r.create())
                .as("the database was never touched: nothing to restore")
                .isEqualTo(Create.NOTHING);
        assertThat(r.status().getCurrentRun().getMessage()).contains("the database is unchanged");
    }

    @Test
    void aMigrationFailingHalfWayRestoresWhenAsked() {
        toBackedUp();
        m.getSpec().setRehearsal(false);
        m.getSpec().setOnFailure(SafeMigrationSpec.OnFailure.Restore);
        DatabaseBackup ok = backup(Phase.Succeeded, "2026-11-25T10:00:11Z", "2026-11-25T10:02:00Z");
        step(with(done(PLAN), ok, null, null), T0.plusSeconds(125));
        Result r = step(
                with(done(PLAN), ok, null, failed("VerificationFailed", "orders: 10 rows lost")), T0.plusSeconds(140));
        assertThat(r.status().getPhase()).isEqualTo(MigrationPhase.Restoring);
        assertThat(r.create()).isEqualTo(Create.RESTORE);
        assertThat(r.status().getCurrentRun().getRestore()).isEqualTo("add-ref-g1-restore");

        DatabaseRestore restore = new DatabaseRestore();
        restore.setStatus(new DatabaseRestoreStatus());
        restore.getStatus().setPhase(Phase.Succeeded);
        restore.getStatus().setRestoredRows(3000L);
        r = step(
                new Observation(done(PLAN), ok, null, failed("VerificationFailed", "x"), null, restore, false),
                T0.plusSeconds(200));
        assertThat(r.status().getPhase()).isEqualTo(MigrationPhase.Restored);
        assertThat(Conditions.find(r.status().getConditions(), Conditions.STALLED)
                        .getStatus())
                .isEqualTo("True");
    }

    @Test
    void aFailedMigrationThatChangedNothingIsNotRestored() {
        toBackedUp();
        m.getSpec().setRehearsal(false);
        m.getSpec().setOnFailure(SafeMigrationSpec.OnFailure.Restore);
        DatabaseBackup ok = backup(Phase.Succeeded, "2026-11-25T10:00:11Z", "2026-11-25T10:02:00Z");
        step(with(done(PLAN), ok, null, null), T0.plusSeconds(125));
        String unchanged = RunnerResult.failed(
                        FailureReason.MigrationFailed,
                        "V2__x.sql failed: could not get a lock within lock_timeout 5000ms")
                .databaseChanged(false)
                .toJson();
        JobState lockTimeout = new JobState(
                JobFixtures.failed("j", 1, "BackoffLimitExceeded", "limit"),
                List.of(JobFixtures.terminated("p", "2026-11-25T10:00:01Z", 3, unchanged)));
        Result r = step(with(done(PLAN), ok, null, lockTimeout), T0.plusSeconds(140));
        assertThat(r.status().getPhase()).isEqualTo(MigrationPhase.Failed);
        assertThat(r.create())
                .as("a restore would undo nothing and discard newer rows")
                .isEqualTo(Create.NOTHING);
        assertThat(r.status().getCurrentRun().getMessage())
                .contains("changed nothing")
                .contains("the database was not restored");
    }

    @Test
    void failuresBeforeTheFirstStatementLeaveTheDatabaseAloneAndAStaleBackupIsRetaken() {
        toBackedUp();
        m.getSpec().setRehearsal(false);
        m.getSpec().setOnFailure(SafeMigrationSpec.OnFailure.Restore);
        DatabaseBackup ok = backup(Phase.Succeeded, "2026-11-25T10:00:11Z", "2026-11-25T10:02:00Z");
        step(with(done(PLAN), ok, null, null), T0.plusSeconds(125));
        Result stale = step(
                with(done(PLAN), ok, null, failed("BackupStale", "backup is 20 minutes old")), T0.plusSeconds(20 * 60));
        assertThat(stale.create()).isEqualTo(Create.BACKUP);
        assertThat(stale.attempt()).isEqualTo(2);

        SafeMigration other = migration();
        m = other;
        toBackedUp();
        m.getSpec().setRehearsal(false);
        m.getSpec().setOnFailure(SafeMigrationSpec.OnFailure.Restore);
        step(with(done(PLAN), ok, null, null), T0.plusSeconds(125));
        Result unreachable = step(
                with(done(PLAN), ok, null, failed("DatabaseUnreachable", "connection refused")), T0.plusSeconds(140));
        assertThat(unreachable.status().getPhase()).isEqualTo(MigrationPhase.Failed);
        assertThat(unreachable.create()).as("nothing changed: no restore").isEqualTo(Create.NOTHING);
        assertThat(unreachable.status().getCurrentRun().getMessage()).contains("did not start");
    }

    @Test
    void anOperatorRestartedBetweenStepsPicksUpFromStatusAndChildren() {
        toBackedUp();
        DatabaseBackup ok = backup(Phase.Succeeded, "2026-11-25T10:00:11Z", "2026-11-25T10:02:00Z");
        step(with(done(PLAN), ok, null, null), T0.plusSeconds(125)); // Rehearsing, REHEARSE_JOB asked
        // the operator died before creating the Job: the next reconciliation asks again (created once by name)
        assertThat(step(with(done(PLAN), ok, null, null), T0.plusSeconds(300)).create())
                .isEqualTo(Create.REHEARSE_JOB);
        // it died after: the running Job is found and waited for, no second one
        assertThat(step(with(done(PLAN), ok, running(), null), T0.plusSeconds(310))
                        .create())
                .isEqualTo(Create.NOTHING);
    }

    @Test
    void aNewGenerationIsANewRunAndTheOldOneGoesToHistory() {
        step(none(), T0);
        step(
                with(done("{\"status\":\"Succeeded\",\"pending\":[],\"blocking\":0}"), null, null, null),
                T0.plusSeconds(5));
        m.getMetadata().setGeneration(2L);
        Result r = step(none(), T0.plusSeconds(600));
        assertThat(r.create()).isEqualTo(Create.PLAN_JOB);
        assertThat(r.status().getCurrentRun().getGeneration()).isEqualTo(2L);
        assertThat(r.status().getHistory()).singleElement().satisfies(h -> {
            assertThat(h.getGeneration()).isEqualTo(1L);
            assertThat(h.getPhase()).isEqualTo(MigrationPhase.Succeeded);
        });
        assertThat(r.status().getObservedGeneration()).isEqualTo(2L);
    }

    @Test
    void aSpecChangedMidRunNeedsABackupTakenAfterTheNewRunStarted() {
        toBackedUp();
        DatabaseBackup ok = backup(Phase.Succeeded, "2026-11-25T10:00:11Z", "2026-11-25T10:02:00Z");
        step(with(done(PLAN), ok, null, null), T0.plusSeconds(125));
        m.getMetadata().setGeneration(2L);
        step(none(), T0.plusSeconds(130)); // generation 2 starts at 10:02:10
        step(with(done(PLAN), null, null, null), T0.plusSeconds(140));
        // generation 1's backup (created 10:00:11) is older than run 2: it is never good enough
        Result r = step(with(done(PLAN), ok, null, null), T0.plusSeconds(150));
        assertThat(r.create()).isEqualTo(Create.BACKUP);
        assertThat(r.status().getCurrentRun().getBackup()).isEqualTo("add-ref-g2-b2");
        assertThat(r.status().getPhase()).isEqualTo(MigrationPhase.BackingUp);
    }
}
