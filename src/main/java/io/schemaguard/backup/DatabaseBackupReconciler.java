package io.schemaguard.backup;

import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.quarkiverse.operatorsdk.annotations.RBACRule;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.DatabaseBackupStatus;
import io.schemaguard.jobs.JobState;
import io.schemaguard.jobs.Labels;
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
    static final String JOBS = "backup-jobs";
    static final String PODS = "backup-pods";
    private static final Logger LOG = Logger.getLogger(DatabaseBackupReconciler.class);

    @Inject
    OperatorConfig config;

    @Inject
    EventRecorder events;

    @Inject
    Clock clock;

    @Override
    public List<EventSource<?, DatabaseBackup>> prepareEventSources(EventSourceContext<DatabaseBackup> context) {
        String selector = Labels.selector(BackupJobFactory.COMPONENT, BackupJobFactory.KIND);
        var jobs = new InformerEventSource<>(InformerEventSourceConfiguration.from(Job.class, DatabaseBackup.class)
                .withName(JOBS)
                .withLabelSelector(selector)
                .withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(DatabaseBackup.class))
                .build(), context);
        var pods = new InformerEventSource<>(InformerEventSourceConfiguration.from(Pod.class, DatabaseBackup.class)
                .withName(PODS)
                .withLabelSelector(selector)
                .withSecondaryToPrimaryMapper(DatabaseBackupReconciler::ownerOfPod)
                .build(), context);
        return List.of(jobs, pods);
    }

    static Set<ResourceID> ownerOfPod(Pod pod) {
        String owner = pod.getMetadata().getAnnotations() == null ? null
                : pod.getMetadata().getAnnotations().get(Labels.OWNER_NAME_ANNOTATION);
        return owner == null ? Set.of() : Set.of(new ResourceID(owner, pod.getMetadata().getNamespace()));
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
            Job job = context.getSecondaryResource(Job.class, JOBS).orElse(null);
            if (job == null) {
                job = createJob(backup, storage, context);
            }
            List<Pod> pods = context.getSecondaryResourcesAsStream(Pod.class)
                    .filter(p -> jobName.equals(p.getMetadata().getLabels().get("job-name"))
                            || jobName.equals(p.getMetadata().getLabels().get("batch.kubernetes.io/job-name")))
                    .toList();
            observation = BackupStatusAggregator.Observation.ofJob(new JobState(job, pods), jobName,
                    BackupJobFactory.backupId(backup));
        } catch (StorageBinding.NotConfigured e) {
            observation = BackupStatusAggregator.Observation.blocked("StorageNotConfigured", e.getMessage());
        }

        var result = BackupStatusAggregator.aggregate(backup, observation, clock.instant());
        result.events().forEach(e -> events.record(backup, e));
        backup.setStatus(result.status());
        return UpdateControl.patchStatus(backup);
    }

    private Job createJob(DatabaseBackup backup, StorageBinding storage, Context<DatabaseBackup> context) {
        Job desired = BackupJobFactory.build(backup, storage, config.runner());
        try {
            Job created = context.resourceOperations().create(desired);
            LOG.infof("created Job %s/%s for DatabaseBackup %s", created.getMetadata().getNamespace(),
                    created.getMetadata().getName(), backup.getMetadata().getName());
            events.record(backup, EventRecorder.Event.normal("JobCreated", "created Job " + created.getMetadata().getName()
                    + " to back up " + describe(backup)));
            return created;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                // Created by an earlier reconciliation whose event has not reached the informer yet.
                return context.getClient().resource(desired).get();
            }
            throw e;
        }
    }

    private static String describe(DatabaseBackup backup) {
        var db = backup.getSpec().getDatabase();
        return db.getUriSecretRef() != null ? "the database of Secret " + db.getUriSecretRef().getName()
                : db.getName() + " on " + db.getHost() + ":" + db.getPort();
    }
}
