package io.schemaguard.backup;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyRuleBuilder;
import io.schemaguard.api.CompressionAlgorithm;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.DatabaseBackupSpec;
import io.schemaguard.api.DumpFormat;
import io.schemaguard.jobs.KubernetesNames;
import io.schemaguard.jobs.Labels;
import io.schemaguard.jobs.RunnerPods;
import io.schemaguard.jobs.StorageBinding;
import io.schemaguard.operator.OperatorConfig;
import io.schemaguard.runner.FailureReason;
import io.schemaguard.storage.BackupLayout;

/**
 * The Job a DatabaseBackup becomes: a pure function of the resource and the operator's settings.
 * Named after the resource (its spec is immutable, so one resource is one run), owned by it,
 * hardened, and given credentials only as secretKeyRef environment.
 */
public final class BackupJobFactory {
    public static final String COMPONENT = "backup";
    public static final String KIND = "DatabaseBackup";

    private BackupJobFactory() {
    }

    public static String jobName(DatabaseBackup backup) {
        return KubernetesNames.jobName(backup.getMetadata().getName(), COMPONENT);
    }

    /** {@code <creation time>-<uid prefix>}: stable across reconciliations and Job retries. */
    public static String backupId(DatabaseBackup backup) {
        return BackupLayout.backupId(Instant.parse(backup.getMetadata().getCreationTimestamp()),
                backup.getMetadata().getUid().replace("-", "").substring(0, 8));
    }

    public static Job build(DatabaseBackup backup, StorageBinding storage, OperatorConfig.Runner runner) {
        DatabaseBackupSpec spec = backup.getSpec();
        String namespace = backup.getMetadata().getNamespace();
        Map<String, String> labels = Labels.forJob(COMPONENT, KIND);
        Map<String, String> annotations = Map.of(Labels.OWNER_NAME_ANNOTATION, backup.getMetadata().getName());

        List<String> args = new ArrayList<>();
        args.add("backup");
        args.add("--to=" + storage.location());
        args.addAll(storage.args());
        DumpFormat format = spec.getFormat() == null ? DumpFormat.CUSTOM : spec.getFormat();
        CompressionAlgorithm compression = spec.getCompression() == null ? CompressionAlgorithm.ZSTD : spec.getCompression();
        args.add("--format=" + format.pgDumpName());
        args.add("--compression=" + compression.id());
        if (spec.getCompressionLevel() != null) {
            args.add("--compression-level=" + spec.getCompressionLevel());
        }
        if (spec.getJobs() != null && format == DumpFormat.DIRECTORY) {
            args.add("--jobs=" + spec.getJobs());
        }
        args.add("--backup-id=" + backupId(backup));
        args.add("--namespace=" + namespace);
        args.add("--created-by=" + KIND + "/" + namespace + "/" + backup.getMetadata().getName());
        args.add("--progress-interval=" + runner.progressInterval());

        List<EnvVar> env = new ArrayList<>(RunnerPods.commonEnv(namespace));
        env.addAll(RunnerPods.databaseEnv(spec.getDatabase()));
        env.addAll(storage.env());

        List<Volume> volumes = new ArrayList<>();
        List<VolumeMount> mounts = new ArrayList<>();
        volumes.add(new VolumeBuilder().withName(RunnerPods.TMP_VOLUME).withNewEmptyDir().endEmptyDir().build());
        mounts.add(new VolumeMountBuilder().withName(RunnerPods.TMP_VOLUME).withMountPath("/tmp").build());
        storage.volume().ifPresent(volumes::add);
        storage.mount().ifPresent(mounts::add);

        return new JobBuilder()
                .withNewMetadata()
                .withName(jobName(backup))
                .withNamespace(namespace)
                .withLabels(labels)
                .withAnnotations(annotations)
                .withOwnerReferences(new OwnerReferenceBuilder()
                        .withApiVersion(backup.getApiVersion())
                        .withKind(backup.getKind())
                        .withName(backup.getMetadata().getName())
                        .withUid(backup.getMetadata().getUid())
                        .withController(true)
                        .withBlockOwnerDeletion(true)
                        .build())
                .endMetadata()
                .withNewSpec()
                .withBackoffLimit(spec.getBackoffLimit() == null ? 2 : spec.getBackoffLimit())
                .withActiveDeadlineSeconds(spec.getActiveDeadlineSeconds() == null ? 21600L : spec.getActiveDeadlineSeconds())
                // Configuration errors (bad arguments, pg_dump older than the server) fail the Job at
                // once instead of burning retries; everything else is retried up to backoffLimit.
                .withNewPodFailurePolicy()
                .withRules(new PodFailurePolicyRuleBuilder().withAction("FailJob").withNewOnExitCodes()
                        .withContainerName(RunnerPods.CONTAINER).withOperator("In")
                        .withValues(FailureReason.CONFIGURATION_EXIT_CODE).endOnExitCodes().build(),
                        new PodFailurePolicyRuleBuilder().withAction("Ignore").addNewOnPodCondition()
                                .withType("DisruptionTarget").withStatus("True").endOnPodCondition().build())
                .endPodFailurePolicy()
                .withNewTemplate()
                .withNewMetadata().withLabels(labels).withAnnotations(annotations).endMetadata()
                .withNewSpec()
                .withRestartPolicy("Never")
                .withServiceAccountName(spec.getServiceAccountName())
                // The runner talks to PostgreSQL and storage, never to the Kubernetes API.
                .withAutomountServiceAccountToken(false)
                .withSecurityContext(RunnerPods.podSecurity(runner.runAsUser()))
                .withImagePullSecrets(runner.imagePullSecrets().orElse(List.of()).stream()
                        .map(LocalObjectReference::new).toList())
                .withVolumes(volumes)
                .withContainers(new ContainerBuilder()
                        .withName(RunnerPods.CONTAINER)
                        .withImage(runner.image())
                        .withImagePullPolicy(runner.imagePullPolicy())
                        .withCommand("schemaguard")
                        .withArgs(args)
                        .withEnv(env)
                        .withVolumeMounts(mounts)
                        .withResources(RunnerPods.resources(spec.getResources(), runner))
                        .withSecurityContext(RunnerPods.containerSecurity())
                        .withTerminationMessagePath(RunnerPods.TERMINATION_LOG)
                        .withTerminationMessagePolicy("FallbackToLogsOnError")
                        .build())
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }
}
