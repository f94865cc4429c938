package io.schemaguard.operator.backup;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.DeletionPolicy;
import io.schemaguard.operator.EventRecorder.Event;
import io.schemaguard.operator.OperatorConfig;
import io.schemaguard.operator.jobs.Conditions;
import io.schemaguard.operator.jobs.JobState;
import io.schemaguard.operator.jobs.StorageBinding;
import io.schemaguard.operator.kube.Action;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What deleting a DatabaseBackup does next, as a pure function of the backup, its backup Job and
 * the delete Job (with their pods). With deletionPolicy Delete the objects are deleted by a short Job
 * before the resource goes (the operator never reads storage credentials); a backup still running is
 * stopped first, so it cannot write after the delete; a failed delete keeps the resource and says why.
 */
public final class BackupCleanup {
    /** The condition that records whether the backup's objects are deleted. */
    public static final String DELETED = "Deleted";

    static final Duration POLL = Duration.ofSeconds(2);

    /** The {@code Deleted} condition to write. */
    public record DeletedCondition(boolean done, String reason, String message) {}

    /**
     * @param deleted        the Deleted condition to write first (null: leave it)
     * @param actions        then these, in order
     * @param events         then these
     * @param removeFinalizer the resource may go now
     * @param recheckAfter   look again after this (null: on the next event)
     */
    public record Decision(
            DeletedCondition deleted,
            List<Action> actions,
            List<Event> events,
            boolean removeFinalizer,
            Duration recheckAfter) {
        static Decision remove(Event... events) {
            return new Decision(null, List.of(), List.of(events), true, null);
        }

        static Decision keep(List<Action> actions, List<Event> events, Duration recheckAfter) {
            return new Decision(null, actions, events, false, recheckAfter);
        }
    }

    private BackupCleanup() {}

    public static Decision decide(
            DatabaseBackup backup,
            Job backupJob,
            List<Pod> backupPods,
            Job deleteJob,
            List<Pod> deletePods,
            OperatorConfig.DefaultStorage defaultStorage,
            OperatorConfig.Runner runner) {
        String backupId = BackupJobFactory.backupId(backup);
        if (backup.getSpec().getDeletionPolicy() == DeletionPolicy.Retain) {
            return Decision.remove(Event.normal(
                    "ObjectsRetained", "deletionPolicy Retain: the objects of " + backupId + " stay in storage"));
        }
        StorageBinding storage;
        try {
            storage = StorageBinding.resolve(backup.getSpec().getStorage(), defaultStorage);
        } catch (StorageBinding.NotConfigured e) {
            return Decision.remove(); // it never had anywhere to write
        }
        List<Action> actions = new ArrayList<>();
        List<Event> events = new ArrayList<>();
        JobState backupState = new JobState(backupJob, List.of());
        boolean backupRunning = backupJob != null && !backupState.complete() && !backupState.failed();
        if (backupRunning && backupJob.getMetadata().getDeletionTimestamp() == null) {
            actions.add(Action.delete(backupJob, DeletionPropagation.BACKGROUND));
            events.add(Event.normal(
                    "BackupStopped", "the backup was still running: its Job is deleted before its" + " objects are"));
        }
        boolean writing = backupPods.stream().anyMatch(p -> {
            String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
            return !"Succeeded".equals(phase) && !"Failed".equals(phase);
        });
        if (writing || backupRunning) {
            // wait until no pod of the backup can still write to storage
            return Decision.keep(actions, events, POLL);
        }
        var deletedCondition = Conditions.find(
                backup.getStatus() == null ? null : backup.getStatus().getConditions(), DELETED);
        boolean objectsGone = deletedCondition != null && "True".equals(deletedCondition.getStatus());
        if (deleteJob == null && objectsGone) {
            return Decision.remove(); // its objects are deleted and so is the Job that did it
        }
        if (deleteJob == null) {
            return Decision.keep(
                    List.of(Action.create(
                            BackupJobFactory.buildDelete(backup, storage, runner),
                            Event.normal(
                                    "DeletingObjects",
                                    "created Job " + BackupJobFactory.deleteJobName(backup)
                                            + " to delete the objects of " + backupId + " from storage"))),
                    List.of(),
                    null);
        }
        JobState state = new JobState(deleteJob, deletePods);
        if (state.complete()) {
            DeletedCondition deleted = null;
            if (!objectsGone) {
                String what = state.succeededPod()
                        .flatMap(JobState::result)
                        .map(r -> r.message())
                        .orElse("deleted");
                events.add(Event.normal("ObjectsDeleted", backupId + ": " + what));
                deleted = new DeletedCondition(true, "ObjectsDeleted", what);
            }
            // the delete Job goes first (with its pod), then the resource: nothing of the backup is left
            if (deleteJob.getMetadata().getDeletionTimestamp() == null) {
                actions.add(Action.delete(deleteJob, DeletionPropagation.FOREGROUND));
            }
            return new Decision(deleted, actions, events, false, POLL);
        }
        if (state.failed()) {
            JobState.Failure f = state.failure();
            String message = "deleting the objects of " + backupId + " failed (" + f.reason() + ": " + f.message()
                    + "); the resource stays until they are deleted, tried again in "
                    + BackupJobFactory.DELETE_JOB_TTL_SECONDS / 60 + " min (or set deletionPolicy: Retain on a new"
                    + " backup, or remove the finalizer by hand to give up)";
            if (deletedCondition == null
                    || !"False".equals(deletedCondition.getStatus())
                    || !message.equals(deletedCondition.getMessage())) {
                return new Decision(
                        new DeletedCondition(false, f.reason(), message),
                        List.of(),
                        List.of(Event.warning("DeleteFailed", message)),
                        false,
                        null);
            }
        }
        return Decision.keep(List.of(), List.of(), null);
    }
}
