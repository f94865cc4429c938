package io.schemaguard.operator.restore;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.DatabaseBackupSpec;
import io.schemaguard.api.DatabaseRestore;
import io.schemaguard.api.DatabaseRestoreSpec;
import io.schemaguard.api.DatabaseRestoreStatus;
import io.schemaguard.api.DeletionPolicy;
import io.schemaguard.api.Phase;
import io.schemaguard.api.RestoreMode;
import io.schemaguard.api.StorageSpec;
import io.schemaguard.operator.EventRecorder.Event;
import io.schemaguard.operator.OperatorConfig;
import io.schemaguard.operator.jobs.JobState;
import io.schemaguard.operator.jobs.KubernetesNames;
import io.schemaguard.operator.jobs.Labels;
import io.schemaguard.operator.jobs.Owners;
import io.schemaguard.operator.jobs.StorageBinding;
import io.schemaguard.operator.kube.Action;
import io.schemaguard.operator.kube.Statuses;
import io.schemaguard.operator.kube.Step;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The decisions of a restore before its Job exists, as pure functions: where the backup comes from,
 * whether it is ready, and the safety backup a Replace takes first.
 */
public final class RestorePlan {
    /** Label (shortened name) and annotation (full name) linking a safety backup to its restore. */

    /** Where the runner reads the backup: a storage spec (null: operator default) and a backup id. */
    public record Source(StorageSpec storage, String backupId) {}

    /** Either a source to restore, or why there is none yet ({@code terminal}: there never will be). */
    public record SourceState(Source source, String waitReason, String message, boolean terminal) {
        static SourceState ready(Source s) {
            return new SourceState(s, null, null, false);
        }

        static SourceState waiting(String reason, String message) {
            return new SourceState(null, reason, message, false);
        }

        static SourceState failed(String reason, String message) {
            return new SourceState(null, reason, message, true);
        }
    }

    private RestorePlan() {}

    /**
     * One reconciliation of a restore, decided from its source and safety backups ({@code related},
     * the DatabaseBackups of its namespace it follows), its Job (null until created) and the Job's
     * pods: the next status and Events, and what to create (the safety backup of a Replace first, the
     * restore Job once that succeeded). A finished restore only records the generation it saw.
     */
    public static Step<DatabaseRestoreStatus> step(
            DatabaseRestore restore,
            List<DatabaseBackup> related,
            Job job,
            List<Pod> pods,
            OperatorConfig.DefaultStorage defaultStorage,
            OperatorConfig.Runner runner,
            Instant now) {
        DatabaseRestoreStatus status = restore.getStatus();
        if (status != null && status.getPhase() != null && status.getPhase().isTerminal()) {
            DatabaseRestoreStatus seen = Statuses.copy(status);
            seen.setObservedGeneration(restore.getMetadata().getGeneration());
            return Step.of(seen, List.of());
        }
        List<Action> actions = new ArrayList<>();
        var observation = observe(restore, related, job, pods, defaultStorage, runner, actions);
        var result = RestoreStatusAggregator.aggregate(restore, observation, now);
        return new Step<>(
                result.status(),
                result.events(),
                actions,
                JobState.soonestPending(now, observation.state()).orElse(null));
    }

    /** What the restore waits for or runs; adds to {@code actions} the child to create, if any. */
    static RestoreStatusAggregator.Observation observe(
            DatabaseRestore restore,
            List<DatabaseBackup> related,
            Job job,
            List<Pod> pods,
            OperatorConfig.DefaultStorage defaultStorage,
            OperatorConfig.Runner runner,
            List<Action> actions) {
        String sourceName = restore.getSpec().getSource().getBackupName();
        SourceState source = source(restore, sourceName == null ? null : named(related, sourceName));
        if (source.source() == null) {
            return source.terminal()
                    ? RestoreStatusAggregator.Observation.failed(source.waitReason(), source.message(), null)
                    : RestoreStatusAggregator.Observation.waiting(source.waitReason(), source.message(), null);
        }
        String safetyName = needsSafetyBackup(restore.getSpec()) ? safetyBackupName(restore) : null;
        if (job == null && safetyName != null) {
            DatabaseBackup safety = named(related, safetyName);
            Phase phase = safety == null || safety.getStatus() == null
                    ? null
                    : safety.getStatus().getPhase();
            if (safety == null) {
                actions.add(Action.create(
                        safetyBackup(restore, source.source()),
                        Event.normal(
                                "SafetyBackupCreated",
                                "created DatabaseBackup " + safetyName + " of the target before replacing it")));
            }
            if (phase == Phase.Failed) {
                return RestoreStatusAggregator.Observation.failed(
                        "SafetyBackupFailed",
                        "the safety backup " + safetyName + " failed, so the target was not touched: "
                                + readyMessage(safety),
                        safetyName);
            }
            if (phase != Phase.Succeeded) {
                return RestoreStatusAggregator.Observation.waiting(
                        "TakingSafetyBackup",
                        "backing up the target as DatabaseBackup " + safetyName + " before replacing it",
                        safetyName);
            }
        }
        StorageBinding storage;
        try {
            storage = StorageBinding.resolve(source.source().storage(), defaultStorage);
        } catch (StorageBinding.NotConfigured e) {
            return RestoreStatusAggregator.Observation.stalled("StorageNotConfigured", e.getMessage(), safetyName);
        }
        String backupId = source.source().backupId();
        String jobName = RestoreJobFactory.jobName(restore);
        if (job == null) {
            // decided as if it exists: a new Job has no status, so it reads as the created one does
            job = RestoreJobFactory.build(restore, backupId, storage, runner);
            actions.add(Action.create(
                    job, Event.normal("JobCreated", "created Job " + jobName + " to restore " + backupId)));
        }
        return RestoreStatusAggregator.Observation.ofJob(new JobState(job, pods), jobName, backupId, safetyName);
    }

    private static DatabaseBackup named(List<DatabaseBackup> backups, String name) {
        return backups.stream()
                .filter(b -> name.equals(b.getMetadata().getName()))
                .findFirst()
                .orElse(null);
    }

    private static String readyMessage(DatabaseBackup b) {
        return b.getStatus() == null || b.getStatus().getConditions() == null
                ? ""
                : b.getStatus().getConditions().stream()
                        .filter(c -> "Ready".equals(c.getType()))
                        .map(c -> c.getReason() + ": " + c.getMessage())
                        .findFirst()
                        .orElse("");
    }

    /** @param named the DatabaseBackup named by {@code spec.source.backupName}, or null if it does not exist */
    public static SourceState source(DatabaseRestore restore, DatabaseBackup named) {
        var src = restore.getSpec().getSource();
        if (src.getBackupId() != null) {
            return SourceState.ready(new Source(src.getStorage(), src.getBackupId()));
        }
        if (named == null) {
            return SourceState.waiting(
                    "SourceNotFound",
                    "DatabaseBackup " + src.getBackupName() + " does not exist in namespace "
                            + restore.getMetadata().getNamespace());
        }
        Phase phase = named.getStatus() == null ? null : named.getStatus().getPhase();
        if (phase == Phase.Failed) {
            return SourceState.failed(
                    "SourceFailed",
                    "DatabaseBackup " + src.getBackupName() + " failed; there is" + " nothing to restore");
        }
        if (phase != Phase.Succeeded || named.getStatus().getBackupId() == null) {
            return SourceState.waiting(
                    "WaitingForSource",
                    "DatabaseBackup " + src.getBackupName() + " is "
                            + (phase == null ? "not started" : phase.name().toLowerCase())
                            + "; the restore waits for it");
        }
        return SourceState.ready(
                new Source(named.getSpec().getStorage(), named.getStatus().getBackupId()));
    }

    public static boolean needsSafetyBackup(DatabaseRestoreSpec spec) {
        return spec.getMode() == RestoreMode.Replace && !Boolean.FALSE.equals(spec.getSafetyBackup());
    }

    public static String safetyBackupName(DatabaseRestore restore) {
        return KubernetesNames.jobName(restore.getMetadata().getName(), "safety");
    }

    /**
     * The DatabaseBackup of the target taken before a Replace, to the source's storage. It is not
     * owned by the restore: deleting the restore must not take the way back with it.
     */
    public static DatabaseBackup safetyBackup(DatabaseRestore restore, Source source) {
        DatabaseBackup b = new DatabaseBackup();
        b.setMetadata(new ObjectMetaBuilder()
                .withName(safetyBackupName(restore))
                .withNamespace(restore.getMetadata().getNamespace())
                .withLabels(Map.of(
                        Labels.SAFETY_BACKUP_FOR,
                        KubernetesNames.labelValue(restore.getMetadata().getName())))
                .withAnnotations(Map.of(
                        Labels.SAFETY_BACKUP_FOR_ANNOTATION,
                        restore.getMetadata().getName()))
                .withFinalizers(DatabaseBackup.FINALIZER)
                .build());
        DatabaseBackupSpec spec = new DatabaseBackupSpec();
        spec.setDatabase(restore.getSpec().getTarget());
        spec.setStorage(source.storage());
        // a restore point: deleting the resource keeps the object
        spec.setDeletionPolicy(DeletionPolicy.Retain);
        spec.setResources(restore.getSpec().getResources());
        spec.setServiceAccountName(restore.getSpec().getServiceAccountName());
        b.setSpec(spec);
        return b;
    }

    /** The owner reference a restore's Job carries. */
    static OwnerReference ownerOf(DatabaseRestore restore) {
        return Owners.controller(restore);
    }
}
