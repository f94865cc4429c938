package io.schemaguard.operator.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.schemaguard.testing.JobFixtures;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** A failed Job's verdict waits, briefly, for the failed pod the Job controller counted to reach our cache. */
class JobStateTest {
    static final Instant FAILED_AT = Instant.parse("2026-11-25T03:20:00Z");
    static final String T1 = "2026-11-25T03:15:01Z";
    static final String T2 = "2026-11-25T03:17:01Z";

    /** A Job the controller failed at {@code transition} after counting {@code failed} failed pods. */
    static Job failedAt(int failed, String transition) {
        return JobFixtures.failedAt(
                "b-backup",
                failed,
                "BackoffLimitExceeded",
                "limit",
                transition == null ? null : Instant.parse(transition));
    }

    static Pod failedPod(String name, String created) {
        return JobFixtures.terminated(name, created, 3, JobFixtures.failure("StorageAccessDenied", "denied"));
    }

    record Row(String name, Job job, List<Pod> pods, Instant now, Optional<Duration> pending) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> table() {
        String at = FAILED_AT.toString();
        return Stream.of(
                        new Row(
                                "a running Job waits for nothing",
                                JobFixtures.active("b-backup"),
                                List.of(),
                                FAILED_AT,
                                Optional.empty()),
                        new Row(
                                "the failed pod is visible",
                                failedAt(1, at),
                                List.of(failedPod("p1", T1)),
                                FAILED_AT.plusSeconds(1),
                                Optional.empty()),
                        new Row(
                                "the failed pod has not reached the cache",
                                failedAt(1, at),
                                List.of(),
                                FAILED_AT.plusSeconds(2),
                                Optional.of(Duration.ofSeconds(8))),
                        new Row(
                                "the pod still shows as running in the cache",
                                failedAt(1, at),
                                List.of(JobFixtures.running("p1", T1)),
                                FAILED_AT.plusSeconds(3),
                                Optional.of(Duration.ofSeconds(7))),
                        new Row(
                                "the newest of two failed pods is missing",
                                failedAt(2, at),
                                List.of(failedPod("p1", T1)),
                                FAILED_AT,
                                Optional.of(Duration.ofSeconds(10))),
                        new Row(
                                "both failed pods are visible",
                                failedAt(2, at),
                                List.of(failedPod("p1", T1), failedPod("p2", T2)),
                                FAILED_AT,
                                Optional.empty()),
                        new Row(
                                "after the grace the Job's own reason is used",
                                failedAt(1, at),
                                List.of(),
                                FAILED_AT.plusSeconds(10),
                                Optional.empty()),
                        new Row(
                                "an operator clock behind the API server's waits no longer than the grace",
                                failedAt(1, at),
                                List.of(),
                                FAILED_AT.minusSeconds(60),
                                Optional.of(JobState.FAILED_POD_GRACE)),
                        new Row(
                                "a deadline with no failed pod counted waits for nothing",
                                failedAt(0, at),
                                List.of(),
                                FAILED_AT,
                                Optional.empty()),
                        new Row(
                                "no transition time: nothing to wait from",
                                failedAt(1, null),
                                List.of(),
                                FAILED_AT,
                                Optional.empty()))
                .map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void failedPodPending(Row row) {
        JobState state = new JobState(row.job(), row.pods());
        assertThat(state.failedPodPending(row.now())).isEqualTo(row.pending());
        assertThat(state.failureKnown(row.now()))
                .isEqualTo(state.failed() && row.pending().isEmpty());
    }

    @Test
    void theSoonestWaitOfSeveralJobsSkippingAbsentOnes() {
        JobState early = new JobState(failedAt(1, FAILED_AT.toString()), List.of());
        JobState late = new JobState(failedAt(1, FAILED_AT.plusSeconds(5).toString()), List.of());
        JobState settled = new JobState(failedAt(1, FAILED_AT.toString()), List.of(failedPod("p1", T1)));
        Instant now = FAILED_AT.plusSeconds(2);
        assertThat(JobState.soonestPending(now, null, late, settled, early)).contains(Duration.ofSeconds(8));
        assertThat(JobState.soonestPending(now, late)).contains(Duration.ofSeconds(10));
        assertThat(JobState.soonestPending(now, null, settled)).isEmpty();
    }
}
