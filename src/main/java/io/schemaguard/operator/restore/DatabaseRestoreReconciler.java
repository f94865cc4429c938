package io.schemaguard.operator.restore;

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
import io.schemaguard.operator.OperatorConfig;
import io.schemaguard.operator.jobs.Labels;
import io.schemaguard.operator.jobs.RunnerJobs;
import io.schemaguard.operator.kube.Applier;
import io.schemaguard.operator.metrics.RunEnd;
import io.schemaguard.operator.metrics.RunMetrics;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns each DatabaseRestore into (for a Replace) a safety DatabaseBackup of the target, then one
 * restore Job, and reports how it went. Like backups, the Job is created here, once, and never
 * re-created or deleted by the operator; deleting the restore leaves the database alone.
 */
@ControllerConfiguration(name = DatabaseRestoreReconciler.NAME)
@RBACRule(
        apiGroups = "batch",
        resources = "jobs",
        verbs = {"get", "list", "watch", "create"})
@RBACRule(
        apiGroups = "",
        resources = "pods",
        verbs = {"get", "list", "watch"})
@RBACRule(
        apiGroups = "",
        resources = "events",
        verbs = {"create", "patch"})
@RBACRule(
        apiGroups = "schemaguard.io",
        resources = "databasebackups",
        verbs = {"get", "list", "watch", "create"})
public class DatabaseRestoreReconciler implements Reconciler<DatabaseRestore> {
    public static final String NAME = "databaserestore";
    static final String BACKUPS = "restore-backups";
    static final String SOURCE_INDEX = "source-backup";

    @Inject
    OperatorConfig config;

    @Inject
    Clock clock;

    @Inject
    Applier applier;

    @Inject
    RunMetrics metrics;

    @Override
    public List<EventSource<?, DatabaseRestore>> prepareEventSources(EventSourceContext<DatabaseRestore> context) {
        var jobs = RunnerJobs.jobInformer(context, RestoreJobFactory.COMPONENT, RestoreJobFactory.KIND);
        var pods = RunnerJobs.podInformer(context, RestoreJobFactory.COMPONENT, RestoreJobFactory.KIND);
        // A restore follows two DatabaseBackups it does not own: its source, and its safety backup.
        context.getPrimaryCache()
                .addIndexer(
                        SOURCE_INDEX,
                        r -> r.getSpec().getSource() == null
                                        || r.getSpec().getSource().getBackupName() == null
                                ? List.of()
                                : List.of(r.getMetadata().getNamespace() + "/"
                                        + r.getSpec().getSource().getBackupName()));
        var backups = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(DatabaseBackup.class, DatabaseRestore.class)
                        .withName(BACKUPS)
                        .withSecondaryToPrimaryMapper(b -> {
                            Set<ResourceID> ids = new HashSet<>();
                            context.getPrimaryCache()
                                    .byIndex(
                                            SOURCE_INDEX,
                                            b.getMetadata().getNamespace() + "/"
                                                    + b.getMetadata().getName())
                                    .forEach(r -> ids.add(ResourceID.fromResource(r)));
                            String safetyFor = b.getMetadata().getAnnotations() == null
                                    ? null
                                    : b.getMetadata().getAnnotations().get(Labels.SAFETY_BACKUP_FOR_ANNOTATION);
                            if (safetyFor != null) {
                                ids.add(new ResourceID(
                                        safetyFor, b.getMetadata().getNamespace()));
                            }
                            return ids;
                        })
                        .withPrimaryToSecondaryMapper((DatabaseRestore r) -> {
                            Set<ResourceID> ids = new HashSet<>();
                            if (r.getSpec().getSource() != null
                                    && r.getSpec().getSource().getBackupName() != null) {
                                ids.add(new ResourceID(
                                        r.getSpec().getSource().getBackupName(),
                                        r.getMetadata().getNamespace()));
                            }
                            ids.add(new ResourceID(
                                    RestorePlan.safetyBackupName(r),
                                    r.getMetadata().getNamespace()));
                            return ids;
                        })
                        .build(),
                context);
        return List.of(jobs, pods, backups);
    }

    @Override
    public UpdateControl<DatabaseRestore> reconcile(DatabaseRestore restore, Context<DatabaseRestore> context) {
        String namespace = restore.getMetadata().getNamespace();
        RunEnd before = runEnd(restore.getStatus());
        List<DatabaseBackup> related = context.getSecondaryResourcesAsStream(DatabaseBackup.class)
                .filter(b -> namespace.equals(b.getMetadata().getNamespace()))
                .toList();
        var step = RestorePlan.step(
                restore,
                related,
                RunnerJobs.existingJob(context),
                RunnerJobs.podsOf(context, RestoreJobFactory.jobName(restore)),
                config.defaultStorage(),
                config.runner(),
                clock.instant());
        var control = applier.apply(restore, context, step);
        var after = step.status();
        if (metrics != null && after != null) {
            metrics.restore(
                    namespace,
                    restore.getSpec().getMode() == null
                            ? ""
                            : restore.getSpec().getMode().name(),
                    before,
                    runEnd(after),
                    after.getStartedAt(),
                    after.getCompletedAt());
        }
        return control;
    }

    /** A restore has one run: its phase alone says whether it has ended. */
    static RunEnd runEnd(DatabaseRestoreStatus status) {
        if (status == null || status.getPhase() == null) {
            return RunEnd.NONE;
        }
        return new RunEnd("", status.getPhase().name(), status.getPhase().isTerminal());
    }
}
