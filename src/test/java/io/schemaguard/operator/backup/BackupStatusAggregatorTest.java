package io.schemaguard.operator.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.DatabaseBackupStatus;
import io.schemaguard.api.Phase;
import io.schemaguard.operator.EventRecorder;
import io.schemaguard.operator.EventRecorder.Event;
import io.schemaguard.operator.backup.BackupStatusAggregator.Observation;
import io.schemaguard.operator.jobs.Conditions;
import io.schemaguard.operator.jobs.JobState;
import io.schemaguard.operator.kube.Statuses;
import io.schemaguard.testing.Fixtures;
import io.schemaguard.testing.JobFixtures;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class BackupStatusAggregatorTest {
    static final Instant NOW = Instant.parse("2026-11-25T03:20:00Z");
    static final String T1 = "2026-11-25T03:15:01Z";
    static final String T2 = "2026-11-25T03:15:30Z";

    static DatabaseBackup backup(DatabaseBackupStatus status) {
        DatabaseBackup b = Fixtures.backup("shop", "b", "db", 5432, "shop", Fixtures.s3("bk", null, "s3"));
        b.getMetadata().setGeneration(1L);
        b.setStatus(status);
        return b;
    }

    static BackupStatusAggregator.Result aggregate(DatabaseBackupStatus previous, Job job, Pod... pods) {
        return BackupStatusAggregator.aggregate(
                backup(previous),
                Observation.ofJob(new JobState(job, List.of(pods)), "b-backup", "20261125T031500Z-8f14e45f"),
                NOW);
    }

    record Row(
            String name,
            Job job,
            List<Pod> pods,
            Phase phase,
            String readyReason,
            boolean ready,
            boolean progressing,
            List<String> eventReasons) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> table() {
        return Stream.of(
                        new Row("no job yet", null, List.of(), Phase.Pending, "JobPending", false, true, List.of()),
                        new Row(
                                "job waiting for its pod",
                                JobFixtures.active("b-backup"),
                                List.of(),
                                Phase.Pending,
                                "JobPending",
                                false,
                                true,
                                List.of()),
                        new Row(
                                "pod running",
                                JobFixtures.active("b-backup"),
                                List.of(JobFixtures.running("p1", T1)),
                                Phase.Running,
                                "BackupRunning",
                                false,
                                true,
                                List.of("Started")),
                        new Row(
                                "missing secret",
                                JobFixtures.active("b-backup"),
                                List.of(JobFixtures.waiting(
                                        "p1", T1, "CreateContainerConfigError", "secret \"db-credentials\" not found")),
                                Phase.Pending,
                                "SecretNotFound",
                                false,
                                true,
                                List.of("SecretNotFound")),
                        new Row(
                                "image cannot be pulled",
                                JobFixtures.active("b-backup"),
                                List.of(JobFixtures.waiting("p1", T1, "ImagePullBackOff", "back-off pulling image")),
                                Phase.Pending,
                                "ImageUnavailable",
                                false,
                                true,
                                List.of("ImageUnavailable")),
                        new Row(
                                "completed with a verified result",
                                JobFixtures.complete("b-backup"),
                                List.of(JobFixtures.terminated("p1", T1, 0, JobFixtures.SUCCESS_MESSAGE)),
                                Phase.Succeeded,
                                "BackupSucceeded",
                                true,
                                false,
                                List.of("Succeeded")),
                        new Row(
                                "completed without a result is not trusted",
                                JobFixtures.complete("b-backup"),
                                List.of(JobFixtures.terminated("p1", T1, 0, "")),
                                Phase.Failed,
                                "ResultMissing",
                                false,
                                false,
                                List.of("ResultMissing")),
                        new Row(
                                "failed with the runner's reason",
                                JobFixtures.failed(
                                        "b-backup",
                                        3,
                                        "BackoffLimitExceeded",
                                        "Job has reached the specified backoff limit"),
                                List.of(
                                        JobFixtures.terminated(
                                                "p1", T1, 3, JobFixtures.failure("AuthenticationFailed", "bad pw")),
                                        JobFixtures.terminated(
                                                "p2",
                                                T2,
                                                3,
                                                JobFixtures.failure("AuthenticationFailed", "authentication failed"))),
                                Phase.Failed,
                                "AuthenticationFailed",
                                false,
                                false,
                                List.of("BackupAttemptFailed", "AuthenticationFailed")),
                        new Row(
                                "deadline exceeded without a result",
                                JobFixtures.failed(
                                        "b-backup",
                                        0,
                                        "DeadlineExceeded",
                                        "Job was active longer than specified deadline"),
                                List.of(),
                                Phase.Failed,
                                "DeadlineExceeded",
                                false,
                                false,
                                List.of("DeadlineExceeded")),
                        new Row(
                                "crash leaves the log tail",
                                JobFixtures.failed("b-backup", 1, "BackoffLimitExceeded", "limit"),
                                List.of(JobFixtures.terminated("p1", T1, 137, "Killed: out of memory")),
                                Phase.Failed,
                                "BackoffLimitExceeded",
                                false,
                                false,
                                List.of("BackupAttemptFailed", "BackoffLimitExceeded")),
                        new Row(
                                "killed for memory says so",
                                JobFixtures.failed("b-backup", 1, "BackoffLimitExceeded", "limit"),
                                List.of(JobFixtures.oomKilled("p1", T1)),
                                Phase.Failed,
                                "OOMKilled",
                                false,
                                false,
                                List.of("BackupAttemptFailed", "OOMKilled")),
                        new Row(
                                "retrying after a failed attempt",
                                JobFixtures.withFailures(JobFixtures.active("b-backup"), 1),
                                List.of(
                                        JobFixtures.terminated(
                                                "p1", T1, 3, JobFixtures.failure("DatabaseUnreachable", "refused")),
                                        JobFixtures.running("p2", T2)),
                                Phase.Running,
                                "BackupRunning",
                                false,
                                true,
                                List.of("BackupAttemptFailed", "Started")))
                .map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void statusFollowsTheJob(Row row) {
        var result = aggregate(null, row.job(), row.pods().toArray(Pod[]::new));
        DatabaseBackupStatus s = result.status();
        assertThat(s.getPhase()).isEqualTo(row.phase());
        assertThat(s.getObservedGeneration()).isEqualTo(1L);
        var ready = Conditions.find(s.getConditions(), Conditions.READY);
        assertThat(ready.getStatus()).isEqualTo(row.ready() ? "True" : "False");
        assertThat(ready.getReason()).isEqualTo(row.readyReason());
        assertThat(Conditions.find(s.getConditions(), Conditions.RECONCILING).getStatus())
                .isEqualTo(row.progressing() ? "True" : "False");
        assertThat(Conditions.find(s.getConditions(), Conditions.STALLED).getStatus())
                .isEqualTo(row.phase() == Phase.Failed ? "True" : "False");
        assertThat(result.events()).extracting(Event::reason).containsExactlyElementsOf(row.eventReasons());
    }

    @Test
    void successCarriesTheRunnersEvidence() {
        DatabaseBackupStatus s = aggregate(
                        null,
                        JobFixtures.complete("b-backup"),
                        JobFixtures.terminated("p1", T1, 0, JobFixtures.SUCCESS_MESSAGE))
                .status();
        assertThat(s.getSha256()).isEqualTo("ab".repeat(32));
        assertThat(s.getSizeBytes()).isEqualTo(1048576L);
        assertThat(s.getSize()).isEqualTo("1.0 MiB");
        assertThat(s.getLocation()).startsWith("s3://b/");
        assertThat(s.getServerVersion()).isEqualTo("15.18");
        assertThat(s.getPgDumpVersion()).isEqualTo("17.2");
        assertThat(s.getCompletedAt()).isEqualTo("2026-11-25T03:16:40Z");
        assertThat(s.getStartedAt()).isEqualTo("2026-11-25T03:15:02Z");
        assertThat(s.getJobName()).isEqualTo("b-backup");
        assertThat(s.getBackupId()).isEqualTo("20261125T031500Z-8f14e45f");
    }

    @Test
    void failureMessageNamesTheCause() {
        var result = aggregate(
                null,
                JobFixtures.failed("b-backup", 1, "BackoffLimitExceeded", "limit"),
                JobFixtures.terminated(
                        "p1", T1, 4, JobFixtures.failure("BucketNotFound", "bucket 'bk' does not exist")));
        assertThat(Conditions.find(result.status().getConditions(), Conditions.READY)
                        .getMessage())
                .isEqualTo("bucket 'bk' does not exist");
        assertThat(result.events()).last().extracting(Event::type).isEqualTo(EventRecorder.Type.Warning);
    }

    @Test
    void aFailedJobWaitsForItsFailedPodBeforeNamingTheReason() {
        // the Job controller failed the Job at NOW; the pod it counted is not in our cache yet
        Job failed = JobFixtures.failedAt("b-backup", 1, "BackoffLimitExceeded", "limit", NOW);
        DatabaseBackupStatus running = new DatabaseBackupStatus();
        running.setPhase(Phase.Running);
        running.setFailedAttempts(0);
        var observation = Observation.ofJob(
                new JobState(failed, List.of(JobFixtures.running("p1", T1))), "b-backup", "20261125T031500Z-8f14e45f");

        var early = BackupStatusAggregator.aggregate(backup(running), observation, NOW.plusSeconds(1));
        assertThat(early.status().getPhase()).isEqualTo(Phase.Running);
        assertThat(early.status().getFailedAttempts())
                .as("the attempt is counted with its reason")
                .isZero();
        assertThat(Conditions.find(early.status().getConditions(), Conditions.READY)
                        .getReason())
                .isEqualTo("ReadingResult");
        assertThat(early.events()).isEmpty();

        var seen = BackupStatusAggregator.aggregate(
                backup(running),
                Observation.ofJob(
                        new JobState(
                                failed,
                                List.of(JobFixtures.terminated(
                                        "p1", T1, 5, JobFixtures.failure("StorageAccessDenied", "access denied")))),
                        "b-backup",
                        "20261125T031500Z-8f14e45f"),
                NOW.plusSeconds(2));
        assertThat(seen.status().getPhase()).isEqualTo(Phase.Failed);
        assertThat(Conditions.find(seen.status().getConditions(), Conditions.READY)
                        .getReason())
                .isEqualTo("StorageAccessDenied");

        var late = BackupStatusAggregator.aggregate(backup(running), observation, NOW.plus(JobState.FAILED_POD_GRACE));
        assertThat(late.status().getPhase())
                .as("a pod that never shows does not hold the verdict")
                .isEqualTo(Phase.Failed);
        assertThat(Conditions.find(late.status().getConditions(), Conditions.READY)
                        .getReason())
                .isEqualTo("BackoffLimitExceeded");
    }

    @Test
    void creatingTheJobIsTheOnlyStatusWriteUntilItsPodRuns() {
        DatabaseBackup b = backup(null);
        b.getMetadata().setCreationTimestamp("2026-11-25T03:15:00Z");
        b.getMetadata().setUid("8f14e45f-ceea-467f-a0e6-3c5b1a2b3c4d");
        var first =
                BackupStatusAggregator.step(b, null, List.of(), Fixtures.noDefaultStorage(), Fixtures.runner(), NOW);
        assertThat(first.actions()).hasSize(1);
        assertThat(first.status().getPhase()).isEqualTo(Phase.Pending);
        assertThat(first.status().getStartedAt()).isEqualTo(NOW.toString());

        // the Job controller then sets the Job's startTime: the status stays as written
        b.setStatus(first.status());
        var next = BackupStatusAggregator.step(
                b,
                JobFixtures.active(first.status().getJobName()),
                List.of(),
                Fixtures.noDefaultStorage(),
                Fixtures.runner(),
                NOW.plusSeconds(1));
        assertThat(next.actions()).isEmpty();
        assertThat(next.events()).isEmpty();
        assertThat(Statuses.same(first.status(), next.status())).isTrue();

        // and a running pod is the next change
        var running = BackupStatusAggregator.step(
                b,
                JobFixtures.active(first.status().getJobName()),
                List.of(JobFixtures.running("p1", T1)),
                Fixtures.noDefaultStorage(),
                Fixtures.runner(),
                NOW.plusSeconds(2));
        assertThat(running.status().getPhase()).isEqualTo(Phase.Running);
        assertThat(running.status().getStartedAt()).isEqualTo(NOW.toString());
    }

    @Test
    void theStepLooksAgainWhenTheGraceEnds() {
        Job failed = JobFixtures.failedAt("b-backup", 1, "BackoffLimitExceeded", "limit", NOW);
        DatabaseBackup b = backup(null);
        b.getMetadata().setCreationTimestamp("2026-11-25T03:15:00Z");
        b.getMetadata().setUid("8f14e45f-ceea-467f-a0e6-3c5b1a2b3c4d");
        var step = BackupStatusAggregator.step(
                b, failed, List.of(), Fixtures.noDefaultStorage(), Fixtures.runner(), NOW.plusSeconds(4));
        assertThat(step.actions()).as("the Job exists: nothing to create").isEmpty();
        assertThat(step.requeueAfter()).isEqualTo(Duration.ofSeconds(6));
    }

    @Test
    void anOomKilledRunnerNamesItsLimitAndWhatToRaise() {
        var result = aggregate(
                null,
                JobFixtures.failed("b-backup", 1, "BackoffLimitExceeded", "limit"),
                JobFixtures.oomKilled("p1", T1));
        assertThat(Conditions.find(result.status().getConditions(), Conditions.READY)
                        .getMessage())
                .contains("killed for using more memory than its limit of 512Mi")
                .contains("runner.resources.limits.memory");
    }

    @Test
    void finishedBackupsNeverChangeAgain() {
        DatabaseBackupStatus done = aggregate(
                        null,
                        JobFixtures.complete("b-backup"),
                        JobFixtures.terminated("p1", T1, 0, JobFixtures.SUCCESS_MESSAGE))
                .status();
        DatabaseBackup b = backup(done);
        b.getMetadata().setGeneration(2L);
        // the Job is gone (deleted by hand): still Succeeded, nothing to re-run, no new events
        var again = BackupStatusAggregator.aggregate(
                b, Observation.ofJob(new JobState(null, List.of()), "b-backup", "x"), NOW);
        assertThat(again.status().getPhase()).isEqualTo(Phase.Succeeded);
        assertThat(again.status().getSha256()).isEqualTo(done.getSha256());
        assertThat(again.status().getObservedGeneration()).isEqualTo(2L);
        assertThat(again.events()).isEmpty();
    }

    @Test
    void transitionTimesOnlyMoveWhenAConditionFlips() {
        DatabaseBackupStatus running = aggregate(null, JobFixtures.active("b-backup"), JobFixtures.running("p1", T1))
                .status();
        String started =
                Conditions.find(running.getConditions(), Conditions.RECONCILING).getLastTransitionTime();
        var later = BackupStatusAggregator.aggregate(
                backup(running),
                Observation.ofJob(
                        new JobState(JobFixtures.active("b-backup"), List.of(JobFixtures.running("p1", T1))),
                        "b-backup",
                        "x"),
                NOW.plusSeconds(600));
        assertThat(Conditions.find(later.status().getConditions(), Conditions.RECONCILING)
                        .getLastTransitionTime())
                .isEqualTo(started);
        assertThat(later.events()).as("no second Started event").isEmpty();

        var done = BackupStatusAggregator.aggregate(
                backup(later.status()),
                Observation.ofJob(
                        new JobState(
                                JobFixtures.complete("b-backup"),
                                List.of(JobFixtures.terminated("p1", T1, 0, JobFixtures.SUCCESS_MESSAGE))),
                        "b-backup",
                        "x"),
                NOW.plusSeconds(700));
        assertThat(Conditions.find(done.status().getConditions(), Conditions.RECONCILING)
                        .getLastTransitionTime())
                .isEqualTo(NOW.plusSeconds(700).toString());
    }

    @Test
    void missingStorageBlocksWithoutAJobAndWarnsOnce() {
        var first = BackupStatusAggregator.aggregate(
                backup(null), Observation.blocked("StorageNotConfigured", "spec.storage is not set"), NOW);
        assertThat(first.status().getPhase()).isEqualTo(Phase.Pending);
        assertThat(Conditions.find(first.status().getConditions(), Conditions.READY)
                        .getReason())
                .isEqualTo("StorageNotConfigured");
        assertThat(first.events()).extracting(Event::reason).containsExactly("StorageNotConfigured");
        var second = BackupStatusAggregator.aggregate(
                backup(first.status()),
                Observation.blocked("StorageNotConfigured", "spec.storage is not set"),
                NOW.plusSeconds(5));
        assertThat(second.events()).isEmpty();
    }
}
