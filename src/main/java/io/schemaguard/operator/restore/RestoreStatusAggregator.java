package io.schemaguard.operator.restore;

import io.schemaguard.api.DatabaseRestore;
import io.schemaguard.api.DatabaseRestoreStatus;
import io.schemaguard.api.Phase;
import io.schemaguard.contract.RunnerResult;
import io.schemaguard.operator.EventRecorder.Event;
import io.schemaguard.operator.jobs.Conditions;
import io.schemaguard.operator.jobs.JobState;
import io.schemaguard.operator.jobs.Outcome;
import io.schemaguard.operator.kube.Statuses;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Derives a DatabaseRestore's status from what came before the Job (source and safety backup) and
 * what its Job and pods show. Pure: no client, no clock. Once Succeeded or Failed, nothing changes.
 */
public final class RestoreStatusAggregator {

    /** Why no Job runs yet: it will (WAITING), not until someone changes something (STALLED), or never (FAILED). */
    public enum Wait {
        WAITING,
        STALLED,
        FAILED
    }

    /**
     * One reconciliation's view. Before the Job exists, {@code waitReason}/{@code message} say what
     * it waits for and {@code waitKind} how.
     */
    public record Observation(
            JobState state,
            String jobName,
            String backupId,
            String safetyBackup,
            String waitReason,
            String message,
            Wait waitKind) {
        public static Observation ofJob(JobState state, String jobName, String backupId, String safetyBackup) {
            return new Observation(state, jobName, backupId, safetyBackup, null, null, null);
        }

        public static Observation waiting(String reason, String message, String safetyBackup) {
            return new Observation(
                    new JobState(null, List.of()), null, null, safetyBackup, reason, message, Wait.WAITING);
        }

        /** Pending until someone configures what is missing (the operator's default storage, say). */
        public static Observation stalled(String reason, String message, String safetyBackup) {
            return new Observation(
                    new JobState(null, List.of()), null, null, safetyBackup, reason, message, Wait.STALLED);
        }

        public static Observation failed(String reason, String message, String safetyBackup) {
            return new Observation(
                    new JobState(null, List.of()), null, null, safetyBackup, reason, message, Wait.FAILED);
        }

        public boolean terminal() {
            return waitKind == Wait.FAILED;
        }
    }

    public record Result(DatabaseRestoreStatus status, List<Event> events) {}

    private RestoreStatusAggregator() {}

    public static Result aggregate(DatabaseRestore restore, Observation o, Instant now) {
        DatabaseRestoreStatus previous =
                restore.getStatus() == null ? new DatabaseRestoreStatus() : restore.getStatus();
        long generation = restore.getMetadata().getGeneration() == null
                ? 0
                : restore.getMetadata().getGeneration();
        String time = now.truncatedTo(ChronoUnit.SECONDS).toString();
        DatabaseRestoreStatus s = Statuses.copy(previous);
        if (s.getConditions() == null) {
            s.setConditions(new ArrayList<>());
        }
        s.setObservedGeneration(generation);
        List<Event> events = new ArrayList<>();
        if (previous.getPhase() != null && previous.getPhase().isTerminal()) {
            // A restore runs once; editing or re-reconciling a finished one does nothing.
            return new Result(s, events);
        }
        if (restore.getSpec().getTarget() != null
                && restore.getSpec().getTarget().getName() != null) {
            s.setTargetDatabase(restore.getSpec().getTarget().getName());
        }
        if (o.safetyBackup() != null) {
            s.setSafetyBackup(o.safetyBackup());
        }

        if (o.waitReason() != null) {
            if (o.terminal()) {
                s.setCompletedAt(time);
                fail(s, o.waitReason(), o.message(), generation, time, events);
            } else {
                s.setPhase(Phase.Pending);
                set(
                        s,
                        o.waitKind() == Wait.STALLED
                                ? Outcome.stalled(o.waitReason(), o.message())
                                : Outcome.reconciling(o.waitReason(), o.message()),
                        generation,
                        time);
                if (!o.waitReason().equals(readyReason(previous))) {
                    events.add(Event.normal(o.waitReason(), o.message()));
                }
            }
            return new Result(s, events);
        }

        JobState state = o.state();
        s.setJobName(o.jobName());
        s.setBackupId(o.backupId());
        state.startTime().ifPresent(s::setStartedAt);
        s.setFailedAttempts(state.failedAttempts());

        if (state.complete()) {
            Optional<RunnerResult> result = state.succeededPod().flatMap(JobState::result);
            if (result.isPresent() && result.get().succeeded() && result.get().restoredTables() != null) {
                RunnerResult r = result.get();
                s.setPhase(Phase.Succeeded);
                s.setRestoredTables(r.restoredTables());
                s.setRestoredRows(r.restoredRows());
                s.setRowCheck(r.rowCheck());
                s.setSourceLocation(r.location());
                s.setTargetDatabase(r.database());
                s.setDurationSeconds(r.durationSeconds());
                s.setCompletedAt(state.completionTime().orElse(time));
                String message = "restored " + r.restoredTables() + " tables and " + r.restoredRows() + " rows of "
                        + r.backupId() + " into " + r.database() + " (row counts " + r.rowCheck() + ")";
                set(s, Outcome.ready("RestoreSucceeded", message), generation, time);
                events.add(Event.normal("Succeeded", message));
            } else {
                s.setCompletedAt(time);
                fail(
                        s,
                        "ResultMissing",
                        "the Job completed but its pod left no restore result",
                        generation,
                        time,
                        events);
            }
            return new Result(s, events);
        }
        if (state.failedPodPending(now).isPresent()) {
            // the attempt's count and Event wait with the verdict, so both carry the runner's reason
            s.setFailedAttempts(previous.getFailedAttempts());
            set(
                    s,
                    Outcome.reconciling("ReadingResult", "the restore Job failed; reading its pod's result"),
                    generation,
                    time);
            return new Result(s, events);
        }
        state.newFailedAttempt(previous.getFailedAttempts() == null ? 0 : previous.getFailedAttempts())
                .ifPresent(detail -> events.add(Event.warning("RestoreAttemptFailed", detail)));
        if (state.failed()) {
            JobState.Failure failure = state.failure();
            s.setCompletedAt(time);
            fail(s, failure.reason(), failure.message(), generation, time, events);
            return new Result(s, events);
        }
        Optional<JobState.StuckPod> stuck = state.stuckPod();
        if (stuck.isPresent()) {
            String reason = stuck.get().conditionReason();
            s.setPhase(Phase.Pending);
            set(s, Outcome.reconciling(reason, stuck.get().describe()), generation, time);
            if (!reason.equals(readyReason(previous))) {
                events.add(Event.warning(reason, stuck.get().describe()));
            }
            return new Result(s, events);
        }
        if (state.runningPod().isPresent()) {
            s.setPhase(Phase.Running);
            String message = "restoring " + o.backupId() + " in pod "
                    + state.runningPod().get().getMetadata().getName();
            set(s, Outcome.reconciling("RestoreRunning", message), generation, time);
            if (previous.getPhase() != Phase.Running) {
                events.add(Event.normal("Started", message));
            }
            return new Result(s, events);
        }
        s.setPhase(Phase.Pending);
        set(s, Outcome.reconciling("JobPending", "Job " + o.jobName() + " is waiting for its pod"), generation, time);
        return new Result(s, events);
    }

    private static void fail(
            DatabaseRestoreStatus s, String reason, String message, long generation, String time, List<Event> events) {
        s.setPhase(Phase.Failed);
        set(s, Outcome.stalled(reason, message), generation, time);
        events.add(Event.warning(reason, message));
    }

    private static void set(DatabaseRestoreStatus s, Outcome outcome, long generation, String time) {
        s.setConditions(Conditions.of(s.getConditions(), outcome, generation, time));
    }

    private static String readyReason(DatabaseRestoreStatus status) {
        return Conditions.readyReason(status.getConditions());
    }
}
