package io.schemaguard.backup;

import java.time.Clock;
import java.util.List;

import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.schemaguard.api.DeletionPolicy;
import io.schemaguard.jobs.Conditions;
import io.schemaguard.jobs.Labels;
import java.time.Duration;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.quarkiverse.operatorsdk.annotations.RBACRule;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.DatabaseBackupStatus;
import io.schemaguard.jobs.JobState;
import io.schemaguard.jobs.RunnerJobs;
import io.schemaguard.jobs.StorageBinding;
import io.schemaguard.kube.Action;
import io.schemaguard.kube.Applier;
import io.schemaguard.operator.EventRecorder;
import io.schemaguard.operator.OperatorConfig;

/**
 * Turns each DatabaseBackup into exactly one Job and reports how it went.
 *
 * <p>The Job is created here rather than by a JOSDK managed dependent on purpose: a dependent is
 * either re-created when missing or deleted when its precondition fails, and a finished backup must
 * do neither. The Job is create-only and owned by the backup, so the garbage collector removes it
 * with the backup and nothing else ever deletes it.
 */
@ControllerConfiguration(name = DatabaseBackupReconciler.NAME)
@RBACRule(apiGroups = "batch", resources = "jobs", verbs = { "get", "list", "watch", "create", "delete" })
@RBACRule(apiGroups = "", resources = "pods", verbs = { "get", "list", "watch" })
@RBACRule(apiGroups = "", resources = "events", verbs = { "create", "patch" })
public class DatabaseBackupReconciler implements Reconciler<DatabaseBackup>, Cleaner<DatabaseBackup> {
    public static final String NAME = "databasebackup";
    public static final String DELETED = "Deleted";
    private static final Logger LOG = Logger.getLogger(DatabaseBackupReconciler.class);

    @Inject
    OperatorConfig config;

    @Inject
    EventRecorder events;

    @Inject
    Clock clock;

    @Inject
    Applier applier;

    @Override
    public List<EventSource<?, DatabaseBackup>> prepareEventSources(EventSourceContext<DatabaseBackup> context) {
        // One informer for both of a backup's Jobs (its backup Job, owned; its delete Job, not owned),
        // mapped by the owner-name annotation every runner Job and pod carries: with two Job sources
        // the SDK would cache the Jobs this reconciler creates in whichever comes first.
        String selector = Labels.selector(BackupJobFactory.KIND);
        return List.of(new InformerEventSource<>(InformerEventSourceConfiguration.from(Job.class, DatabaseBackup.class)
                        .withName(RunnerJobs.JOBS).withLabelSelector(selector)
                        .withSecondaryToPrimaryMapper(RunnerJobs::ownerOfPod).build(), context),
                RunnerJobs.podInformer(context, selector));
    }

    @Override
    public UpdateControl<DatabaseBackup> reconcile(DatabaseBackup backup, Context<DatabaseBackup> context) {
        String jobName = BackupJobFactory.jobName(backup);
        var step = BackupStatusAggregator.step(backup, RunnerJobs.job(context, jobName),
                RunnerJobs.podsOf(context, jobName), config.defaultStorage(), config.runner(), clock.instant());
        return applier.apply(backup, context, step);
    }

    /**
     * The finalizer: with deletionPolicy Delete the backup's objects are deleted by a short Job before
     * the resource goes (the operator never reads storage credentials). A backup still running is
     * stopped first, so it cannot write after the delete. A failed delete keeps the resource, says why
     * in a {@code Deleted=False} condition and an Event, and is tried again when its Job expires.
     */
    @Override
    public DeleteControl cleanup(DatabaseBackup backup, Context<DatabaseBackup> context) {
        LOG.infof("DatabaseBackup %s/%s deleted (deletionPolicy %s)", backup.getMetadata().getNamespace(),
                backup.getMetadata().getName(), backup.getSpec().getDeletionPolicy());
        if (backup.getSpec().getDeletionPolicy() == DeletionPolicy.Retain) {
            events.record(backup, EventRecorder.Event.normal("ObjectsRetained", "deletionPolicy Retain: the objects of "
                    + BackupJobFactory.backupId(backup) + " stay in storage"));
            return DeleteControl.defaultDelete();
        }
        StorageBinding storage;
        try {
            storage = StorageBinding.resolve(backup.getSpec().getStorage(), config.defaultStorage());
        } catch (StorageBinding.NotConfigured e) {
            return DeleteControl.defaultDelete(); // it never had anywhere to write
        }
        Job backupJob = RunnerJobs.job(context, BackupJobFactory.jobName(backup));
        boolean backupRunning = backupJob != null && !new JobState(backupJob, List.of()).complete()
                && !new JobState(backupJob, List.of()).failed();
        if (backupRunning && backupJob.getMetadata().getDeletionTimestamp() == null) {
            context.getClient().resource(backupJob).withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
            events.record(backup, EventRecorder.Event.normal("BackupStopped", "the backup was still running: its Job"
                    + " is deleted before its objects are"));
        }
        boolean writing = RunnerJobs.podsOf(context, BackupJobFactory.jobName(backup)).stream().anyMatch(p -> {
            String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
            return !"Succeeded".equals(phase) && !"Failed".equals(phase);
        });
        if (writing || backupRunning) {
            LOG.debugf("DatabaseBackup %s/%s: waiting for its backup pod to stop before deleting its objects",
                    backup.getMetadata().getNamespace(), backup.getMetadata().getName());
            // wait until no pod of the backup can still write to storage
            return DeleteControl.noFinalizerRemoval().rescheduleAfter(Duration.ofSeconds(2));
        }
        String name = BackupJobFactory.deleteJobName(backup);
        Job delete = RunnerJobs.job(context, name);
        var deletedCondition = Conditions.find(backup.getStatus() == null ? null : backup.getStatus().getConditions(),
                DELETED);
        boolean objectsGone = deletedCondition != null && "True".equals(deletedCondition.getStatus());
        if (delete == null && objectsGone) {
            return DeleteControl.defaultDelete(); // its objects are deleted and so is the Job that did it
        }
        if (delete == null) {
            applier.carryOut(backup, context, List.of(Action.create(BackupJobFactory.buildDelete(backup, storage,
                    config.runner()), EventRecorder.Event.normal("DeletingObjects", "created Job " + name
                            + " to delete the objects of " + BackupJobFactory.backupId(backup) + " from storage"))));
            return DeleteControl.noFinalizerRemoval();
        }
        JobState state = new JobState(delete, RunnerJobs.podsOf(context, name));
        if (state.complete()) {
            if (!objectsGone) {
                String what = state.succeededPod().flatMap(JobState::result).map(r -> r.message()).orElse("deleted");
                events.record(backup, EventRecorder.Event.normal("ObjectsDeleted", BackupJobFactory.backupId(backup)
                        + ": " + what));
                setDeleted(backup, context, true, "ObjectsDeleted", what);
            }
            // the delete Job goes first (with its pod), then the resource: nothing of the backup is left
            if (delete.getMetadata().getDeletionTimestamp() == null) {
                context.getClient().resource(delete).withPropagationPolicy(DeletionPropagation.FOREGROUND).delete();
            }
            return DeleteControl.noFinalizerRemoval().rescheduleAfter(Duration.ofSeconds(2));
        }
        if (state.failed()) {
            JobState.Failure f = state.failure();
            String message = "deleting the objects of " + BackupJobFactory.backupId(backup) + " failed (" + f.reason()
                    + ": " + f.message() + "); the resource stays until they are deleted, tried again in "
                    + BackupJobFactory.DELETE_JOB_TTL_SECONDS / 60 + " min (or set deletionPolicy: Retain on a new"
                    + " backup, or remove the finalizer by hand to give up)";
            if (deletedCondition == null || !"False".equals(deletedCondition.getStatus())
                    || !message.equals(deletedCondition.getMessage())) {
                events.record(backup, EventRecorder.Event.warning("DeleteFailed", message));
                setDeleted(backup, context, false, f.reason(), message);
            }
            return DeleteControl.noFinalizerRemoval();
        }
        return DeleteControl.noFinalizerRemoval();
    }

    /** The {@code Deleted} condition, written directly: status cannot be patched through a DeleteControl. */
    private void setDeleted(DatabaseBackup backup, Context<DatabaseBackup> context, boolean done, String reason,
            String message) {
        long generation = backup.getMetadata().getGeneration() == null ? 1 : backup.getMetadata().getGeneration();
        String now = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
        context.getClient().resources(DatabaseBackup.class).inNamespace(backup.getMetadata().getNamespace())
                .withName(backup.getMetadata().getName()).editStatus(b -> {
                    if (b.getStatus() == null) {
                        b.setStatus(new DatabaseBackupStatus());
                    }
                    b.getStatus().setConditions(Conditions.set(b.getStatus().getConditions(), DELETED, done, reason,
                            message, generation, now));
                    return b;
                });
    }
}
