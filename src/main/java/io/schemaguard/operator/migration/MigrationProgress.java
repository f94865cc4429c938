package io.schemaguard.operator.migration;

import io.fabric8.kubernetes.api.model.Condition;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.DatabaseRestore;
import io.schemaguard.api.Defaults;
import io.schemaguard.api.Durations;
import io.schemaguard.api.MigrationEngineType;
import io.schemaguard.api.MigrationPhase;
import io.schemaguard.api.Phase;
import io.schemaguard.api.SafeMigration;
import io.schemaguard.api.SafeMigrationSpec;
import io.schemaguard.api.SafeMigrationStatus;
import io.schemaguard.api.SafeMigrationStatus.MigrationRun;
import io.schemaguard.api.SafeMigrationStatus.RunSummary;
import io.schemaguard.contract.FailureReason;
import io.schemaguard.contract.MigrationGate;
import io.schemaguard.contract.RunnerResult;
import io.schemaguard.operator.EventRecorder.Event;
import io.schemaguard.operator.jobs.Conditions;
import io.schemaguard.operator.jobs.JobState;
import io.schemaguard.operator.jobs.Outcome;
import io.schemaguard.operator.kube.Statuses;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The order of things of a SafeMigration run, as a pure function: from the resource and what its
 * children show, the next status, the Events it deserves, and the one thing to create next. Nothing
 * that changes the database is ever created unless the step before it succeeded, and the migration
 * Job only when {@link MigrationGate} opens on this run's own backup.
 *
 * <p>Plan (pending migrations, lint) → BackingUp (a DatabaseBackup of this run) → Rehearsing (the
 * backup restored into a scratch database and migrated there) → Migrating (with its own checks) →
 * Succeeded; or Blocked (destructive findings nobody approved), or Failed (with the DatabaseRestore to
 * apply), or Restoring → Restored when {@code onFailure: Restore}.
 */
public final class MigrationProgress {
    /** Fresh backups taken for one run before giving up (a backup goes stale when the run waits too long). */
    public static final int MAX_BACKUP_ATTEMPTS = 3;

    static final int HISTORY = 5;
    public static final String PLANNED = "Planned";
    public static final String BACKED_UP = "BackedUp";
    public static final String REHEARSED = "Rehearsed";
    public static final String MIGRATED = "Migrated";
    /** True while the run for the current generation is held by destructive statements nobody approved. */
    public static final String BLOCKED = "Blocked";

    public enum Create {
        NOTHING,
        PLAN_JOB,
        BACKUP,
        REHEARSE_JOB,
        MIGRATE_JOB,
        CHECK_JOB,
        RESTORE
    }

    /**
     * What this run's children show. Jobs are null until created; {@code backup} is the DatabaseBackup
     * of the current attempt; {@code databaseBusy} says another SafeMigration is migrating the same
     * database right now.
     */
    public record Observation(
            JobState plan,
            DatabaseBackup backup,
            JobState rehearse,
            JobState migrate,
            JobState check,
            DatabaseRestore restore,
            boolean databaseBusy) {
        /** How long a failed Job of this run still waits for its pod's result (see {@link JobState#failedPodPending}). */
        public Optional<Duration> failedPodPending(Instant now) {
            return JobState.soonestPending(now, plan, rehearse, migrate, check);
        }
    }

    public record Result(SafeMigrationStatus status, List<Event> events, Create create, int attempt) {}

    private MigrationProgress() {}

    public static Result next(SafeMigration m, Observation o, Instant now) {
        String time = now.truncatedTo(ChronoUnit.SECONDS).toString();
        long generation =
                m.getMetadata().getGeneration() == null ? 1 : m.getMetadata().getGeneration();
        // the next status starts from a copy: the resource's own is the "before" the applier compares with
        SafeMigrationStatus s = Statuses.copyOr(m.getStatus(), SafeMigrationStatus::new);
        s.setObservedGeneration(generation);
        List<Event> events = new ArrayList<>();
        MigrationRun run = s.getCurrentRun();
        if (run == null || run.getGeneration() == null || run.getGeneration() != generation) {
            if (run != null && run.getPhase() != null) {
                archive(s, run);
            }
            run = new MigrationRun();
            run.setGeneration(generation);
            run.setStartedAt(time);
            run.setBackupAttempts(1);
            s.setCurrentRun(run);
            events.add(Event.normal("RunStarted", "run for generation " + generation + " started: planning"));
            return finish(
                    s,
                    run,
                    MigrationPhase.Planning,
                    "reading the pending migrations and linting them",
                    events,
                    Create.PLAN_JOB,
                    1,
                    time);
        }
        int attempt = run.getBackupAttempts() == null ? 1 : run.getBackupAttempts();
        if (run.getPhase() != null && run.getPhase().isTerminal()) {
            // One run per generation: re-applying the same manifest (a GitOps sync) does nothing.
            return new Result(s, events, Create.NOTHING, attempt);
        }
        MigrationPhase phase = run.getPhase() == null ? MigrationPhase.Planning : run.getPhase();
        if (o.failedPodPending(now).isPresent()) {
            // the verdict on a failed Job (restore or not, a fresh backup or not) waits for its pod's result
            return finish(
                    s,
                    run,
                    phase,
                    "a Job of this run failed; reading its pod's result",
                    events,
                    Create.NOTHING,
                    attempt,
                    time);
        }
        return switch (phase) {
            case Planning -> planning(m, o, s, run, events, time);
            case BackingUp -> backingUp(m, o, s, run, attempt, events, now, time);
            case Rehearsing -> rehearsing(m, o, s, run, attempt, events, time);
            case WaitingForDatabase -> toMigrate(m, o, s, run, attempt, events, time);
            case Migrating -> migrating(m, o, s, run, attempt, events, time);
            case Restoring -> restoring(m, o, s, run, attempt, events, time);
            default -> new Result(s, events, Create.NOTHING, attempt);
        };
    }

    private static Result planning(
            SafeMigration m, Observation o, SafeMigrationStatus s, MigrationRun run, List<Event> events, String time) {
        if (o.plan() == null) {
            return finish(
                    s,
                    run,
                    MigrationPhase.Planning,
                    "reading the pending migrations",
                    events,
                    Create.PLAN_JOB,
                    1,
                    time);
        }
        if (o.plan().failed()) {
            JobState.Failure f = o.plan().failure();
            return fail(s, run, "PlanFailed", "planning failed: " + f.reason() + ": " + f.message(), events, time, 1);
        }
        if (!o.plan().complete()) {
            return finish(
                    s, run, MigrationPhase.Planning, "reading the pending migrations", events, Create.NOTHING, 1, time);
        }
        Optional<RunnerResult> result = o.plan().succeededPod().flatMap(JobState::result);
        if (result.isEmpty() || result.get().pending() == null) {
            return fail(s, run, "ResultMissing", "the plan Job completed without a result", events, time, 1);
        }
        RunnerResult r = result.get();
        run.setPending(r.pending());
        run.setFindings(r.findings());
        run.setBlockingFindings(r.blocking());
        if (r.blocking() != null && r.blocking() > 0) {
            run.setPhase(MigrationPhase.Blocked);
            run.setCompletedAt(time);
            String message = r.blocking() + " destructive statement(s) in the pending migrations; approve them one by"
                    + " one (spec.safety.approvedStatements, hashes in status.currentRun.findings) or set"
                    + " spec.safety.allowDataLoss, then apply again: nothing ran, no backup was taken";
            run.setMessage(message);
            events.add(Event.warning("Blocked", message));
            return conclude(s, run, "DestructiveChanges", message, time, events);
        }
        if (r.pending().isEmpty()) {
            run.setPhase(MigrationPhase.Succeeded);
            run.setCompletedAt(time);
            run.setAppliedCount(0);
            run.setMessage("the database is up to date: no pending migrations");
            events.add(Event.normal("UpToDate", run.getMessage()));
            return conclude(s, run, "UpToDate", run.getMessage(), time, events);
        }
        events.add(Event.normal(
                "Planned",
                r.pending().size() + " pending migration(s): " + String.join(", ", r.pending())
                        + "; taking a backup first"));
        setCondition(s, PLANNED, true, "Planned", r.pending().size() + " pending", m, time);
        run.setBackup(MigrationJobFactory.backupName(m, 1));
        return finish(
                s,
                run,
                MigrationPhase.BackingUp,
                "backing up the database before migrating",
                events,
                Create.BACKUP,
                1,
                time);
    }

    private static Result backingUp(
            SafeMigration m,
            Observation o,
            SafeMigrationStatus s,
            MigrationRun run,
            int attempt,
            List<Event> events,
            Instant now,
            String time) {
        if (o.backup() == null) {
            return finish(
                    s,
                    run,
                    MigrationPhase.BackingUp,
                    "backing up the database before migrating",
                    events,
                    Create.BACKUP,
                    attempt,
                    time);
        }
        var b = o.backup();
        Phase phase = b.getStatus() == null ? null : b.getStatus().getPhase();
        Instant created = b.getMetadata().getCreationTimestamp() == null
                ? null
                : Instant.parse(b.getMetadata().getCreationTimestamp());
        Instant completed = b.getStatus() == null || b.getStatus().getCompletedAt() == null
                ? null
                : Instant.parse(b.getStatus().getCompletedAt());
        MigrationGate.Decision gate =
                MigrationGate.decide(phase, created, completed, Instant.parse(run.getStartedAt()), maxAge(m), now);
        switch (gate) {
            case WAIT:
                return finish(
                        s,
                        run,
                        MigrationPhase.BackingUp,
                        "waiting for DatabaseBackup " + b.getMetadata().getName(),
                        events,
                        Create.NOTHING,
                        attempt,
                        time);
            case CLOSED:
                setCondition(s, BACKED_UP, false, "BackupFailed", readyMessage(b), m, time);
                return fail(
                        s,
                        run,
                        "BackupFailed",
                        "the backup " + b.getMetadata().getName() + " failed, so nothing was migrated: "
                                + readyMessage(b),
                        events,
                        time,
                        attempt);
            case STALE:
                return freshBackup(
                        m,
                        s,
                        run,
                        attempt,
                        "the backup is older than " + m.getSpec().getBackup().getMaxAge(),
                        events,
                        time);
            default:
                run.setBackupCompletedAt(b.getStatus().getCompletedAt());
                setCondition(
                        s,
                        BACKED_UP,
                        true,
                        "BackupSucceeded",
                        "DatabaseBackup " + b.getMetadata().getName() + " (sha256 "
                                + b.getStatus().getSha256() + ")",
                        m,
                        time);
                events.add(Event.normal(
                        "BackedUp", "DatabaseBackup " + b.getMetadata().getName() + " succeeded"));
                if (rehearse(m)) {
                    return finish(
                            s,
                            run,
                            MigrationPhase.Rehearsing,
                            "rehearsing the migration on a copy of the backup",
                            events,
                            Create.REHEARSE_JOB,
                            attempt,
                            time);
                }
                run.setRehearsal(
                        m.getSpec().getEngine() == MigrationEngineType.COMMAND ? "Skipped: engine command" : "Skipped");
                return toMigrate(m, o, s, run, attempt, events, time);
        }
    }

    private static Result rehearsing(
            SafeMigration m,
            Observation o,
            SafeMigrationStatus s,
            MigrationRun run,
            int attempt,
            List<Event> events,
            String time) {
        if (o.rehearse() == null) {
            return finish(
                    s,
                    run,
                    MigrationPhase.Rehearsing,
                    "rehearsing the migration on a copy of the backup",
                    events,
                    Create.REHEARSE_JOB,
                    attempt,
                    time);
        }
        if (o.rehearse().failed()) {
            JobState.Failure f = o.rehearse().failure();
            if (FailureReason.BackupStale.name().equals(f.reason())) {
                return freshBackup(m, s, run, attempt, f.message(), events, time);
            }
            run.setRehearsal("Failed");
            run.setRehearsalMessage(f.reason() + ": " + f.message());
            o.rehearse()
                    .lastFailedPod()
                    .flatMap(JobState::result)
                    .ifPresent(r -> run.setVerificationProblems(r.problems()));
            setCondition(s, REHEARSED, false, f.reason(), f.message(), m, time);
            return fail(
                    s,
                    run,
                    "RehearsalFailed",
                    "the rehearsal on a copy failed, so the database was not touched: " + f.reason() + ": "
                            + f.message(),
                    events,
                    time,
                    attempt);
        }
        if (!o.rehearse().complete()) {
            return finish(
                    s,
                    run,
                    MigrationPhase.Rehearsing,
                    "rehearsing the migration on a copy of the backup",
                    events,
                    Create.NOTHING,
                    attempt,
                    time);
        }
        Optional<RunnerResult> r = o.rehearse().succeededPod().flatMap(JobState::result);
        run.setRehearsal("Passed");
        run.setRehearsalMessage(r.map(x -> x.message()).orElse(null));
        setCondition(
                s, REHEARSED, true, "RehearsalPassed", r.map(x -> x.message()).orElse(""), m, time);
        events.add(Event.normal("Rehearsed", "the migration ran on a copy of the backup without losing rows"));
        return toMigrate(m, o, s, run, attempt, events, time);
    }

    private static Result toMigrate(
            SafeMigration m,
            Observation o,
            SafeMigrationStatus s,
            MigrationRun run,
            int attempt,
            List<Event> events,
            String time) {
        if (o.migrate() == null && o.databaseBusy()) {
            return finish(
                    s,
                    run,
                    MigrationPhase.WaitingForDatabase,
                    "another SafeMigration is migrating this database;" + " waiting for it to finish",
                    events,
                    Create.NOTHING,
                    attempt,
                    time);
        }
        return finish(
                s,
                run,
                MigrationPhase.Migrating,
                "migrating",
                events,
                o.migrate() == null ? Create.MIGRATE_JOB : Create.NOTHING,
                attempt,
                time);
    }

    private static Result migrating(
            SafeMigration m,
            Observation o,
            SafeMigrationStatus s,
            MigrationRun run,
            int attempt,
            List<Event> events,
            String time) {
        if (o.migrate() == null) {
            return toMigrate(m, o, s, run, attempt, events, time);
        }
        boolean command = m.getSpec().getEngine() == MigrationEngineType.COMMAND;
        if (o.migrate().failed()) {
            JobState.Failure f = o.migrate().failure();
            if (FailureReason.BackupStale.name().equals(f.reason())) {
                return freshBackup(m, s, run, attempt, f.message(), events, time);
            }
            Optional<RunnerResult> failed = o.migrate().lastFailedPod().flatMap(JobState::result);
            failed.ifPresent(r -> {
                run.setApplied(r.applied());
                run.setSchemaChanges(r.schemaChanges());
                run.setVerificationProblems(r.problems());
                run.setLockRetries(r.lockRetries());
            });
            if (untouched(f.reason())) {
                setCondition(s, MIGRATED, false, f.reason(), f.message(), m, time);
                if (FailureReason.MigrationBlocked.name().equals(f.reason())) {
                    run.setPhase(MigrationPhase.Blocked);
                    run.setCompletedAt(time);
                    run.setMessage(f.message());
                    events.add(Event.warning("Blocked", f.message()));
                    return conclude(s, run, "DestructiveChanges", f.message(), time, events);
                }
                return fail(
                        s,
                        run,
                        f.reason(),
                        "the migration did not start, the database is unchanged: " + f.message(),
                        events,
                        time,
                        attempt);
            }
            boolean unchanged = failed.map(RunnerResult::databaseChanged)
                    .map(Boolean.FALSE::equals)
                    .orElse(false);
            return failedMidway(m, s, run, attempt, f.reason() + ": " + f.message(), unchanged, events, time);
        }
        if (!o.migrate().complete()) {
            return finish(s, run, MigrationPhase.Migrating, "migrating", events, Create.NOTHING, attempt, time);
        }
        if (command && o.check() == null) {
            return finish(
                    s,
                    run,
                    MigrationPhase.Migrating,
                    "checking what the command did",
                    events,
                    Create.CHECK_JOB,
                    attempt,
                    time);
        }
        JobState evidence = command ? o.check() : o.migrate();
        if (command && evidence.failed()) {
            JobState.Failure f = evidence.failure();
            evidence.lastFailedPod()
                    .flatMap(JobState::result)
                    .ifPresent(r -> run.setVerificationProblems(r.problems()));
            return failedMidway(m, s, run, attempt, f.reason() + ": " + f.message(), false, events, time);
        }
        if (command && !evidence.complete()) {
            return finish(
                    s,
                    run,
                    MigrationPhase.Migrating,
                    "checking what the command did",
                    events,
                    Create.NOTHING,
                    attempt,
                    time);
        }
        Optional<RunnerResult> r = evidence.succeededPod().flatMap(JobState::result);
        r.ifPresent(x -> {
            run.setApplied(x.applied() == null ? run.getPending() : x.applied());
            run.setSchemaChanges(x.schemaChanges());
            run.setVerificationProblems(x.problems());
            run.setLockRetries(x.lockRetries());
        });
        run.setAppliedCount(run.getApplied() == null ? 0 : run.getApplied().size());
        run.setPhase(MigrationPhase.Succeeded);
        run.setCompletedAt(time);
        String message = "applied " + run.getAppliedCount() + " migration(s) after backup " + run.getBackup()
                + (run.getSchemaChanges() == null || run.getSchemaChanges().isEmpty()
                        ? ""
                        : "; " + String.join("; ", run.getSchemaChanges()));
        run.setMessage(message);
        setCondition(s, MIGRATED, true, "Migrated", message, m, time);
        events.add(Event.normal("Migrated", message));
        return conclude(s, run, "Migrated", message, time, events);
    }

    private static Result restoring(
            SafeMigration m,
            Observation o,
            SafeMigrationStatus s,
            MigrationRun run,
            int attempt,
            List<Event> events,
            String time) {
        if (o.restore() == null) {
            return finish(s, run, MigrationPhase.Restoring, run.getMessage(), events, Create.RESTORE, attempt, time);
        }
        Phase phase =
                o.restore().getStatus() == null ? null : o.restore().getStatus().getPhase();
        if (phase == Phase.Succeeded) {
            run.setPhase(MigrationPhase.Restored);
            run.setCompletedAt(time);
            String message = "the migration failed and the database was restored from " + run.getBackup() + " by"
                    + " DatabaseRestore " + run.getRestore() + " ("
                    + o.restore().getStatus().getRestoredRows() + " rows)";
            run.setMessage(message);
            events.add(Event.warning("Restored", message));
            return conclude(s, run, "RestoredAfterFailure", message, time, events);
        }
        if (phase == Phase.Failed) {
            run.setRestoreManifest(RestoreManifests.replace(m, run));
            return fail(
                    s,
                    run,
                    "RestoreFailed",
                    "the migration failed and the automatic restore " + run.getRestore()
                            + " failed too; apply status.currentRun.restoreManifest after looking at it",
                    events,
                    time,
                    attempt);
        }
        return finish(s, run, MigrationPhase.Restoring, run.getMessage(), events, Create.NOTHING, attempt, time);
    }

    /** The database may have changed: Halt reports the restore to apply; Restore applies it. */
    /**
     * @param unchanged the runner found the database as it was before the run (schema and applied
     *     history): a restore would undo nothing and only discard what was written since the backup
     */
    private static Result failedMidway(
            SafeMigration m,
            SafeMigrationStatus s,
            MigrationRun run,
            int attempt,
            String cause,
            boolean unchanged,
            List<Event> events,
            String time) {
        setCondition(s, MIGRATED, false, "MigrationFailed", cause, m, time);
        if (unchanged) {
            return fail(
                    s,
                    run,
                    "MigrationFailed",
                    "the migration failed (" + cause + ") and changed nothing: the schema"
                            + " and the applied history are as before the run, so the database was not restored; backup "
                            + run.getBackup() + " stays available",
                    events,
                    time,
                    attempt);
        }
        if (m.getSpec().getOnFailure() == SafeMigrationSpec.OnFailure.Restore) {
            run.setRestore(MigrationJobFactory.restoreName(m));
            run.setMessage("the migration failed (" + cause + "); restoring the database from " + run.getBackup());
            events.add(Event.warning("MigrationFailed", run.getMessage()));
            return finish(s, run, MigrationPhase.Restoring, run.getMessage(), events, Create.RESTORE, attempt, time);
        }
        run.setRestoreManifest(RestoreManifests.replace(m, run));
        return fail(
                s,
                run,
                "MigrationFailed",
                "the migration failed (" + cause + "); the database is left as it is." + " To go back to backup "
                        + run.getBackup() + ", apply status.currentRun.restoreManifest",
                events,
                time,
                attempt);
    }

    private static Result freshBackup(
            SafeMigration m,
            SafeMigrationStatus s,
            MigrationRun run,
            int attempt,
            String why,
            List<Event> events,
            String time) {
        if (attempt >= MAX_BACKUP_ATTEMPTS) {
            return fail(s, run, "BackupStale", why + "; gave up after " + attempt + " backups", events, time, attempt);
        }
        int next = attempt + 1;
        run.setBackupAttempts(next);
        run.setBackup(MigrationJobFactory.backupName(m, next));
        run.setBackupCompletedAt(null);
        events.add(Event.normal("FreshBackup", why + "; taking backup " + run.getBackup()));
        return finish(
                s, run, MigrationPhase.BackingUp, "taking a fresh backup: " + why, events, Create.BACKUP, next, time);
    }

    /** Failures the runner reports before it changed anything. */
    static boolean untouched(String reason) {
        return !FailureReason.MigrationFailed.name().equals(reason)
                && !FailureReason.VerificationFailed.name().equals(reason)
                && !"DeadlineExceeded".equals(reason)
                && !"BackoffLimitExceeded".equals(reason)
                && !"ResultMissing".equals(reason)
                && !"JobFailed".equals(reason);
    }

    private static boolean rehearse(SafeMigration m) {
        return !Boolean.FALSE.equals(m.getSpec().getRehearsal())
                && m.getSpec().getEngine() != MigrationEngineType.COMMAND;
    }

    private static Duration maxAge(SafeMigration m) {
        return Durations.parse(
                m.getSpec().getBackup() == null
                        ? Defaults.MIGRATION_BACKUP_MAX_AGE
                        : m.getSpec().getBackup().getMaxAge());
    }

    private static Result fail(
            SafeMigrationStatus s,
            MigrationRun run,
            String reason,
            String message,
            List<Event> events,
            String time,
            int attempt) {
        run.setPhase(MigrationPhase.Failed);
        run.setCompletedAt(time);
        run.setMessage(message);
        events.add(Event.warning(reason, message));
        return conclude(s, run, reason, message, time, events);
    }

    private static Result finish(
            SafeMigrationStatus s,
            MigrationRun run,
            MigrationPhase phase,
            String message,
            List<Event> events,
            Create create,
            int attempt,
            String time) {
        run.setPhase(phase);
        run.setMessage(message);
        s.setPhase(phase);
        long g = run.getGeneration();
        List<Condition> c = Conditions.of(s.getConditions(), Outcome.reconciling(phase.name(), message), g, time);
        if (Conditions.find(c, BLOCKED) != null) {
            c = Conditions.set(c, BLOCKED, false, "NotBlocked", "", g, time);
        }
        s.setConditions(c);
        return new Result(s, events, create, attempt);
    }

    /** A terminal phase: Ready only when Succeeded; Stalled when the run cannot go on without a new generation. */
    private static Result conclude(
            SafeMigrationStatus s, MigrationRun run, String reason, String message, String time, List<Event> events) {
        s.setPhase(run.getPhase());
        long g = run.getGeneration();
        boolean ok = run.getPhase() == MigrationPhase.Succeeded;
        List<Condition> c = Conditions.of(
                s.getConditions(), ok ? Outcome.ready(reason, message) : Outcome.stalled(reason, message), g, time);
        boolean blocked = run.getPhase() == MigrationPhase.Blocked;
        if (blocked || Conditions.find(c, BLOCKED) != null) {
            c = Conditions.set(c, BLOCKED, blocked, blocked ? reason : "NotBlocked", blocked ? message : "", g, time);
        }
        s.setConditions(c);
        return new Result(s, events, Create.NOTHING, run.getBackupAttempts() == null ? 1 : run.getBackupAttempts());
    }

    private static void setCondition(
            SafeMigrationStatus s,
            String type,
            boolean ok,
            String reason,
            String message,
            SafeMigration m,
            String time) {
        s.setConditions(Conditions.set(
                s.getConditions(),
                type,
                ok,
                reason,
                message,
                m.getMetadata().getGeneration() == null ? 1 : m.getMetadata().getGeneration(),
                time));
    }

    private static void archive(SafeMigrationStatus s, MigrationRun run) {
        RunSummary summary = new RunSummary();
        summary.setGeneration(run.getGeneration());
        summary.setPhase(run.getPhase());
        summary.setStartedAt(run.getStartedAt());
        summary.setCompletedAt(run.getCompletedAt());
        summary.setBackup(run.getBackup());
        summary.setAppliedCount(run.getAppliedCount());
        summary.setMessage(run.getMessage());
        List<RunSummary> history = new ArrayList<>(s.getHistory() == null ? List.of() : s.getHistory());
        history.add(0, summary);
        s.setHistory(history.subList(0, Math.min(HISTORY, history.size())));
    }

    private static String readyMessage(DatabaseBackup b) {
        return b.getStatus() == null || b.getStatus().getConditions() == null
                ? ""
                : b.getStatus().getConditions().stream()
                        .filter(c -> "Ready".equals(c.getType()))
                        .map(c -> c.getReason() + ": " + c.getMessage())
                        .findFirst()
                        .orElse("");
    }
}
