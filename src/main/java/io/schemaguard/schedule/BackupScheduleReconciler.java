package io.schemaguard.schedule;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.inject.Inject;

import org.jboss.logging.Logger;

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
import io.schemaguard.api.BackupSchedule;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.Phase;
import io.schemaguard.backup.BackupJobFactory;
import io.schemaguard.jobs.JobState;
import io.schemaguard.jobs.RunnerJobs;
import io.schemaguard.jobs.StorageBinding;
import io.schemaguard.operator.OperatorConfig;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.schemaguard.operator.EventRecorder;

/**
 * Runs a BackupSchedule: reads its backups from an informer, lets {@link ScheduleProgress} decide,
 * creates the run's DatabaseBackup (named after its cron time, so it is created once whatever
 * happens to the operator), deletes what retention prunes (each backup's finalizer deletes its
 * object), and wakes up again when the next run is due.
 */
@ControllerConfiguration(name = BackupScheduleReconciler.NAME)
@RBACRule(apiGroups = "", resources = "events", verbs = { "create", "patch" })
@RBACRule(apiGroups = "batch", resources = "jobs", verbs = { "get", "list", "watch", "create" })
@RBACRule(apiGroups = "", resources = "pods", verbs = { "get", "list", "watch" })
@RBACRule(apiGroups = "schemaguard.io", resources = "databasebackups", verbs = { "get", "list", "watch", "create", "delete" })
public class BackupScheduleReconciler implements Reconciler<BackupSchedule> {
    public static final String NAME = "backupschedule";
    static final String BACKUPS = "schedule-backups";
    /** Wake up a little after the due time, so the clock read then is past it. */
    static final Duration SLACK = Duration.ofMillis(100);
    private static final Logger LOG = Logger.getLogger(BackupScheduleReconciler.class);

    @Inject
    EventRecorder events;

    @Inject
    Clock clock;

    @Inject
    ScheduleMetrics metrics;

    @Inject
    OperatorConfig config;

    @Override
    public List<EventSource<?, BackupSchedule>> prepareEventSources(EventSourceContext<BackupSchedule> context) {
        return List.of(RunnerJobs.jobInformer(context, OrphanScans.COMPONENT, OrphanScans.KIND),
                RunnerJobs.podInformer(context, OrphanScans.COMPONENT, OrphanScans.KIND), new InformerEventSource<>(InformerEventSourceConfiguration.from(DatabaseBackup.class,
                BackupSchedule.class).withName(BACKUPS).withLabelSelector(ScheduleProgress.SCHEDULE_LABEL)
                .withSecondaryToPrimaryMapper(b -> {
                    var a = b.getMetadata().getAnnotations();
                    String schedule = a == null ? null : a.get(ScheduleProgress.SCHEDULE_ANNOTATION);
                    return schedule == null ? Set.of() : Set.of(new ResourceID(schedule, b.getMetadata().getNamespace()));
                }).build(), context));
    }

    @Override
    public UpdateControl<BackupSchedule> reconcile(BackupSchedule schedule, Context<BackupSchedule> context) {
        Instant now = clock.instant();
        List<DatabaseBackup> backups = context.getSecondaryResourcesAsStream(DatabaseBackup.class).toList();
        String scanName = schedule.getStatus() == null || schedule.getStatus().getOrphans() == null ? null
                : schedule.getStatus().getOrphans().getJobName();
        Job scan = scanName == null ? null : RunnerJobs.job(context, scanName);
        var result = ScheduleProgress.next(schedule, backups,
                scan == null ? null : new JobState(scan, RunnerJobs.podsOf(context, scanName)), now);
        var api = context.getClient().resources(DatabaseBackup.class).inNamespace(schedule.getMetadata().getNamespace());
        for (String running : result.deleteRunning()) {
            api.withName(running).delete();
        }
        if (result.create() != null) {
            try {
                // with the client, not the SDK's resource operations: two DatabaseBackup sources here
                api.resource(result.create()).create();
                LOG.infof("BackupSchedule %s/%s: created DatabaseBackup %s", schedule.getMetadata().getNamespace(),
                        schedule.getMetadata().getName(), result.create().getMetadata().getName());
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
                // created by an earlier pass whose status patch did not land: the same run, not a new one
            }
            metrics.scheduled(schedule, now, result.create());
        }
        for (Map.Entry<String, String> prune : result.prune().entrySet()) {
            api.withName(prune.getKey()).delete();
            metrics.pruned(schedule);
        }
        if (result.startOrphanScan() != null) {
            startOrphanScan(schedule, result.startOrphanScan(), context);
        }
        result.events().forEach(e -> events.record(schedule, e));
        schedule.setStatus(result.status());
        metrics.observe(schedule, backups);
        metrics.orphans(schedule);
        UpdateControl<BackupSchedule> control = UpdateControl.patchStatus(schedule);
        if (result.requeueAt() != null) {
            Duration wait = Duration.between(now, result.requeueAt()).plus(SLACK);
            control.rescheduleAfter(wait.isNegative() ? SLACK : wait);
        }
        return control;
    }

    private void startOrphanScan(BackupSchedule schedule, String name, Context<BackupSchedule> context) {
        StorageBinding storage;
        try {
            storage = StorageBinding.resolve(schedule.getSpec().getTemplate().getStorage(), config.defaultStorage());
        } catch (StorageBinding.NotConfigured e) {
            return; // the backups fail with StorageNotConfigured; there is nothing to scan
        }
        String ns = schedule.getMetadata().getNamespace();
        // one list per scan (daily by default) rather than a cache of every DatabaseBackup in the cluster
        List<DatabaseBackup> inNamespace = context.getClient().resources(DatabaseBackup.class).inNamespace(ns).list()
                .getItems().stream().filter(b -> b.getMetadata().getUid() != null
                        && b.getMetadata().getCreationTimestamp() != null)
                .toList();
        List<String> known = inNamespace.stream().map(BackupJobFactory::backupId).toList();
        List<String> succeeded = inNamespace.stream()
                .filter(b -> b.getStatus() != null && b.getStatus().getPhase() == Phase.Succeeded)
                .map(BackupJobFactory::backupId).toList();
        RunnerJobs.createOnce(context, OrphanScanJobFactory.build(schedule, name, storage, known, succeeded,
                config.runner()), created -> LOG.infof("BackupSchedule %s/%s: orphan scan Job %s", ns,
                        schedule.getMetadata().getName(), name));
    }
}
