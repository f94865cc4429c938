package io.schemaguard.operator.backup;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.quarkiverse.operatorsdk.annotations.RBACRule;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.DatabaseBackupStatus;
import io.schemaguard.operator.EventRecorder;
import io.schemaguard.operator.OperatorConfig;
import io.schemaguard.operator.jobs.Conditions;
import io.schemaguard.operator.jobs.Labels;
import io.schemaguard.operator.jobs.RunnerJobs;
import io.schemaguard.operator.kube.Applier;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Turns each DatabaseBackup into exactly one Job and reports how it went.
 *
 * <p>The Job is created here rather than by a JOSDK managed dependent on purpose: a dependent is
 * either re-created when missing or deleted when its precondition fails, and a finished backup must
 * do neither. The Job is create-only and owned by the backup, so the garbage collector removes it
 * with the backup and nothing else ever deletes it.
 */
@ControllerConfiguration(name = DatabaseBackupReconciler.NAME, finalizerName = DatabaseBackup.FINALIZER)
@RBACRule(
        apiGroups = "batch",
        resources = "jobs",
        verbs = {"get", "list", "watch", "create", "delete"})
@RBACRule(
        apiGroups = "",
        resources = "pods",
        verbs = {"get", "list", "watch"})
@RBACRule(
        apiGroups = "",
        resources = "events",
        verbs = {"create", "patch"})
public class DatabaseBackupReconciler implements Reconciler<DatabaseBackup>, Cleaner<DatabaseBackup> {
    public static final String NAME = "databasebackup";
    public static final String DELETED = BackupCleanup.DELETED;
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
        return List.of(
                new InformerEventSource<>(
                        InformerEventSourceConfiguration.from(Job.class, DatabaseBackup.class)
                                .withName(RunnerJobs.JOBS)
                                .withLabelSelector(selector)
                                .withSecondaryToPrimaryMapper(RunnerJobs::ownerOfPod)
                                .build(),
                        context),
                RunnerJobs.podInformer(context, selector));
    }

    @Override
    public UpdateControl<DatabaseBackup> reconcile(DatabaseBackup backup, Context<DatabaseBackup> context) {
        String jobName = BackupJobFactory.jobName(backup);
        var step = BackupStatusAggregator.step(
                backup,
                RunnerJobs.job(context, jobName),
                RunnerJobs.podsOf(context, jobName),
                config.defaultStorage(),
                config.runner(),
                clock.instant());
        return applier.apply(backup, context, step);
    }

    /**
     * The finalizer: {@link BackupCleanup} decides (delete the objects by a short Job, stop a running
     * backup first, or keep the resource and say why); a failed delete is tried again when its Job
     * expires. The Deleted condition is written before the actions, so the delete Job is never removed
     * before the resource records that its objects are gone.
     */
    @Override
    public DeleteControl cleanup(DatabaseBackup backup, Context<DatabaseBackup> context) {
        LOG.infof(
                "DatabaseBackup %s/%s deleted (deletionPolicy %s)",
                backup.getMetadata().getNamespace(),
                backup.getMetadata().getName(),
                backup.getSpec().getDeletionPolicy());
        String jobName = BackupJobFactory.jobName(backup);
        String deleteName = BackupJobFactory.deleteJobName(backup);
        var decision = BackupCleanup.decide(
                backup,
                RunnerJobs.job(context, jobName),
                RunnerJobs.podsOf(context, jobName),
                RunnerJobs.job(context, deleteName),
                RunnerJobs.podsOf(context, deleteName),
                config.defaultStorage(),
                config.runner());
        if (decision.deleted() != null) {
            setDeleted(backup, context, decision.deleted());
        }
        applier.carryOut(backup, context, decision.actions());
        decision.events().forEach(e -> events.record(backup, e));
        if (decision.removeFinalizer()) {
            return DeleteControl.defaultDelete();
        }
        DeleteControl keep = DeleteControl.noFinalizerRemoval();
        return decision.recheckAfter() == null ? keep : keep.rescheduleAfter(decision.recheckAfter());
    }

    /** The {@code Deleted} condition, written directly: status cannot be patched through a DeleteControl. */
    private void setDeleted(DatabaseBackup backup, Context<DatabaseBackup> context, BackupCleanup.DeletedCondition c) {
        long generation = backup.getMetadata().getGeneration() == null
                ? 1
                : backup.getMetadata().getGeneration();
        String now = clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
        context.getClient()
                .resources(DatabaseBackup.class)
                .inNamespace(backup.getMetadata().getNamespace())
                .withName(backup.getMetadata().getName())
                .editStatus(b -> {
                    if (b.getStatus() == null) {
                        b.setStatus(new DatabaseBackupStatus());
                    }
                    b.getStatus()
                            .setConditions(Conditions.set(
                                    b.getStatus().getConditions(),
                                    DELETED,
                                    c.done(),
                                    c.reason(),
                                    c.message(),
                                    generation,
                                    now));
                    return b;
                });
    }
}
