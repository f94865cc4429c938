package io.schemaguard.operator.backup;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.DatabaseBackupStatus;
import io.schemaguard.api.Phase;
import io.schemaguard.api.VerificationStatus;
import io.schemaguard.contract.RunnerResult;
import io.schemaguard.contract.Sizes;
import io.schemaguard.operator.EventRecorder.Event;
import io.schemaguard.operator.OperatorConfig;
import io.schemaguard.operator.jobs.Conditions;
import io.schemaguard.operator.jobs.JobState;
import io.schemaguard.operator.jobs.Outcome;
import io.schemaguard.operator.jobs.StorageBinding;
import io.schemaguard.operator.kube.Action;
import io.schemaguard.operator.kube.Statuses;
import io.schemaguard.operator.kube.Step;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Derives a DatabaseBackup's status from what its Job and pods show, starting from the previous
 * status (so transition times survive), and names the Events each transition deserves. Pure: no
 * client, no clock.
 *
 * <p>A backup is {@code Succeeded} only when the Job completed and the runner reported the stored
 * object's SHA-256, which it does only after reading the object back and committing the manifest.
 */
public final class BackupStatusAggregator {

    /** Everything observed in one reconciliation. {@code blocker} explains why no Job can exist yet. */
    public record Observation(JobState state, String jobName, String backupId, String blocker, String blockerReason) {
        public static Observation ofJob(JobState state, String jobName, String backupId) {
            return new Observation(state, jobName, backupId, null, null);
        }

        public static Observation blocked(String reason, String message) {
            return new Observation(new JobState(null, List.of()), null, null, message, reason);
        }
    }

    public record Result(DatabaseBackupStatus status, List<Event> events) {}

    private BackupStatusAggregator() {}

    /**
     * One reconciliation of a backup, decided: its Job ({@code job}, null until created) and pods as
     * the informers show them become the next status and Events, and the Job to create when there is
     * none. A finished backup only records the generation it saw: nothing is ever re-run.
     */
    public static Step<DatabaseBackupStatus> step(
            DatabaseBackup backup,
            Job job,
            List<Pod> pods,
            OperatorConfig.DefaultStorage defaultStorage,
            OperatorConfig.Runner runner,
            Instant now) {
        DatabaseBackupStatus status = backup.getStatus();
        if (status != null && status.getPhase() != null && status.getPhase().isTerminal()) {
            DatabaseBackupStatus seen = Statuses.copy(status);
            seen.setObservedGeneration(backup.getMetadata().getGeneration());
            return Step.of(seen, List.of());
        }
        List<Action> actions = new ArrayList<>();
        Observation observation;
        try {
            StorageBinding storage = StorageBinding.resolve(backup.getSpec().getStorage(), defaultStorage);
            String jobName = BackupJobFactory.jobName(backup);
            if (job == null) {
                // decided as if it exists: a new Job has no status, so it reads as the created one does
                job = BackupJobFactory.build(backup, storage, runner);
                actions.add(Action.create(
                        job, Event.normal("JobCreated", "created Job " + jobName + " to back up " + describe(backup))));
            }
            observation = Observation.ofJob(new JobState(job, pods), jobName, BackupJobFactory.backupId(backup));
        } catch (StorageBinding.NotConfigured e) {
            observation = Observation.blocked("StorageNotConfigured", e.getMessage());
        }
        Result result = aggregate(backup, observation, now);
        return new Step<>(
                result.status(),
                result.events(),
                actions,
                observation.state().failedPodPending(now).orElse(null));
    }

    private static String describe(DatabaseBackup backup) {
        var db = backup.getSpec().getDatabase();
        return db.getUriSecretRef() != null
                ? "the database of Secret " + db.getUriSecretRef().getName()
                : db.getName() + " on " + db.getHost() + ":" + db.getPort();
    }

    public static Result aggregate(DatabaseBackup backup, Observation observation, Instant now) {
        DatabaseBackupStatus previous = backup.getStatus() == null ? new DatabaseBackupStatus() : backup.getStatus();
        long generation = backup.getMetadata().getGeneration() == null
                ? 0
                : backup.getMetadata().getGeneration();
        String time = now.truncatedTo(ChronoUnit.SECONDS).toString();
        DatabaseBackupStatus s = Statuses.copy(previous);
        if (s.getConditions() == null) {
            s.setConditions(new ArrayList<>());
        }
        s.setObservedGeneration(generation);
        List<Event> events = new ArrayList<>();

        if (previous.getPhase() != null && previous.getPhase().isTerminal()) {
            // Finished backups never change: editing or re-reconciling them must not re-run anything.
            return new Result(s, events);
        }
        if (s.getDatabase() == null && backup.getSpec().getDatabase() != null) {
            s.setDatabase(backup.getSpec().getDatabase().getName());
        }
        if (observation.blocker() != null) {
            s.setPhase(Phase.Pending);
            // nothing runs until someone configures storage: Stalled, so GitOps tools stop waiting
            setConditions(s, Outcome.stalled(observation.blockerReason(), observation.blocker()), generation, time);
            if (!observation.blockerReason().equals(readyReason(previous))) {
                events.add(Event.warning(observation.blockerReason(), observation.blocker()));
            }
            return new Result(s, events);
        }

        JobState state = observation.state();
        s.setJobName(observation.jobName());
        s.setBackupId(observation.backupId());
        if (s.getStartedAt() == null) {
            // set once, on the pass that creates the Job: waiting for the Job controller's startTime
            // (a second or so later) would cost every backup a second status write
            s.setStartedAt(state.startTime().orElse(time));
        }
        s.setFailedAttempts(state.failedAttempts());

        if (state.complete()) {
            Optional<RunnerResult> result = state.succeededPod().flatMap(JobState::result);
            if (result.isPresent() && result.get().succeeded() && result.get().sha256() != null) {
                RunnerResult r = result.get();
                s.setPhase(Phase.Succeeded);
                s.setLocation(r.location());
                s.setSizeBytes(r.sizeBytes());
                s.setSize(r.sizeBytes() == null ? null : Sizes.bytes(r.sizeBytes()));
                s.setSha256(r.sha256());
                s.setServerVersion(r.serverVersion());
                s.setPgDumpVersion(r.pgDumpVersion());
                if (r.database() != null) {
                    s.setDatabase(r.database());
                }
                if (r.verification() != null) {
                    s.setVerification(new VerificationStatus(r.verification(), r.verificationMessage()));
                }
                s.setCompletedAt(state.completionTime().orElse(time));
                String message = "stored " + s.getSize() + " at " + r.location() + " (sha256 " + r.sha256() + ")";
                setConditions(s, Outcome.ready("BackupSucceeded", message), generation, time);
                events.add(Event.normal("Succeeded", message));
            } else {
                fail(
                        s,
                        "ResultMissing",
                        "the Job completed but its pod left no verified result, so the backup is not" + " trusted",
                        generation,
                        time,
                        events);
            }
            return new Result(s, events);
        }

        if (state.failedPodPending(now).isPresent()) {
            // the attempt's count and Event wait with the verdict, so both carry the runner's reason
            s.setFailedAttempts(previous.getFailedAttempts());
            String message = "Job " + observation.jobName() + " failed; reading its pod's result";
            setConditions(s, Outcome.reconciling("ReadingResult", message), generation, time);
            return new Result(s, events);
        }

        state.newFailedAttempt(previous.getFailedAttempts() == null ? 0 : previous.getFailedAttempts())
                .ifPresent(detail -> events.add(Event.warning("BackupAttemptFailed", detail)));

        if (state.failed()) {
            JobState.Failure failure = state.failure();
            if ("VerificationFailed".equals(failure.reason())) {
                s.setVerification(new VerificationStatus("Failed", failure.message()));
            }
            s.setCompletedAt(time);
            fail(s, failure.reason(), failure.message(), generation, time, events);
            return new Result(s, events);
        }

        Optional<JobState.StuckPod> stuck = state.stuckPod();
        if (stuck.isPresent()) {
            JobState.StuckPod p = stuck.get();
            String reason = p.conditionReason();
            s.setPhase(Phase.Pending);
            setConditions(s, Outcome.reconciling(reason, p.describe()), generation, time);
            if (!reason.equals(readyReason(previous))) {
                events.add(Event.warning(reason, p.describe()));
            }
            return new Result(s, events);
        }

        if (state.runningPod().isPresent()) {
            s.setPhase(Phase.Running);
            String message = "pg_dump running in pod "
                    + state.runningPod().get().getMetadata().getName()
                    + (state.failedAttempts() > 0 ? " (attempt " + (state.failedAttempts() + 1) + ")" : "");
            setConditions(s, Outcome.reconciling("BackupRunning", message), generation, time);
            if (previous.getPhase() != Phase.Running) {
                events.add(Event.normal("Started", message));
            }
            return new Result(s, events);
        }

        s.setPhase(Phase.Pending);
        String message = state.job() == null
                ? "creating the backup Job"
                : "Job " + observation.jobName() + " is waiting for its pod";
        setConditions(s, Outcome.reconciling("JobPending", message), generation, time);
        return new Result(s, events);
    }

    private static void fail(
            DatabaseBackupStatus s, String reason, String message, long generation, String time, List<Event> events) {
        s.setPhase(Phase.Failed);
        setConditions(s, Outcome.stalled(reason, message), generation, time);
        events.add(Event.warning(reason, message));
    }

    private static void setConditions(DatabaseBackupStatus s, Outcome outcome, long generation, String time) {
        s.setConditions(Conditions.of(s.getConditions(), outcome, generation, time));
    }

    private static String readyReason(DatabaseBackupStatus status) {
        return Conditions.readyReason(status.getConditions());
    }
}
