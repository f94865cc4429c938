package io.schemaguard.operator.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import io.schemaguard.api.BackupSchedule;
import io.schemaguard.api.BackupScheduleSpec;
import io.schemaguard.api.BackupScheduleStatus;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.DatabaseBackupStatus;
import io.schemaguard.api.Phase;
import io.schemaguard.operator.EventRecorder.Event;
import io.schemaguard.operator.jobs.Conditions;
import io.schemaguard.operator.jobs.Labels;
import io.schemaguard.operator.kube.Statuses;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One step of a schedule as a pure function: what it creates, deletes, skips and says. */
class ScheduleProgressTest {
    static final Instant CREATED = Instant.parse("2026-11-20T12:00:00Z");

    static BackupSchedule schedule(String cron) {
        BackupSchedule s = BackupScheduleReconcilerTest.schedule("shop", "nightly", cron);
        s.getMetadata().setCreationTimestamp(CREATED.toString());
        s.getMetadata().setGeneration(1L);
        return s;
    }

    static DatabaseBackup backup(BackupSchedule s, Instant at, Phase phase) {
        DatabaseBackup b = ScheduleProgress.backupFor(s, at);
        b.getMetadata().setCreationTimestamp(at.toString());
        if (phase != null) {
            b.setStatus(new DatabaseBackupStatus());
            b.getStatus().setPhase(phase);
            b.getStatus().setCompletedAt(at.plusSeconds(90).toString());
        }
        return b;
    }

    static List<String> reasons(ScheduleProgress.Result r) {
        return r.events().stream().map(Event::reason).toList();
    }

    @Test
    void replaceDeletesTheRunningBackupAndStartsTheNewRun() {
        BackupSchedule s = schedule("0 2 * * *");
        s.getSpec().setConcurrencyPolicy(BackupScheduleSpec.ConcurrencyPolicy.Replace);
        s.setStatus(new BackupScheduleStatus());
        s.getStatus().setLastScheduleTime("2026-11-24T02:00:00Z");
        DatabaseBackup running = backup(s, Instant.parse("2026-11-24T02:00:00Z"), Phase.Running);
        var r = ScheduleProgress.next(s, List.of(running), Instant.parse("2026-11-25T02:00:01Z"));
        assertThat(r.deleteRunning()).containsExactly("nightly-20261124-0200");
        assertThat(r.create().getMetadata().getName()).isEqualTo("nightly-20261125-0200");
        assertThat(reasons(r)).containsExactly("Replaced", "Scheduled");
        assertThat(r.status().getActive()).containsExactly("nightly-20261125-0200");
        assertThat(r.status().getLastScheduleTime()).isEqualTo("2026-11-25T02:00:00Z");
        assertThat(r.requeueAt()).isEqualTo(Instant.parse("2026-11-26T02:00:00Z"));
    }

    @Test
    void aRunIsOneStatusWriteTheCreatedBackupComingBackChangesNothing() {
        BackupSchedule s = schedule("0 2 * * *");
        s.setStatus(new BackupScheduleStatus());
        s.getStatus().setLastScheduleTime("2026-11-24T02:00:00Z");
        var r = ScheduleProgress.next(s, List.of(), Instant.parse("2026-11-25T02:00:00.100Z"));
        assertThat(r.create().getMetadata().getFinalizers())
                .as("created with the backup reconciler's finalizer, so nobody has to add it")
                .containsExactly(DatabaseBackup.FINALIZER);
        assertThat(r.status().getActive()).containsExactly("nightly-20261125-0200");

        // the next pass: the status patch landed and the informer shows the new backup, then its Pending status
        s.setStatus(r.status());
        DatabaseBackup created = r.create();
        created.getMetadata().setCreationTimestamp("2026-11-25T02:00:00Z");
        var seen = ScheduleProgress.next(s, List.of(created), Instant.parse("2026-11-25T02:00:01Z"));
        assertThat(seen.create()).isNull();
        assertThat(seen.events()).isEmpty();
        assertThat(Statuses.same(s.getStatus(), seen.status())).isTrue();
        DatabaseBackup pending = backup(s, Instant.parse("2026-11-25T02:00:00Z"), Phase.Pending);
        pending.getStatus().setCompletedAt(null);
        assertThat(Statuses.same(
                        s.getStatus(),
                        ScheduleProgress.next(s, List.of(pending), Instant.parse("2026-11-25T02:00:02Z"))
                                .status()))
                .isTrue();
    }

    @Test
    void aFailedPassKeepsWhatWasPersistedAndWarnsOncePerDistinctError() {
        BackupSchedule s = schedule("0 2 * * *");
        s.setStatus(new BackupScheduleStatus());
        s.getStatus().setLastScheduleTime("2026-11-24T02:00:00Z");
        s.getStatus().setNextScheduleTime("2026-11-25T02:00:00Z");
        Instant now = Instant.parse("2026-11-25T02:00:00.100Z");

        var first = ScheduleProgress.failed(s, "403 forbidden", now);
        assertThat(first.status().getLastScheduleTime())
                .as("the run that failed is not recorded, so it is tried again")
                .isEqualTo("2026-11-24T02:00:00Z");
        assertThat(first.status().getNextScheduleTime()).isEqualTo("2026-11-25T02:00:00Z");
        var ready = Conditions.find(first.status().getConditions(), Conditions.READY);
        assertThat(ready.getStatus()).isEqualTo("False");
        assertThat(ready.getReason()).isEqualTo(ScheduleProgress.RETRYING);
        assertThat(ready.getMessage()).isEqualTo("retrying after an error: 403 forbidden");
        assertThat(first.events()).extracting(e -> e.reason()).containsExactly(ScheduleProgress.RETRYING);
        assertThat(s.getStatus().getConditions())
                .as("the resource's own status is untouched")
                .isNullOrEmpty();

        s.setStatus(first.status());
        var again = ScheduleProgress.failed(s, "403 forbidden", now.plusSeconds(1));
        assertThat(again.events()).as("the same error again: no second Warning").isEmpty();
        assertThat(Statuses.same(s.getStatus(), again.status())).isTrue();
        assertThat(ScheduleProgress.failed(s, "504 timeout", now.plusSeconds(2)).events())
                .hasSize(1);
        assertThat(ScheduleProgress.failed(s, null, now).status().getConditions())
                .anySatisfy(c -> assertThat(c.getMessage()).isEqualTo("retrying after an error: unknown error"));

        // the next pass that works makes it Ready again
        var ok = ScheduleProgress.next(s, List.of(), Instant.parse("2026-11-25T02:00:03Z"));
        assertThat(Conditions.find(ok.status().getConditions(), Conditions.READY)
                        .getStatus())
                .isEqualTo("True");
        assertThat(ok.create()).isNotNull();
    }

    @Test
    void forbidSkipsAndRecordsTheTimeSoTheRunIsNotRetried() {
        BackupSchedule s = schedule("0 2 * * *");
        s.setStatus(new BackupScheduleStatus());
        s.getStatus().setLastScheduleTime("2026-11-24T02:00:00Z");
        DatabaseBackup running = backup(s, Instant.parse("2026-11-24T02:00:00Z"), Phase.Pending);
        var r = ScheduleProgress.next(s, List.of(running), Instant.parse("2026-11-25T02:00:01Z"));
        assertThat(r.create()).isNull();
        assertThat(r.deleteRunning()).isEmpty();
        assertThat(reasons(r)).containsExactly("RunSkipped");
        assertThat(r.status().getLastScheduleTime()).isEqualTo("2026-11-25T02:00:00Z");
        assertThat(r.status().getActive()).containsExactly("nightly-20261124-0200");

        // the same step again (the status patch landed): nothing more
        s.setStatus(r.status());
        var again = ScheduleProgress.next(s, List.of(running), Instant.parse("2026-11-25T02:00:05Z"));
        assertThat(again.create()).isNull();
        assertThat(again.events()).isEmpty();
    }

    @Test
    void afterAnOutageOneCatchUpRunUnlessItIsPastTheStartingDeadline() {
        BackupSchedule s = schedule("0 * * * *");
        s.setStatus(new BackupScheduleStatus());
        s.getStatus().setLastScheduleTime("2026-11-25T02:00:00Z");
        Instant back = Instant.parse("2026-11-25T07:10:00Z");
        var r = ScheduleProgress.next(s, List.of(), back);
        assertThat(r.create().getMetadata().getName()).isEqualTo("nightly-20261125-0700");
        assertThat(reasons(r)).containsExactly("MissedRuns", "Scheduled");
        assertThat(r.events().get(0).message()).startsWith("4 scheduled run(s) were missed");

        s.getSpec().setStartingDeadlineSeconds(300L);
        s.getStatus().setLastScheduleTime("2026-11-25T02:00:00Z"); // as before that step
        var late = ScheduleProgress.next(s, List.of(), back);
        assertThat(late.create()).isNull();
        assertThat(reasons(late)).contains("RunSkipped");
        assertThat(late.status().getLastScheduleTime()).isEqualTo("2026-11-25T07:00:00Z");
    }

    @Test
    void anInvalidScheduleIsAConditionAndOneEventPerDistinctProblem() {
        BackupSchedule s = schedule("0 2 * *");
        var r = ScheduleProgress.next(s, List.of(), CREATED.plusSeconds(5));
        var ready = Conditions.find(r.status().getConditions(), Conditions.READY);
        assertThat(ready.getStatus()).isEqualTo("False");
        assertThat(ready.getReason()).isEqualTo("InvalidSchedule");
        assertThat(ready.getMessage()).contains("0 2 * *");
        assertThat(Conditions.find(r.status().getConditions(), Conditions.STALLED)
                        .getStatus())
                .isEqualTo("True");
        assertThat(reasons(r)).containsExactly("InvalidSchedule");
        assertThat(r.create()).isNull();
        assertThat(r.requeueAt()).isNull();
        s.setStatus(r.status());
        assertThat(ScheduleProgress.next(s, List.of(), CREATED.plusSeconds(9)).events())
                .as("not again")
                .isEmpty();
    }

    @Test
    void statusSummarizesTheBackupsAndRetentionPrunesWithReasons() {
        BackupSchedule s = schedule("0 2 * * *");
        s.getSpec().setSuspend(true);
        var retention = new BackupScheduleSpec.RetentionPolicy();
        retention.setKeepLast(1);
        s.getSpec().setRetention(retention);
        List<DatabaseBackup> backups = new ArrayList<>();
        backups.add(backup(s, Instant.parse("2026-11-21T02:00:00Z"), Phase.Succeeded));
        backups.add(backup(s, Instant.parse("2026-11-22T02:00:00Z"), Phase.Succeeded));
        backups.add(backup(s, Instant.parse("2026-11-23T02:00:00Z"), Phase.Failed));
        DatabaseBackup pinned = backup(s, Instant.parse("2026-11-20T02:00:00Z"), Phase.Succeeded);
        pinned.getMetadata().getLabels().put(Labels.PINNED, "true");
        backups.add(pinned);
        var r = ScheduleProgress.next(s, backups, Instant.parse("2026-11-25T12:00:00Z"));
        assertThat(r.create()).isNull();
        assertThat(r.status().getNextScheduleTime()).isNull();
        assertThat(r.status().getKeptBackups()).isEqualTo(3);
        assertThat(r.status().getFailedBackups()).isEqualTo(1);
        assertThat(r.status().getLastSuccessfulBackup()).isEqualTo("nightly-20261122-0200");
        assertThat(r.status().getLastFailedBackup()).isEqualTo("nightly-20261123-0200");
        assertThat(Conditions.find(r.status().getConditions(), ScheduleProgress.LAST_BACKUP_SUCCEEDED)
                        .getStatus())
                .isEqualTo("False");
        assertThat(r.prune()).containsOnlyKeys("nightly-20261121-0200");
        assertThat(r.prune().get("nightly-20261121-0200")).contains("keepLast=1");
        assertThat(r.status().getRetention().getProtectedBackups())
                .singleElement()
                .satisfies(p -> assertThat(p).startsWith("nightly-20261120-0200: pinned"));
        assertThat(reasons(r)).containsExactly("Pruned");
    }
}
