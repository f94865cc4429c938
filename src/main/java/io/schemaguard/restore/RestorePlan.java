package io.schemaguard.restore;

import java.util.Map;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.DatabaseBackupSpec;
import io.schemaguard.api.DatabaseRestore;
import io.schemaguard.api.DatabaseRestoreSpec;
import io.schemaguard.api.Phase;
import io.schemaguard.api.RestoreMode;
import io.schemaguard.api.StorageSpec;
import io.schemaguard.jobs.KubernetesNames;

/**
 * The decisions of a restore before its Job exists, as pure functions: where the backup comes from,
 * whether it is ready, and the safety backup a Replace takes first.
 */
public final class RestorePlan {
    /** Label (shortened name) and annotation (full name) linking a safety backup to its restore. */
    public static final String SAFETY_FOR_LABEL = "schemaguard.io/safety-backup-for";

    /** Where the runner reads the backup: a storage spec (null: operator default) and a backup id. */
    public record Source(StorageSpec storage, String backupId) {
    }

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

    private RestorePlan() {
    }

    /** @param named the DatabaseBackup named by {@code spec.source.backupName}, or null if it does not exist */
    public static SourceState source(DatabaseRestore restore, DatabaseBackup named) {
        var src = restore.getSpec().getSource();
        if (src.getBackupId() != null) {
            return SourceState.ready(new Source(src.getStorage(), src.getBackupId()));
        }
        if (named == null) {
            return SourceState.waiting("SourceNotFound",
                    "DatabaseBackup " + src.getBackupName() + " does not exist in namespace "
                            + restore.getMetadata().getNamespace());
        }
        Phase phase = named.getStatus() == null ? null : named.getStatus().getPhase();
        if (phase == Phase.Failed) {
            return SourceState.failed("SourceFailed", "DatabaseBackup " + src.getBackupName() + " failed; there is"
                    + " nothing to restore");
        }
        if (phase != Phase.Succeeded || named.getStatus().getBackupId() == null) {
            return SourceState.waiting("WaitingForSource", "DatabaseBackup " + src.getBackupName() + " is "
                    + (phase == null ? "not started" : phase.name().toLowerCase()) + "; the restore waits for it");
        }
        return SourceState.ready(new Source(named.getSpec().getStorage(), named.getStatus().getBackupId()));
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
                .withLabels(Map.of(SAFETY_FOR_LABEL, KubernetesNames.labelValue(restore.getMetadata().getName())))
                .withAnnotations(Map.of("schemaguard.io/safety-backup-for", restore.getMetadata().getName()))
                .build());
        DatabaseBackupSpec spec = new DatabaseBackupSpec();
        spec.setDatabase(restore.getSpec().getTarget());
        spec.setStorage(source.storage());
        // a restore point: deleting the resource keeps the object
        spec.setDeletionPolicy(io.schemaguard.api.DeletionPolicy.Retain);
        spec.setResources(restore.getSpec().getResources());
        spec.setServiceAccountName(restore.getSpec().getServiceAccountName());
        b.setSpec(spec);
        return b;
    }

    /** The owner reference a restore's Job carries. */
    static io.fabric8.kubernetes.api.model.OwnerReference ownerOf(DatabaseRestore restore) {
        return io.schemaguard.jobs.Owners.controller(restore);
    }
}
