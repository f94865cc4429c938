package io.schemaguard.operator.backup;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.schemaguard.api.CompressionAlgorithm;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.DatabaseBackupSpec;
import io.schemaguard.api.Defaults;
import io.schemaguard.api.DumpFormat;
import io.schemaguard.api.VerificationServer;
import io.schemaguard.api.VerifyMode;
import io.schemaguard.contract.BackupLayout;
import io.schemaguard.operator.OperatorConfig;
import io.schemaguard.operator.jobs.KubernetesNames;
import io.schemaguard.operator.jobs.Owners;
import io.schemaguard.operator.jobs.RunnerJob;
import io.schemaguard.operator.jobs.RunnerPods;
import io.schemaguard.operator.jobs.StorageBinding;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The Job a DatabaseBackup becomes: a pure function of the resource and the operator's settings.
 * Named after the resource (its spec is immutable, so one resource is one run), owned by it,
 * hardened, and given credentials only as secretKeyRef environment.
 */
public final class BackupJobFactory {
    public static final String COMPONENT = "backup";
    /** The short Job that deletes a backup's objects when the resource is deleted. */
    public static final String DELETE_COMPONENT = "delete";
    /** Finished delete Jobs go away by themselves; a failed one going away means the finalizer tries again. */
    static final int DELETE_JOB_TTL_SECONDS = 300;

    public static final String KIND = "DatabaseBackup";

    private BackupJobFactory() {}

    public static String jobName(DatabaseBackup backup) {
        return KubernetesNames.jobName(backup.getMetadata().getName(), COMPONENT);
    }

    /** {@code <creation time>-<uid prefix>}: stable across reconciliations and Job retries. */
    public static String backupId(DatabaseBackup backup) {
        return BackupLayout.backupId(
                Instant.parse(backup.getMetadata().getCreationTimestamp()),
                backup.getMetadata().getUid().replace("-", "").substring(0, 8));
    }

    public static Job build(DatabaseBackup backup, StorageBinding storage, OperatorConfig.Runner runner) {
        DatabaseBackupSpec spec = backup.getSpec();
        String namespace = backup.getMetadata().getNamespace();

        List<String> args = new ArrayList<>();
        args.add("backup");
        args.add("--to=" + storage.location());
        args.addAll(storage.args());
        DumpFormat format = spec.getFormat() == null ? DumpFormat.CUSTOM : spec.getFormat();
        CompressionAlgorithm compression =
                spec.getCompression() == null ? CompressionAlgorithm.ZSTD : spec.getCompression();
        args.add("--format=" + format.pgDumpName());
        args.add("--compression=" + compression.id());
        if (spec.getCompressionLevel() != null) {
            args.add("--compression-level=" + spec.getCompressionLevel());
        }
        if (spec.getJobs() != null && format == DumpFormat.DIRECTORY) {
            args.add("--jobs=" + spec.getJobs());
        }
        VerifyMode verify = spec.getVerify() == null ? VerifyMode.Checksum : spec.getVerify();
        args.add("--verify=" + verify.name().toLowerCase());
        if (Boolean.TRUE.equals(spec.getExactRowCounts())) {
            args.add("--exact-counts");
        }
        VerificationServer vs = verify == VerifyMode.Restore ? spec.getVerificationServer() : null;
        if (vs != null) {
            args.add("--verify-server=" + RunnerPods.serverUrl(vs));
        }
        args.add("--backup-id=" + backupId(backup));
        args.add("--namespace=" + namespace);
        args.add("--created-by=" + KIND + "/" + namespace + "/"
                + backup.getMetadata().getName());
        args.add("--progress-interval=" + runner.progressInterval());

        List<EnvVar> env = new ArrayList<>(RunnerPods.databaseEnv(spec.getDatabase()));
        env.addAll(storage.env());
        if (vs != null && vs.getPasswordSecretRef() != null) {
            env.add(RunnerPods.secretEnv(
                    "SCHEMAGUARD_VERIFY_PGPASSWORD",
                    vs.getPasswordSecretRef().toKubernetes(RunnerPods.DEFAULT_PASSWORD_KEY)));
        }
        return RunnerJob.build(
                RunnerJob.spec(
                                jobName(backup),
                                namespace,
                                COMPONENT,
                                KIND,
                                backup.getMetadata().getName())
                        .ownedBy(Owners.controller(backup))
                        .args(args)
                        .env(env)
                        .storage(storage)
                        .backoffLimit(
                                spec.getBackoffLimit() == null ? Defaults.BACKUP_BACKOFF_LIMIT : spec.getBackoffLimit())
                        .activeDeadlineSeconds(
                                spec.getActiveDeadlineSeconds() == null
                                        ? Defaults.ACTIVE_DEADLINE_SECONDS
                                        : spec.getActiveDeadlineSeconds())
                        .resources(spec.getResources())
                        .serviceAccountName(spec.getServiceAccountName())
                        .build(),
                runner);
    }

    public static String deleteJobName(DatabaseBackup backup) {
        return KubernetesNames.jobName(backup.getMetadata().getName(), DELETE_COMPONENT);
    }

    /**
     * The Job that deletes the backup's objects: not owned by the backup (the garbage collector would
     * delete it together with a backup being deleted in the foreground), found again through its
     * owner-name annotation, and removed by its TTL once finished.
     */
    public static Job buildDelete(DatabaseBackup backup, StorageBinding storage, OperatorConfig.Runner runner) {
        String namespace = backup.getMetadata().getNamespace();
        List<String> args = new ArrayList<>();
        args.add("delete");
        args.add("--from=" + storage.location());
        args.addAll(storage.args());
        // only this namespace's keys are searched, so a backup id filed elsewhere can never match
        args.add("--namespace=" + namespace);
        args.add(backupId(backup));
        // not owned (see above)
        Job job = RunnerJob.build(
                RunnerJob.spec(
                                deleteJobName(backup),
                                namespace,
                                DELETE_COMPONENT,
                                KIND,
                                backup.getMetadata().getName())
                        .args(args)
                        .env(new ArrayList<>(storage.env()))
                        .storage(storage)
                        .backoffLimit(RunnerJob.HOUSEKEEPING_BACKOFF_LIMIT)
                        .activeDeadlineSeconds(RunnerJob.HOUSEKEEPING_DEADLINE_SECONDS)
                        .resources(backup.getSpec().getResources())
                        .serviceAccountName(backup.getSpec().getServiceAccountName())
                        .build(),
                runner);
        job.getSpec().setTtlSecondsAfterFinished(DELETE_JOB_TTL_SECONDS);
        return job;
    }
}
