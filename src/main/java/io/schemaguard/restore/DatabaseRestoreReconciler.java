package io.schemaguard.restore;

import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.quarkiverse.operatorsdk.annotations.RBACRule;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.DatabaseRestore;
import io.schemaguard.api.DatabaseRestoreStatus;
import io.schemaguard.api.Phase;
import io.schemaguard.jobs.JobState;
import io.schemaguard.jobs.RunnerJobs;
import io.schemaguard.jobs.StorageBinding;
import io.schemaguard.operator.EventRecorder;
import io.schemaguard.operator.OperatorConfig;

/**
 * Turns each DatabaseRestore into (for a Replace) a safety DatabaseBackup of the target, then one
 * restore Job, and reports how it went. Like backups, the Job is created here, once, and never
 * re-created or deleted by the operator; deleting the restore leaves the database alone.
 */
@ControllerConfiguration(name = DatabaseRestoreReconciler.NAME)
@RBACRule(apiGroups = "batch", resources = "jobs", verbs = { "get", "list", "watch", "create" })
@RBACRule(apiGroups = "", resources = "pods", verbs = { "get", "list", "watch" })
@RBACRule(apiGroups = "", resources = "events", verbs = { "create", "patch" })
@RBACRule(apiGroups = "schemaguard.io", resources = "databasebackups", verbs = { "get", "list", "watch", "create" })
public class DatabaseRestoreReconciler implements Reconciler<DatabaseRestore> {
    public static final String NAME = "databaserestore";
    static final String BACKUPS = "restore-backups";
    static final String SOURCE_INDEX = "source-backup";
    private static final Logger LOG = Logger.getLogger(DatabaseRestoreReconciler.class);

    @Inject
    OperatorConfig config;

    @Inject
    EventRecorder events;

    @Inject
    Clock clock;

    @Override
    public List<EventSource<?, DatabaseRestore>> prepareEventSources(EventSourceContext<DatabaseRestore> context) {
        var jobs = RunnerJobs.jobInformer(context, RestoreJobFactory.COMPONENT, RestoreJobFactory.KIND);
        var pods = RunnerJobs.podInformer(context, RestoreJobFactory.COMPONENT, RestoreJobFactory.KIND);
        // A restore follows two DatabaseBackups it does not own: its source, and its safety backup.
        context.getPrimaryCache().addIndexer(SOURCE_INDEX, r -> r.getSpec().getSource() == null
                || r.getSpec().getSource().getBackupName() == null ? List.of()
                        : List.of(r.getMetadata().getNamespace() + "/" + r.getSpec().getSource().getBackupName()));
        var backups = new InformerEventSource<>(InformerEventSourceConfiguration.from(DatabaseBackup.class,
                DatabaseRestore.class)
                .withName(BACKUPS)
                .withSecondaryToPrimaryMapper(b -> {
                    Set<ResourceID> ids = new HashSet<>();
                    context.getPrimaryCache().byIndex(SOURCE_INDEX, b.getMetadata().getNamespace() + "/"
                            + b.getMetadata().getName()).forEach(r -> ids.add(ResourceID.fromResource(r)));
                    String safetyFor = b.getMetadata().getAnnotations() == null ? null
                            : b.getMetadata().getAnnotations().get(RestorePlan.SAFETY_FOR_LABEL);
                    if (safetyFor != null) {
                        ids.add(new ResourceID(safetyFor, b.getMetadata().getNamespace()));
                    }
                    return ids;
                })
                .withPrimaryToSecondaryMapper((DatabaseRestore r) -> {
                    Set<ResourceID> ids = new HashSet<>();
                    if (r.getSpec().getSource() != null && r.getSpec().getSource().getBackupName() != null) {
                        ids.add(new ResourceID(r.getSpec().getSource().getBackupName(), r.getMetadata().getNamespace()));
                    }
                    ids.add(new ResourceID(RestorePlan.safetyBackupName(r), r.getMetadata().getNamespace()));
                    return ids;
                })
                .build(), context);
        return List.of(jobs, pods, backups);
    }

    @Override
    public UpdateControl<DatabaseRestore> reconcile(DatabaseRestore restore, Context<DatabaseRestore> context) {
        DatabaseRestoreStatus status = restore.getStatus();
        if (status != null && status.getPhase() != null && status.getPhase().isTerminal()) {
            if (Objects.equals(status.getObservedGeneration(), restore.getMetadata().getGeneration())) {
                return UpdateControl.noUpdate();
            }
            status.setObservedGeneration(restore.getMetadata().getGeneration());
            return UpdateControl.patchStatus(restore);
        }
        var result = RestoreStatusAggregator.aggregate(restore, observe(restore, context), clock.instant());
        result.events().forEach(e -> events.record(restore, e));
        restore.setStatus(result.status());
        return UpdateControl.patchStatus(restore);
    }

    private RestoreStatusAggregator.Observation observe(DatabaseRestore restore, Context<DatabaseRestore> context) {
        String namespace = restore.getMetadata().getNamespace();
        List<DatabaseBackup> related = context.getSecondaryResourcesAsStream(DatabaseBackup.class)
                .filter(b -> namespace.equals(b.getMetadata().getNamespace())).toList();
        String sourceName = restore.getSpec().getSource().getBackupName();
        DatabaseBackup named = sourceName == null ? null
                : related.stream().filter(b -> sourceName.equals(b.getMetadata().getName())).findFirst().orElse(null);
        RestorePlan.SourceState source = RestorePlan.source(restore, named);
        if (source.source() == null) {
            return source.terminal() ? RestoreStatusAggregator.Observation.failed(source.waitReason(), source.message(), null)
                    : RestoreStatusAggregator.Observation.waiting(source.waitReason(), source.message(), null);
        }

        Job job = RunnerJobs.existingJob(context);
        String safetyName = null;
        if (job == null && RestorePlan.needsSafetyBackup(restore.getSpec())) {
            safetyName = RestorePlan.safetyBackupName(restore);
            String wanted = safetyName;
            DatabaseBackup safety = related.stream().filter(b -> wanted.equals(b.getMetadata().getName())).findFirst()
                    .orElse(null);
            if (safety == null) {
                createSafetyBackup(restore, source.source(), context);
                return RestoreStatusAggregator.Observation.waiting("TakingSafetyBackup",
                        "backing up the target as DatabaseBackup " + safetyName + " before replacing it", safetyName);
            }
            Phase phase = safety.getStatus() == null ? null : safety.getStatus().getPhase();
            if (phase == Phase.Failed) {
                return RestoreStatusAggregator.Observation.failed("SafetyBackupFailed", "the safety backup "
                        + safetyName + " failed, so the target was not touched: " + readyMessage(safety), safetyName);
            }
            if (phase != Phase.Succeeded) {
                return RestoreStatusAggregator.Observation.waiting("TakingSafetyBackup",
                        "backing up the target as DatabaseBackup " + safetyName + " before replacing it", safetyName);
            }
        } else if (RestorePlan.needsSafetyBackup(restore.getSpec())) {
            safetyName = RestorePlan.safetyBackupName(restore);
        }

        StorageBinding storage;
        try {
            storage = StorageBinding.resolve(source.source().storage(), config.defaultStorage());
        } catch (StorageBinding.NotConfigured e) {
            return RestoreStatusAggregator.Observation.waiting("StorageNotConfigured", e.getMessage(), safetyName);
        }
        String backupId = source.source().backupId();
        if (job == null) {
            job = RunnerJobs.createOnce(context, RestoreJobFactory.build(restore, backupId, storage, config.runner()),
                    created -> {
                        LOG.infof("created Job %s/%s for DatabaseRestore %s", created.getMetadata().getNamespace(),
                                created.getMetadata().getName(), restore.getMetadata().getName());
                        events.record(restore, EventRecorder.Event.normal("JobCreated", "created Job "
                                + created.getMetadata().getName() + " to restore " + backupId));
                    });
        }
        String jobName = RestoreJobFactory.jobName(restore);
        return RestoreStatusAggregator.Observation.ofJob(new JobState(job, RunnerJobs.podsOf(context, jobName)), jobName,
                backupId, safetyName);
    }

    private void createSafetyBackup(DatabaseRestore restore, RestorePlan.Source source, Context<DatabaseRestore> context) {
        DatabaseBackup safety = RestorePlan.safetyBackup(restore, source);
        try {
            context.resourceOperations().create(safety);
            events.record(restore, EventRecorder.Event.normal("SafetyBackupCreated", "created DatabaseBackup "
                    + safety.getMetadata().getName() + " of the target before replacing it"));
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
        }
    }

    private static String readyMessage(DatabaseBackup b) {
        return b.getStatus() == null || b.getStatus().getConditions() == null ? "" : b.getStatus().getConditions().stream()
                .filter(c -> "Ready".equals(c.getType())).map(c -> c.getReason() + ": " + c.getMessage()).findFirst()
                .orElse("");
    }
}
