package io.schemaguard.operator.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.schemaguard.api.BackupScheduleStatus.OrphanStatus;
import io.schemaguard.operator.jobs.JobState;
import io.schemaguard.testing.JobFixtures;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class OrphanScansTest {
    static final Instant CREATED = Instant.parse("2026-11-01T10:00:00Z");
    static final Duration DAY = Duration.ofHours(24);

    static JobState scan(Job status, String created, String podMessage, int exitCode) {
        Job job = new JobBuilder(status)
                .editMetadata()
                .withName("nightly-orphans-x")
                .withCreationTimestamp(created)
                .endMetadata()
                .build();
        if (podMessage == null) {
            return new JobState(job, List.of());
        }
        var pod = JobFixtures.terminated("nightly-orphans-x-1", created, exitCode, podMessage);
        pod.getMetadata().getLabels().put("job-name", "nightly-orphans-x");
        return new JobState(job, List.of(pod));
    }

    @Test
    void theFirstScanIsOneIntervalAfterCreationAndThenEveryInterval() {
        var early = OrphanScans.next("nightly", null, DAY, null, CREATED, CREATED.plus(Duration.ofHours(23)));
        assertThat(early.start()).isFalse();
        assertThat(early.wakeAt()).isEqualTo(CREATED.plus(DAY));

        var due = OrphanScans.next("nightly", null, DAY, null, CREATED, CREATED.plus(DAY));
        assertThat(due.start()).isTrue();
        assertThat(due.jobName()).isEqualTo("nightly-orphans-20261102-1000");
        assertThat(due.status().getJobName()).isEqualTo(due.jobName());

        // same minute, Job not in the informer yet: no second one
        var again = OrphanScans.next(
                "nightly", due.status(), DAY, null, CREATED, CREATED.plus(DAY).plusSeconds(5));
        assertThat(again.start()).isFalse();
    }

    @Test
    void aScanThatFindsOrphansIsRecordedOnceWithAnEventAndTheNextIsADayLater() {
        OrphanStatus s = new OrphanStatus();
        s.setJobName("nightly-orphans-x");
        Instant now = Instant.parse("2026-11-03T10:05:00Z");
        JobState done = scan(
                JobFixtures.complete("nightly-orphans-x"),
                "2026-11-03T10:00:00Z",
                "{\"status\":\"Succeeded\",\"orphanCount\":2,\"missingCount\":1,\"orphans\":[\"ns/db/a\",\"ns/db/b\"],"
                        + "\"missing\":[\"20261101T020000Z-1\"],\"message\":\"3 backups, 2 orphaned, 1 missing\"}",
                0);
        var r = OrphanScans.next("nightly", s, DAY, done, CREATED, now);
        assertThat(r.status().getOrphanCount()).isEqualTo(2);
        assertThat(r.status().getMissing()).containsExactly("20261101T020000Z-1");
        assertThat(r.status().getLastScanTime()).isEqualTo(now.toString());
        assertThat(r.events())
                .singleElement()
                .satisfies(e -> assertThat(e.reason()).isEqualTo("StorageInconsistent"));
        assertThat(r.start()).isFalse();
        assertThat(r.wakeAt()).isEqualTo(now.plus(DAY));

        var later = OrphanScans.next("nightly", r.status(), DAY, done, CREATED, now.plusSeconds(60));
        assertThat(later.events()).as("recorded once").isEmpty();
        assertThat(later.status().getOrphanCount()).isEqualTo(2);
    }

    @Test
    void aRunningScanWaitsAFailedOneKeepsTheLastCountsAndZeroDisables() {
        OrphanStatus s = new OrphanStatus();
        s.setJobName("nightly-orphans-x");
        s.setOrphanCount(0);
        s.setMissingCount(0);
        s.setLastScanTime("2026-11-02T10:01:00Z");
        JobState running = scan(JobFixtures.active("nightly-orphans-x"), "2026-11-03T10:00:00Z", null, 0);
        var wait = OrphanScans.next("nightly", s, DAY, running, CREATED, Instant.parse("2026-11-03T10:00:30Z"));
        assertThat(wait.start()).isFalse();
        assertThat(wait.wakeAt()).isNull();

        JobState failed = scan(
                JobFixtures.failed("nightly-orphans-x", 2, "BackoffLimitExceeded", "limit"),
                "2026-11-03T10:00:00Z",
                JobFixtures.failure("StorageUnreachable", "connection refused"),
                4);
        var f = OrphanScans.next("nightly", s, DAY, failed, CREATED, Instant.parse("2026-11-03T10:02:00Z"));
        assertThat(f.status().getOrphanCount()).isZero();
        assertThat(f.status().getMessage()).contains("StorageUnreachable").contains("connection refused");
        assertThat(f.events())
                .singleElement()
                .satisfies(e -> assertThat(e.reason()).isEqualTo("OrphanScanFailed"));

        var off = OrphanScans.next("nightly", null, Duration.ZERO, null, CREATED, CREATED.plus(Duration.ofDays(30)));
        assertThat(off.start()).isFalse();
        assertThat(off.wakeAt()).isNull();
    }
}
