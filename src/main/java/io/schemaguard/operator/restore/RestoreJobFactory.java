package io.schemaguard.operator.restore;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.schemaguard.api.DatabaseRestore;
import io.schemaguard.api.DatabaseRestoreSpec;
import io.schemaguard.api.Defaults;
import io.schemaguard.api.RestoreMode;
import io.schemaguard.operator.OperatorConfig;
import io.schemaguard.operator.jobs.KubernetesNames;
import io.schemaguard.operator.jobs.RunnerJob;
import io.schemaguard.operator.jobs.RunnerPods;
import io.schemaguard.operator.jobs.StorageBinding;
import java.util.ArrayList;
import java.util.List;

/**
 * The Job a DatabaseRestore becomes ({@code schemaguard restore}). The safety backup of a Replace is
 * taken by the operator as a DatabaseBackup beforehand, so the runner is told not to take its own.
 */
public final class RestoreJobFactory {
    public static final String COMPONENT = "restore";
    public static final String KIND = "DatabaseRestore";

    private RestoreJobFactory() {}

    public static String jobName(DatabaseRestore restore) {
        return KubernetesNames.jobName(restore.getMetadata().getName(), COMPONENT);
    }

    public static Job build(
            DatabaseRestore restore, String backupId, StorageBinding storage, OperatorConfig.Runner runner) {
        DatabaseRestoreSpec spec = restore.getSpec();
        String namespace = restore.getMetadata().getNamespace();
        List<String> args = new ArrayList<>();
        args.add("restore");
        args.add("--from=" + storage.location());
        args.addAll(storage.args());
        if (spec.getMode() == RestoreMode.Replace) {
            args.add("--replace");
            args.add("--confirm=" + spec.getConfirm());
            args.add("--no-safety-backup");
        }
        if (Boolean.TRUE.equals(spec.getSkipOwnership())) {
            args.add("--no-owner");
        }
        if (spec.getJobs() != null) {
            args.add("--jobs=" + spec.getJobs());
        }
        args.add("--namespace=" + namespace);
        args.add(backupId);

        List<EnvVar> env = new ArrayList<>(RunnerPods.databaseEnv(spec.getTarget()));
        env.addAll(storage.env());
        return RunnerJob.build(
                RunnerJob.spec(
                                jobName(restore),
                                namespace,
                                COMPONENT,
                                KIND,
                                restore.getMetadata().getName())
                        .ownedBy(RestorePlan.ownerOf(restore))
                        .args(args)
                        .env(env)
                        .storage(storage)
                        .backoffLimit(
                                spec.getBackoffLimit() == null
                                        ? Defaults.RESTORE_BACKOFF_LIMIT
                                        : spec.getBackoffLimit())
                        .activeDeadlineSeconds(
                                spec.getActiveDeadlineSeconds() == null
                                        ? Defaults.ACTIVE_DEADLINE_SECONDS
                                        : spec.getActiveDeadlineSeconds())
                        .resources(spec.getResources())
                        .serviceAccountName(spec.getServiceAccountName())
                        .build(),
                runner);
    }
}
