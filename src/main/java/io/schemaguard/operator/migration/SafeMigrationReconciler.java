package io.schemaguard.operator.migration;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import io.quarkiverse.operatorsdk.annotations.RBACRule;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.DatabaseRestore;
import io.schemaguard.api.SafeMigration;
import io.schemaguard.api.SafeMigrationStatus;
import io.schemaguard.operator.OperatorConfig;
import io.schemaguard.operator.jobs.JobState;
import io.schemaguard.operator.jobs.Labels;
import io.schemaguard.operator.jobs.RunnerJobs;
import io.schemaguard.operator.kube.Applier;
import io.schemaguard.operator.kube.Step;
import io.schemaguard.operator.metrics.RunEnd;
import io.schemaguard.operator.metrics.RunMetrics;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Drives a SafeMigration run: reads what its children show, lets {@link MigrationProgress} decide,
 * and creates the one child it asks for (a plan, rehearse, migrate or check Job, a DatabaseBackup, a
 * DatabaseRestore). Children are named after the generation and backup attempt and created once.
 */
@ControllerConfiguration(name = SafeMigrationReconciler.NAME)
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
@RBACRule(
        apiGroups = "schemaguard.io",
        resources = "databaserestores",
        verbs = {"get", "list", "watch", "create"})
public class SafeMigrationReconciler implements Reconciler<SafeMigration> {
    public static final String NAME = "safemigration";
    static final String BACKUPS = "migration-backups";
    static final String RESTORES = "migration-restores";

    @Inject
    OperatorConfig config;

    @Inject
    Clock clock;

    @Inject
    Applier applier;

    @Inject
    RunMetrics metrics;

    @Override
    public List<EventSource<?, SafeMigration>> prepareEventSources(EventSourceContext<SafeMigration> context) {
        String selector = Labels.selector(MigrationJobFactory.KIND);
        // only the backups SafeMigrations take (labelled so), not every DatabaseBackup of the cluster
        var backups = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(DatabaseBackup.class, SafeMigration.class)
                        .withName(BACKUPS)
                        .withLabelSelector(Labels.SAFE_MIGRATION)
                        .withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(SafeMigration.class))
                        .build(),
                context);
        var restores = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(DatabaseRestore.class, SafeMigration.class)
                        .withName(RESTORES)
                        .withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(SafeMigration.class))
                        .build(),
                context);
        return List.of(
                RunnerJobs.jobInformer(context, selector),
                RunnerJobs.podInformer(context, selector),
                backups,
                restores);
    }

    @Override
    public UpdateControl<SafeMigration> reconcile(SafeMigration m, Context<SafeMigration> context) {
        SafeMigrationStatus status = m.getStatus();
        var run = status == null ? null : status.getCurrentRun();
        RunEnd before = runEnd(run);
        if (run != null
                && Objects.equals(run.getGeneration(), m.getMetadata().getGeneration())
                && run.getPhase() != null
                && run.getPhase().isTerminal()) {
            if (Objects.equals(status.getObservedGeneration(), m.getMetadata().getGeneration())) {
                return UpdateControl.noUpdate();
            }
        }
        int attempt = run == null || run.getBackupAttempts() == null ? 1 : run.getBackupAttempts();
        var observation = new MigrationProgress.Observation(
                jobState(context, MigrationJobFactory.jobName(m, MigrationJobFactory.Step.plan, 1)),
                secondary(context, DatabaseBackup.class, MigrationJobFactory.backupName(m, attempt)),
                jobState(context, MigrationJobFactory.jobName(m, MigrationJobFactory.Step.rehearse, attempt)),
                jobState(context, MigrationJobFactory.jobName(m, MigrationJobFactory.Step.migrate, attempt)),
                jobState(context, MigrationJobFactory.jobName(m, MigrationJobFactory.Step.check, attempt)),
                secondary(context, DatabaseRestore.class, MigrationJobFactory.restoreName(m)),
                MigrationQueue.databaseBusy(
                        m,
                        context.getPrimaryCache()
                                .list(m.getMetadata().getNamespace())
                                .toList()));
        Instant now = clock.instant();
        var result = MigrationProgress.next(m, observation, now);
        var step = new Step<>(
                result.status(),
                result.events(),
                MigrationChildren.toCreate(
                        m,
                        result,
                        context.getSecondaryResourcesAsStream(DatabaseBackup.class)
                                .toList(),
                        config.defaultStorage(),
                        config.runner()),
                observation.failedPodPending(now).orElse(null));
        var control = applier.apply(m, context, step);
        var after = result.status() == null ? null : result.status().getCurrentRun();
        if (metrics != null && after != null) {
            String engine = m.getSpec().getEngine() == null
                    ? ""
                    : m.getSpec().getEngine().cliName();
            metrics.migration(
                    m.getMetadata().getNamespace(),
                    engine.isEmpty() ? engine : Character.toUpperCase(engine.charAt(0)) + engine.substring(1),
                    before,
                    runEnd(after),
                    after.getStartedAt(),
                    after.getCompletedAt());
        }
        return control;
    }

    /** A SafeMigration runs once per generation: a run is its generation, ended when its phase is. */
    static RunEnd runEnd(SafeMigrationStatus.MigrationRun run) {
        if (run == null || run.getPhase() == null) {
            return RunEnd.NONE;
        }
        return new RunEnd(
                String.valueOf(run.getGeneration()),
                run.getPhase().name(),
                run.getPhase().isTerminal());
    }

    private static JobState jobState(Context<SafeMigration> context, String name) {
        Job job = RunnerJobs.job(context, name);
        return job == null ? null : new JobState(job, RunnerJobs.podsOf(context, name));
    }

    private static <T extends HasMetadata> T secondary(Context<SafeMigration> context, Class<T> type, String name) {
        return context.getSecondaryResourcesAsStream(type)
                .filter(r -> name.equals(r.getMetadata().getName()))
                .findFirst()
                .orElse(null);
    }
}
