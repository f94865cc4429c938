package io.schemaguard.operator.schedule;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.schemaguard.api.BackupSchedule;
import io.schemaguard.api.BackupScheduleSpec;
import io.schemaguard.api.BackupScheduleStatus;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.DatabaseBackupSpec;
import io.schemaguard.api.Defaults;
import io.schemaguard.api.Durations;
import io.schemaguard.api.Phase;
import io.schemaguard.operator.EventRecorder.Event;
import io.schemaguard.operator.jobs.Conditions;
import io.schemaguard.operator.jobs.JobState;
import io.schemaguard.operator.jobs.KubernetesNames;
import io.schemaguard.operator.jobs.Labels;
import io.schemaguard.operator.jobs.Outcome;
import io.schemaguard.operator.kube.Statuses;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One step of a BackupSchedule, as a pure function of the schedule, its backups and the time: the
 * next status, the Events, the backup to create (at most one: a catch-up after an outage is a single
 * run), the running backups to delete (concurrencyPolicy Replace) and what retention prunes. No
 * client and no clock inside; the reconciler applies the result.
 */
public final class ScheduleProgress {
    public static final String LAST_BACKUP_SUCCEEDED = "LastBackupSucceeded";
    /** True when the last orphan scan found storage and the schedule's DatabaseBackups in agreement. */
    public static final String STORAGE_CONSISTENT = "StorageConsistent";

    static final int LISTED = 50;
    /** How a cron time appears in the names of what a schedule creates (UTC, to the minute). */
    static final DateTimeFormatter NAME_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd-HHmm").withZone(ZoneOffset.UTC);

    private static final ObjectMapper JSON =
            new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /**
     * @param create        the DatabaseBackup to create now, or null
     * @param deleteRunning running backups to delete first (Replace)
     * @param prune         backups retention deletes, with the reason
     * @param requeueAt     when the schedule must be looked at again (the next run), or null
     */
    public record Result(
            BackupScheduleStatus status,
            List<Event> events,
            DatabaseBackup create,
            List<String> deleteRunning,
            Map<String, String> prune,
            Instant requeueAt,
            String startOrphanScan) {}

    private ScheduleProgress() {}

    public static Result next(BackupSchedule schedule, List<DatabaseBackup> all, Instant now) {
        return next(schedule, all, null, now);
    }

    /** {@code lastScan}: the orphan scan Job named in status, as the informer sees it (null when none). */
    public static Result next(BackupSchedule schedule, List<DatabaseBackup> all, JobState lastScan, Instant now) {
        String time = now.truncatedTo(ChronoUnit.SECONDS).toString();
        long generation = schedule.getMetadata().getGeneration() == null
                ? 1
                : schedule.getMetadata().getGeneration();
        BackupScheduleSpec spec = schedule.getSpec();
        // the next status starts from a copy: the resource's own is the "before" the applier compares with
        BackupScheduleStatus s = Statuses.copyOr(schedule.getStatus(), BackupScheduleStatus::new);
        s.setObservedGeneration(generation);
        List<Event> events = new ArrayList<>();
        String name = schedule.getMetadata().getName();

        List<DatabaseBackup> backups = all.stream()
                .filter(b -> name.equals(annotation(b, Labels.SCHEDULE_NAME_ANNOTATION)))
                .filter(b -> b.getMetadata().getDeletionTimestamp() == null)
                .sorted(Comparator.comparing(ScheduleProgress::timeOf)
                        .thenComparing(b -> b.getMetadata().getName()))
                .toList();
        summarize(s, backups);

        CronSchedule cron;
        Duration jitter;
        try {
            cron = CronSchedule.parse(spec.getSchedule(), spec.getTimeZone());
            jitter = spec.getJitter() == null
                    ? Duration.ZERO
                    : ScheduleDecisions.jitter(
                            schedule.getMetadata().getNamespace() + "/" + name, Durations.parse(spec.getJitter()));
        } catch (InvalidScheduleException | IllegalArgumentException e) {
            var ready = Conditions.find(s.getConditions(), Conditions.READY);
            if (ready == null
                    || !"InvalidSchedule".equals(ready.getReason())
                    || !Objects.equals(ready.getMessage(), e.getMessage())
                    || !Objects.equals(ready.getObservedGeneration(), generation)) {
                events.add(Event.warning("InvalidSchedule", e.getMessage()));
            }
            s.setConditions(Conditions.of(
                    s.getConditions(), Outcome.stalled("InvalidSchedule", e.getMessage()), generation, time));
            s.setNextScheduleTime(null);
            return new Result(s, events, null, List.of(), Map.of(), null, null);
        }

        DatabaseBackup create = null;
        List<String> deleteRunning = List.of();
        Instant requeueAt = null;
        if (Boolean.TRUE.equals(spec.getSuspend())) {
            s.setNextScheduleTime(null);
            s.setConditions(Conditions.of(
                    s.getConditions(), Outcome.ready("Suspended", "suspended: no new runs"), generation, time));
        } else {
            Instant last = s.getLastScheduleTime() == null ? null : Instant.parse(s.getLastScheduleTime());
            Instant created = schedule.getMetadata().getCreationTimestamp() == null
                    ? now
                    : Instant.parse(schedule.getMetadata().getCreationTimestamp());
            Duration deadline = spec.getStartingDeadlineSeconds() == null
                    ? null
                    : Duration.ofSeconds(spec.getStartingDeadlineSeconds());
            ScheduleDecisions.Decision d = ScheduleDecisions.decide(cron, last, created, deadline, jitter, now);
            if (d.missed() > 0) {
                events.add(Event.warning(
                        "MissedRuns",
                        d.missed() + " scheduled run(s) were missed (the operator was"
                                + " down or the schedule suspended); running once for " + d.runFor()));
            }
            if (d.tooLate()) {
                s.setLastScheduleTime(d.skipped().toString());
                events.add(Event.warning(
                        "RunSkipped",
                        "the run for " + d.skipped() + " is more than " + spec.getStartingDeadlineSeconds()
                                + " s late (startingDeadlineSeconds): skipped"));
            } else if (d.runFor() != null) {
                List<String> running = s.getActive() == null ? List.of() : s.getActive();
                s.setLastScheduleTime(d.runFor().toString());
                if (!running.isEmpty() && spec.getConcurrencyPolicy() != BackupScheduleSpec.ConcurrencyPolicy.Replace) {
                    events.add(Event.warning(
                            "RunSkipped",
                            "the run for " + d.runFor() + " is skipped: backup " + String.join(", ", running)
                                    + " is still running (concurrencyPolicy Forbid)"));
                } else {
                    if (!running.isEmpty()) {
                        deleteRunning = running;
                        events.add(Event.warning(
                                "Replaced",
                                "backup " + String.join(", ", running)
                                        + " was still running and is deleted (concurrencyPolicy Replace)"));
                    }
                    create = backupFor(schedule, d.runFor());
                    // the status written with lastScheduleTime already lists the new run (and not the
                    // replaced ones): the informer's view of the created backup then changes nothing
                    List<String> nowActive = new ArrayList<>(running);
                    nowActive.removeAll(deleteRunning);
                    nowActive.add(create.getMetadata().getName());
                    s.setActive(nowActive);
                    events.add(Event.normal(
                            "Scheduled",
                            "created DatabaseBackup " + create.getMetadata().getName() + " for the run of "
                                    + d.runFor()));
                }
            }
            requeueAt = d.next();
            s.setNextScheduleTime(d.next() == null ? null : d.next().toString());
            s.setConditions(Conditions.of(
                    s.getConditions(),
                    Outcome.ready("Scheduled", d.next() == null ? "no future run" : "next run at " + d.next()),
                    generation,
                    time));
        }
        if (s.getLastSuccessfulTime() != null || s.getLastFailedTime() != null) {
            boolean ok = s.getLastFailedTime() == null
                    || (s.getLastSuccessfulTime() != null
                            && Instant.parse(s.getLastSuccessfulTime()).isAfter(Instant.parse(s.getLastFailedTime())));
            s.setConditions(Conditions.set(
                    s.getConditions(),
                    LAST_BACKUP_SUCCEEDED,
                    ok,
                    ok ? "BackupSucceeded" : "BackupFailed",
                    ok
                            ? "DatabaseBackup " + s.getLastSuccessfulBackup()
                            : "DatabaseBackup " + s.getLastFailedBackup() + " failed",
                    generation,
                    time));
        }

        Map<String, String> prune = retention(schedule, backups, cron.zone(), now, s, events, time);

        OrphanScans.Outcome scan = OrphanScans.next(
                name,
                s.getOrphans(),
                Durations.parse(
                        spec.getOrphanScanInterval() == null
                                ? Defaults.ORPHAN_SCAN_INTERVAL
                                : spec.getOrphanScanInterval()),
                lastScan,
                schedule.getMetadata().getCreationTimestamp() == null
                        ? now
                        : Instant.parse(schedule.getMetadata().getCreationTimestamp()),
                now);
        s.setOrphans(scan.status());
        events.addAll(scan.events());
        if (scan.status() != null && scan.status().getOrphanCount() != null) {
            boolean consistent =
                    scan.status().getOrphanCount() == 0 && scan.status().getMissingCount() == 0;
            s.setConditions(Conditions.set(
                    s.getConditions(),
                    STORAGE_CONSISTENT,
                    consistent,
                    consistent ? "NoOrphans" : "OrphansFound",
                    scan.status().getMessage(),
                    generation,
                    time));
        }
        if (scan.wakeAt() != null && (requeueAt == null || scan.wakeAt().isBefore(requeueAt))) {
            requeueAt = scan.wakeAt();
        }
        return new Result(s, events, create, deleteRunning, prune, requeueAt, scan.start() ? scan.jobName() : null);
    }

    /**
     * The status and Event after a pass that failed (the API server refused the run's DatabaseBackup, a write
     * timed out): everything the schedule had persisted stays (above all lastScheduleTime, so the run is tried
     * again), and Ready says the schedule is retrying and why. The Event is recorded once per distinct error,
     * not on every retry.
     */
    public static Failure failed(BackupSchedule schedule, String error, Instant now) {
        String time = now.truncatedTo(ChronoUnit.SECONDS).toString();
        long generation = schedule.getMetadata().getGeneration() == null
                ? 1
                : schedule.getMetadata().getGeneration();
        String message = "retrying after an error: " + (error == null || error.isBlank() ? "unknown error" : error);
        BackupScheduleStatus s = Statuses.copyOr(schedule.getStatus(), BackupScheduleStatus::new);
        var ready = Conditions.find(s.getConditions(), Conditions.READY);
        boolean same =
                ready != null && RETRYING.equals(ready.getReason()) && Objects.equals(ready.getMessage(), message);
        s.setConditions(Conditions.of(s.getConditions(), Outcome.reconciling(RETRYING, message), generation, time));
        return new Failure(s, same ? List.of() : List.of(Event.warning(RETRYING, message)));
    }

    /** Why a schedule is retrying: the Ready reason while a pass keeps failing. */
    public static final String RETRYING = "RetryingAfterError";

    public record Failure(BackupScheduleStatus status, List<Event> events) {}

    /** Deterministic per cron time, so an operator restarted mid-step cannot create a second backup for it. */
    public static String backupName(String schedule, Instant runFor) {
        return (schedule.length() > 200 ? KubernetesNames.labelValue(schedule) : schedule) + "-"
                + NAME_TIME.format(runFor);
    }

    static DatabaseBackup backupFor(BackupSchedule schedule, Instant runFor) {
        String name = schedule.getMetadata().getName();
        DatabaseBackup b = new DatabaseBackup();
        b.setMetadata(new ObjectMetaBuilder()
                .withName(backupName(name, runFor))
                .withNamespace(schedule.getMetadata().getNamespace())
                .addToLabels(Labels.SCHEDULE, KubernetesNames.labelValue(name))
                .addToAnnotations(Labels.SCHEDULE_NAME_ANNOTATION, name)
                .addToAnnotations(Labels.SCHEDULED_TIME_ANNOTATION, runFor.toString())
                .addToFinalizers(DatabaseBackup.FINALIZER)
                .build());
        b.setSpec(JSON.convertValue(schedule.getSpec().getTemplate(), DatabaseBackupSpec.class));
        return b;
    }

    private static void summarize(BackupScheduleStatus s, List<DatabaseBackup> backups) {
        List<String> active = new ArrayList<>();
        int kept = 0;
        int failed = 0;
        DatabaseBackup lastOk = null;
        DatabaseBackup lastFailed = null;
        for (DatabaseBackup b : backups) {
            Phase p = phase(b);
            if (p == Phase.Succeeded) {
                kept++;
                lastOk = b;
            } else if (p == Phase.Failed) {
                failed++;
                lastFailed = b;
            } else {
                active.add(b.getMetadata().getName());
            }
        }
        s.setActive(active.isEmpty() ? null : active);
        s.setKeptBackups(kept);
        s.setFailedBackups(failed);
        if (lastOk != null) {
            s.setLastSuccessfulBackup(lastOk.getMetadata().getName());
            s.setLastSuccessfulTime(finished(lastOk));
        }
        if (lastFailed != null) {
            s.setLastFailedBackup(lastFailed.getMetadata().getName());
            s.setLastFailedTime(finished(lastFailed));
        }
    }

    private static Map<String, String> retention(
            BackupSchedule schedule,
            List<DatabaseBackup> backups,
            ZoneId zone,
            Instant now,
            BackupScheduleStatus s,
            List<Event> events,
            String time) {
        BackupScheduleSpec spec = schedule.getSpec();
        BackupScheduleSpec.RetentionPolicy r = spec.getRetention();
        Retention.Policy policy = new Retention.Policy(
                r == null ? null : r.getKeepLast(),
                r == null ? null : r.getKeepDaily(),
                r == null ? null : r.getKeepWeekly(),
                r == null ? null : r.getKeepMonthly(),
                r == null || r.getMaxAge() == null ? null : Durations.parse(r.getMaxAge()),
                spec.getFailedBackupsHistoryLimit() == null
                        ? Defaults.FAILED_BACKUPS_HISTORY_LIMIT
                        : spec.getFailedBackupsHistoryLimit(),
                zone);
        List<Retention.Backup> input = backups.stream()
                .map(b -> new Retention.Backup(
                        b.getMetadata().getName(),
                        timeOf(b),
                        switch (phase(b) == null ? Phase.Pending : phase(b)) {
                            case Succeeded -> Retention.Outcome.SUCCEEDED;
                            case Failed -> Retention.Outcome.FAILED;
                            default -> Retention.Outcome.RUNNING;
                        },
                        protectedReason(b)))
                .toList();
        Retention.Decision decision = Retention.decide(input, policy, now);
        boolean dryRun = r != null && Boolean.TRUE.equals(r.getDryRun());
        BackupScheduleStatus.RetentionStatus rs =
                s.getRetention() == null ? new BackupScheduleStatus.RetentionStatus() : s.getRetention();
        rs.setDryRun(dryRun ? true : null);
        List<String> protectedOnes = input.stream()
                .filter(b -> b.protectedReason() != null)
                .map(b -> b.name() + ": " + b.protectedReason())
                .limit(LISTED)
                .toList();
        rs.setProtectedBackups(protectedOnes.isEmpty() ? null : protectedOnes);
        if (dryRun) {
            rs.setLastRunTime(time);
            rs.setDeleted(listed(decision.delete()));
            s.setRetention(rs);
            return Map.of();
        }
        if (!decision.delete().isEmpty()) {
            rs.setLastRunTime(time);
            rs.setDeleted(listed(decision.delete()));
            rs.setDeletedTotal((rs.getDeletedTotal() == null ? 0 : rs.getDeletedTotal())
                    + decision.delete().size());
            decision.delete()
                    .forEach((n, why) ->
                            events.add(Event.normal("Pruned", "deleting DatabaseBackup " + n + " (" + why + ")")));
        }
        s.setRetention(
                rs.getLastRunTime() == null && rs.getProtectedBackups() == null && rs.getDryRun() == null ? null : rs);
        return decision.delete();
    }

    private static List<String> listed(Map<String, String> m) {
        List<String> out = new ArrayList<>();
        m.forEach((n, why) -> out.add(n + ": " + why));
        return out.isEmpty() ? null : out.subList(0, Math.min(LISTED, out.size()));
    }

    private static String protectedReason(DatabaseBackup b) {
        Map<String, String> labels =
                b.getMetadata().getLabels() == null ? Map.of() : b.getMetadata().getLabels();
        if ("true".equals(labels.get(Labels.PINNED))) {
            return "pinned"
                    + (labels.containsKey(Labels.SAFE_MIGRATION)
                            ? " by SafeMigration " + labels.get(Labels.SAFE_MIGRATION)
                            : "");
        }
        if ("true".equals(labels.get(Labels.KEEP))) {
            return "labelled " + Labels.KEEP + "=true";
        }
        return null;
    }

    static Instant timeOf(DatabaseBackup b) {
        String scheduled = annotation(b, Labels.SCHEDULED_TIME_ANNOTATION);
        if (scheduled != null) {
            try {
                return Instant.parse(scheduled);
            } catch (RuntimeException ignored) {
                // fall back to the creation time
            }
        }
        String created = b.getMetadata().getCreationTimestamp();
        return created == null ? Instant.EPOCH : Instant.parse(created);
    }

    private static String finished(DatabaseBackup b) {
        return b.getStatus() != null && b.getStatus().getCompletedAt() != null
                ? b.getStatus().getCompletedAt()
                : timeOf(b).toString();
    }

    private static Phase phase(DatabaseBackup b) {
        return b.getStatus() == null ? null : b.getStatus().getPhase();
    }

    private static String annotation(DatabaseBackup b, String key) {
        return b.getMetadata().getAnnotations() == null
                ? null
                : b.getMetadata().getAnnotations().get(key);
    }
}
