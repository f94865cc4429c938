package io.schemaguard.operator.restore;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.schemaguard.api.DatabaseRestore;
import io.schemaguard.api.DatabaseRestoreStatus;
import io.schemaguard.api.Phase;
import io.schemaguard.operator.EventRecorder.Event;
import io.schemaguard.operator.jobs.Conditions;
import io.schemaguard.operator.jobs.JobState;
import io.schemaguard.operator.restore.RestoreStatusAggregator.Observation;
import io.schemaguard.testing.Fixtures;
import io.schemaguard.testing.JobFixtures;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RestoreStatusAggregatorTest {
    static final Instant NOW = Instant.parse("2026-11-25T04:00:00Z");
    static final String T1 = "2026-11-25T03:59:00Z";
    static final String RESTORED =
            "{\"status\":\"Succeeded\",\"backupId\":\"20261125T031500Z-8f14e45f\",\"database\":\"shop\","
                    + "\"location\":\"s3://b/shop/shop/x/dump.pgdump.zst\",\"restoredTables\":4,\"restoredRows\":257001,"
                    + "\"rowCheck\":\"exact\",\"durationSeconds\":12.5}";

    static DatabaseRestore restore(DatabaseRestoreStatus status) {
        DatabaseRestore r = Fixtures.restoreFromBackup("shop", "r", "nightly", "db", 5432, "shop");
        r.getMetadata().setGeneration(1L);
        r.setStatus(status);
        return r;
    }

    static RestoreStatusAggregator.Result job(DatabaseRestoreStatus previous, Job job, Pod... pods) {
        return RestoreStatusAggregator.aggregate(
                restore(previous),
                Observation.ofJob(new JobState(job, List.of(pods)), "r-restore", "20261125T031500Z-8f14e45f", null),
                NOW);
    }

    static String ready(DatabaseRestoreStatus s) {
        return Conditions.find(s.getConditions(), Conditions.READY).getReason();
    }

    @Test
    void waitingForTheSourceOrTheSafetyBackupIsPendingAndSaidOnce() {
        var first = RestoreStatusAggregator.aggregate(
                restore(null), Observation.waiting("WaitingForSource", "DatabaseBackup nightly is running", null), NOW);
        assertThat(first.status().getPhase()).isEqualTo(Phase.Pending);
        assertThat(ready(first.status())).isEqualTo("WaitingForSource");
        assertThat(first.events()).extracting(Event::reason).containsExactly("WaitingForSource");
        var again = RestoreStatusAggregator.aggregate(
                restore(first.status()),
                Observation.waiting("WaitingForSource", "DatabaseBackup nightly is running", null),
                NOW);
        assertThat(again.events()).isEmpty();
        var safety = RestoreStatusAggregator.aggregate(
                restore(again.status()), Observation.waiting("TakingSafetyBackup", "backing up", "r-safety"), NOW);
        assertThat(safety.status().getSafetyBackup()).isEqualTo("r-safety");
        assertThat(ready(safety.status())).isEqualTo("TakingSafetyBackup");
    }

    @Test
    void aFailedSafetyBackupFailsTheRestoreWithoutAJob() {
        var r = RestoreStatusAggregator.aggregate(
                restore(null), Observation.failed("SafetyBackupFailed", "the safety backup failed", "r-safety"), NOW);
        assertThat(r.status().getPhase()).isEqualTo(Phase.Failed);
        assertThat(r.status().getJobName()).isNull();
        assertThat(ready(r.status())).isEqualTo("SafetyBackupFailed");
    }

    @Test
    void successCarriesRowsAndTheCheck() {
        var r = job(null, JobFixtures.complete("r-restore"), JobFixtures.terminated("p", T1, 0, RESTORED));
        DatabaseRestoreStatus s = r.status();
        assertThat(s.getPhase()).isEqualTo(Phase.Succeeded);
        assertThat(s.getRestoredTables()).isEqualTo(4);
        assertThat(s.getRestoredRows()).isEqualTo(257001L);
        assertThat(s.getRowCheck()).isEqualTo("exact");
        assertThat(s.getBackupId()).isEqualTo("20261125T031500Z-8f14e45f");
        assertThat(ready(s)).isEqualTo("RestoreSucceeded");
        assertThat(r.events()).extracting(Event::reason).containsExactly("Succeeded");
    }

    @Test
    void aFailedJobWaitsForItsPodsReasonThenUsesTheJobsAfterTheGrace() {
        Job failed = JobFixtures.failedAt("r-restore", 1, "BackoffLimitExceeded", "limit", NOW.minusSeconds(3));
        var early = job(null, failed, JobFixtures.running("p", T1));
        assertThat(early.status().getPhase()).isNotEqualTo(Phase.Failed);
        assertThat(ready(early.status())).isEqualTo("ReadingResult");
        assertThat(early.events()).isEmpty();

        var late = RestoreStatusAggregator.aggregate(
                restore(null),
                Observation.ofJob(new JobState(failed, List.of()), "r-restore", "20261125T031500Z-8f14e45f", null),
                NOW.plusSeconds(7));
        assertThat(late.status().getPhase()).isEqualTo(Phase.Failed);
        assertThat(ready(late.status())).isEqualTo("BackoffLimitExceeded");
    }

    @Test
    void failureCarriesTheRunnersReason() {
        var r = job(
                null,
                JobFixtures.failed("r-restore", 1, "BackoffLimitExceeded", "limit"),
                JobFixtures.terminated(
                        "p", T1, 2, JobFixtures.failure("TargetNotEmpty", "database shop already has 3")));
        assertThat(r.status().getPhase()).isEqualTo(Phase.Failed);
        assertThat(ready(r.status())).isEqualTo("TargetNotEmpty");
        assertThat(r.events()).extracting(Event::reason).containsExactly("RestoreAttemptFailed", "TargetNotEmpty");
    }

    static Stream<Arguments> kstatus() {
        Observation running = Observation.ofJob(
                new JobState(JobFixtures.active("r-restore"), List.of(JobFixtures.running("p", T1))),
                "r-restore",
                "20261125T031500Z-8f14e45f",
                null);
        Observation done = Observation.ofJob(
                new JobState(JobFixtures.complete("r-restore"), List.of(JobFixtures.terminated("p", T1, 0, RESTORED))),
                "r-restore",
                "20261125T031500Z-8f14e45f",
                null);
        return Stream.of(
                Arguments.of(
                        "waiting for its source",
                        Observation.waiting("WaitingForSource", "running", null),
                        Phase.Pending,
                        Conditions.RECONCILING),
                Arguments.of(
                        "no storage configured",
                        Observation.stalled("StorageNotConfigured", "no storage", null),
                        Phase.Pending,
                        Conditions.STALLED),
                Arguments.of(
                        "its safety backup failed",
                        Observation.failed("SafetyBackupFailed", "failed", "r-safety"),
                        Phase.Failed,
                        Conditions.STALLED),
                Arguments.of("its Job runs", running, Phase.Running, Conditions.RECONCILING),
                Arguments.of("its Job succeeded", done, Phase.Succeeded, Conditions.READY));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kstatus")
    void exactlyOneKstatusConditionIsTrue(String when, Observation o, Phase phase, String trueOne) {
        DatabaseRestoreStatus s =
                RestoreStatusAggregator.aggregate(restore(null), o, NOW).status();
        assertThat(s.getPhase()).isEqualTo(phase);
        assertThat(List.of(Conditions.READY, Conditions.RECONCILING, Conditions.STALLED))
                .allSatisfy(type -> assertThat(
                                Conditions.find(s.getConditions(), type).getStatus())
                        .as(type)
                        .isEqualTo(type.equals(trueOne) ? "True" : "False"));
    }

    @Test
    void aFinishedRestoreNeverChanges() {
        DatabaseRestoreStatus done = job(
                        null, JobFixtures.complete("r-restore"), JobFixtures.terminated("p", T1, 0, RESTORED))
                .status();
        DatabaseRestore r = restore(done);
        r.getMetadata().setGeneration(3L);
        var again = RestoreStatusAggregator.aggregate(r, Observation.waiting("SourceNotFound", "gone", null), NOW);
        assertThat(again.status().getPhase()).isEqualTo(Phase.Succeeded);
        assertThat(again.status().getObservedGeneration()).isEqualTo(3L);
        assertThat(again.events()).isEmpty();
    }
}
