package io.schemaguard.operator.schedule;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.quarkiverse.operatorsdk.annotations.RBACRule;
import io.schemaguard.api.BackupSchedule;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.Phase;
import io.schemaguard.operator.EventRecorder;
import io.schemaguard.operator.OperatorConfig;
import io.schemaguard.operator.backup.BackupJobFactory;
import io.schemaguard.operator.jobs.JobState;
import io.schemaguard.operator.jobs.Labels;
import io.schemaguard.operator.jobs.RunnerJobs;
import io.schemaguard.operator.jobs.StorageBinding;
import io.schemaguard.operator.kube.Action;
import io.schemaguard.operator.kube.Applier;
import io.schemaguard.operator.kube.Statuses;
import io.schemaguard.operator.kube.Step;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Runs a BackupSchedule: reads its backups from an informer, lets {@link ScheduleProgress} decide,
 * creates the run's DatabaseBackup (named after its cron time, so it is created once whatever
 * happens to the operator), deletes what retention prunes (each backup's finalizer deletes its
 * object), and wakes up again when the next run is due.
 */
@ControllerConfiguration(name = BackupScheduleReconciler.NAME)
@RBACRule(
        apiGroups = "",
        resources = "events",
        verbs = {"create", "patch"})
@RBACRule(
        apiGroups = "batch",
        resources = "jobs",
        verbs = {"get", "list", "watch", "create"})
@RBACRule(
        apiGroups = "",
        resources = "pods",
        verbs = {"get", "list", "watch"})
@RBACRule(
        apiGroups = "schemaguard.io",
        resources = "databasebackups",
        verbs = {"get", "list", "watch", "create", "delete"})
public class BackupScheduleReconciler implements Reconciler<BackupSchedule> {
    public static final String NAME = "backupschedule";
    static final String BACKUPS = "schedule-backups";
    /** Wake up a little after the due time, so the clock read then is past it. */
    static final Duration SLACK = Duration.ofMillis(100);

    @Inject
    Clock clock;

    @Inject
    ScheduleMetrics metrics;

    @Inject
    OperatorConfig config;

    @Inject
    Applier applier;

    @Inject
    EventRecorder events;

    @Override
    public List<EventSource<?, BackupSchedule>> prepareEventSources(EventSourceContext<BackupSchedule> context) {
        return List.of(
                RunnerJobs.jobInformer(context, OrphanScans.COMPONENT, OrphanScans.KIND),
                RunnerJobs.podInformer(context, OrphanScans.COMPONENT, OrphanScans.KIND),
                new InformerEventSource<>(
                        InformerEventSourceConfiguration.from(DatabaseBackup.class, BackupSchedule.class)
                                .withName(BACKUPS)
                                .withLabelSelector(Labels.SCHEDULE)
                                .withSecondaryToPrimaryMapper(b -> {
                                    var a = b.getMetadata().getAnnotations();
                                    String schedule = a == null ? null : a.get(Labels.SCHEDULE_NAME_ANNOTATION);
                                    return schedule == null
                                            ? Set.of()
                                            : Set.of(new ResourceID(
                                                    schedule, b.getMetadata().getNamespace()));
                                })
                                .build(),
                        context));
    }

    @Override
    public UpdateControl<BackupSchedule> reconcile(BackupSchedule schedule, Context<BackupSchedule> context) {
        Instant now = clock.instant();
        List<DatabaseBackup> backups =
                context.getSecondaryResourcesAsStream(DatabaseBackup.class).toList();
        String scanName = schedule.getStatus() == null || schedule.getStatus().getOrphans() == null
                ? null
                : schedule.getStatus().getOrphans().getJobName();
        Job scan = scanName == null ? null : RunnerJobs.job(context, scanName);
        var result = ScheduleProgress.next(
                schedule, backups, scan == null ? null : new JobState(scan, RunnerJobs.podsOf(context, scanName)), now);
        String ns = schedule.getMetadata().getNamespace();
        List<Action> actions = new ArrayList<>();
        result.deleteRunning().forEach(running -> actions.add(Action.delete(DatabaseBackup.class, ns, running)));
        if (result.create() != null) {
            // a conflict is the same run, created by an earlier pass whose status patch did not land
            actions.add(Action.create(result.create()));
        }
        result.prune().keySet().forEach(pruned -> actions.add(Action.delete(DatabaseBackup.class, ns, pruned)));
        if (result.startOrphanScan() != null) {
            orphanScan(schedule, result.startOrphanScan(), context).ifPresent(actions::add);
        }
        Duration wait = result.requeueAt() == null
                ? null
                : Duration.between(now, result.requeueAt()).plus(SLACK);
        var step = new Step<>(
                result.status(), result.events(), actions, wait == null ? null : wait.isNegative() ? SLACK : wait);
        UpdateControl<BackupSchedule> control = applier.apply(schedule, context, step);
        if (result.create() != null) {
            metrics.scheduled(schedule, now, result.create());
        }
        result.prune().keySet().forEach(pruned -> metrics.pruned(schedule));
        metrics.observe(schedule, backups);
        metrics.orphans(schedule);
        return control;
    }

    /**
     * A pass that threw (JOSDK retries it, without limit and at most a minute apart: see
     * application.properties) shows as Ready=False with the one-line error and one Warning Event,
     * instead of only in the operator's log.
     */
    @Override
    public ErrorStatusUpdateControl<BackupSchedule> updateErrorStatus(
            BackupSchedule schedule, Context<BackupSchedule> context, Exception e) {
        var failure = ScheduleProgress.failed(schedule, oneLine(e), clock.instant());
        failure.events().forEach(ev -> events.record(schedule, ev));
        if (Statuses.same(schedule.getStatus(), failure.status())) {
            return ErrorStatusUpdateControl.noStatusUpdate();
        }
        schedule.setStatus(failure.status());
        return ErrorStatusUpdateControl.patchStatus(schedule);
    }

    /** What the API server said (code and message) when it refused, else the innermost message's first line. */
    static String oneLine(Throwable e) {
        Throwable innermost = e;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof KubernetesClientException k
                    && k.getStatus() != null
                    && k.getStatus().getMessage() != null) {
                return k.getCode() + " " + k.getStatus().getMessage();
            }
            innermost = t;
        }
        String m = innermost.getMessage() == null ? innermost.getClass().getSimpleName() : innermost.getMessage();
        return m.lines().findFirst().orElse("");
    }

    /**
     * The orphan scan Job, given the storage and what the namespace's DatabaseBackups say; none when
     * no storage is configured (the backups fail with StorageNotConfigured; there is nothing to scan).
     */
    private Optional<Action> orphanScan(BackupSchedule schedule, String name, Context<BackupSchedule> context) {
        StorageBinding storage;
        try {
            storage = StorageBinding.resolve(schedule.getSpec().getTemplate().getStorage(), config.defaultStorage());
        } catch (StorageBinding.NotConfigured e) {
            return Optional.empty();
        }
        String ns = schedule.getMetadata().getNamespace();
        // one list per scan (daily by default) rather than a cache of every DatabaseBackup in the cluster
        List<DatabaseBackup> inNamespace =
                context.getClient().resources(DatabaseBackup.class).inNamespace(ns).list().getItems().stream()
                        .filter(b -> b.getMetadata().getUid() != null
                                && b.getMetadata().getCreationTimestamp() != null)
                        .toList();
        List<String> known =
                inNamespace.stream().map(BackupJobFactory::backupId).toList();
        List<String> succeeded = inNamespace.stream()
                .filter(b -> b.getStatus() != null && b.getStatus().getPhase() == Phase.Succeeded)
                .map(BackupJobFactory::backupId)
                .toList();
        return Optional.of(
                Action.create(OrphanScanJobFactory.build(schedule, name, storage, known, succeeded, config.runner())));
    }
}
