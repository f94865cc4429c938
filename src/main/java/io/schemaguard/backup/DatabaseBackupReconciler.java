package io.schemaguard.backup;

import java.time.Clock;
import java.util.List;
import java.util.Objects;

import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.reconciler.Context;
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
@RBACRule(apiGroups = "batch", resources = "jobs", verbs = { "get", "list", "watch", "create" })
@RBACRule(apiGroups = "", resources = "pods", verbs = { "get", "list", "watch" })
@RBACRule(apiGroups = "", resources = "events", verbs = { "create", "patch" })
public class DatabaseBackupReconciler implements Reconciler<DatabaseBackup> {
    public static final String NAME = "databasebackup";
    private static final Logger LOG = Logger.getLogger(DatabaseBackupReconciler.class);

    @Inject
    OperatorConfig config;

    @Inject
    EventRecorder events;

    @Inject
    Clock clock;

    @Override
    public List<EventSource<?, DatabaseBackup>> prepareEventSources(EventSourceContext<DatabaseBackup> context) {
        return List.of(RunnerJobs.jobInformer(context, BackupJobFactory.COMPONENT, BackupJobFactory.KIND),
                RunnerJobs.podInformer(context, BackupJobFactory.COMPONENT, BackupJobFactory.KIND));
    }

    @Override
    public UpdateControl<DatabaseBackup> reconcile(DatabaseBackup backup, Context<DatabaseBackup> context) {
        DatabaseBackupStatus status = backup.getStatus();
        if (status != null && status.getPhase() != null && status.getPhase().isTerminal()) {
            if (Objects.equals(status.getObservedGeneration(), backup.getMetadata().getGeneration())) {
                return UpdateControl.noUpdate();
            }
            status.setObservedGeneration(backup.getMetadata().getGeneration());
            return UpdateControl.patchStatus(backup);
        }

        BackupStatusAggregator.Observation observation;
        try {
            StorageBinding storage = StorageBinding.resolve(backup.getSpec().getStorage(), config.defaultStorage());
            String jobName = BackupJobFactory.jobName(backup);
            Job job = RunnerJobs.existingJob(context);
            if (job == null) {
                job = RunnerJobs.createOnce(context, BackupJobFactory.build(backup, storage, config.runner()), created -> {
                    LOG.infof("created Job %s/%s for DatabaseBackup %s", created.getMetadata().getNamespace(),
                            created.getMetadata().getName(), backup.getMetadata().getName());
                    events.record(backup, EventRecorder.Event.normal("JobCreated", "created Job "
                            + created.getMetadata().getName() + " to back up " + describe(backup)));
                });
            }
            observation = BackupStatusAggregator.Observation.ofJob(new JobState(job, RunnerJobs.podsOf(context, jobName)),
                    jobName, BackupJobFactory.backupId(backup));
        } catch (StorageBinding.NotConfigured e) {
            observation = BackupStatusAggregator.Observation.blocked("StorageNotConfigured", e.getMessage());
        }

        var result = BackupStatusAggregator.aggregate(backup, observation, clock.instant());
        result.events().forEach(e -> events.record(backup, e));
        backup.setStatus(result.status());
        return UpdateControl.patchStatus(backup);
    }

    private static String describe(DatabaseBackup backup) {
        var db = backup.getSpec().getDatabase();
        return db.getUriSecretRef() != null ? "the database of Secret " + db.getUriSecretRef().getName()
                : db.getName() + " on " + db.getHost() + ":" + db.getPort();
    }
}
