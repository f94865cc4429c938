package io.schemaguard.operator.migration;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.schemaguard.api.MigrationEngineType;
import io.schemaguard.api.MigrationSource;
import io.schemaguard.api.SafeMigration;
import io.schemaguard.api.SafeMigrationSpec;
import io.schemaguard.api.VerificationServer;
import io.schemaguard.contract.JobLabels;
import io.schemaguard.operator.OperatorConfig;
import io.schemaguard.operator.jobs.KubernetesNames;
import io.schemaguard.operator.jobs.Owners;
import io.schemaguard.operator.jobs.RunnerJob;
import io.schemaguard.operator.jobs.RunnerPods;
import io.schemaguard.operator.jobs.StorageBinding;
import java.util.ArrayList;
import java.util.List;

/**
 * The Jobs of a SafeMigration run, one per step: {@code plan} (pending migrations and their lint),
 * {@code rehearse} (the fresh backup restored into a scratch database and migrated there) and
 * {@code migrate} (the real thing, with its own checks). Named after the resource, the generation
 * and the backup attempt, so each run and each fresh backup gets its own.
 */
public final class MigrationJobFactory {
    public static final String KIND = "SafeMigration";
    public static final String MIGRATIONS_ROOT = "/migrations";

    public enum Step {
        plan,
        rehearse,
        migrate,
        /** engine command only: the runner's checks after the application's own tool migrated. */
        check
    }

    private MigrationJobFactory() {}

    public static String backupName(SafeMigration m, int attempt) {
        return KubernetesNames.jobName(
                m.getMetadata().getName(), "g" + m.getMetadata().getGeneration() + "-b" + attempt);
    }

    public static String restoreName(SafeMigration m) {
        return KubernetesNames.jobName(
                m.getMetadata().getName(), "g" + m.getMetadata().getGeneration() + "-restore");
    }

    public static String jobName(SafeMigration m, Step step, int attempt) {
        return KubernetesNames.jobName(
                m.getMetadata().getName(),
                "g" + m.getMetadata().getGeneration() + "-" + step + (step == Step.plan ? "" : "-" + attempt));
    }

    public static String component(Step step) {
        return JobLabels.MIGRATION_COMPONENT_PREFIX + step;
    }

    /**
     * @param backupId for rehearse and migrate: the id of this attempt's backup
     * @param storage for rehearse and migrate: where that backup is
     */
    public static Job build(
            SafeMigration m,
            Step step,
            int attempt,
            String backupId,
            StorageBinding storage,
            OperatorConfig.Runner runner) {
        SafeMigrationSpec spec = m.getSpec();
        String namespace = m.getMetadata().getNamespace();
        List<Volume> volumes = new ArrayList<>();
        List<VolumeMount> mounts = new ArrayList<>();
        List<Container> init = new ArrayList<>();
        List<String> args = new ArrayList<>();
        args.add(step.name());
        boolean userCommand = spec.getEngine() == MigrationEngineType.COMMAND && step == Step.migrate;

        if (spec.getEngine() != MigrationEngineType.COMMAND) {
            args.add("--engine=" + spec.getEngine().cliName());
            migrationSources(spec.getMigrations(), volumes, mounts, init, args);
        } else if (step == Step.plan) {
            args.add("--engine=command");
        }
        List<EnvVar> env = new ArrayList<>(RunnerPods.databaseEnv(spec.getDatabase()));
        if (step != Step.plan) {
            env.addAll(storage.env());
            storage.volume().ifPresent(volumes::add);
            storage.mount().ifPresent(mounts::add);
            args.add("--from=" + storage.location());
            args.addAll(storage.args());
            args.add("--backup=" + backupId);
        }
        SafeMigrationSpec.Safety safety = spec.getSafety() == null ? new SafeMigrationSpec.Safety() : spec.getSafety();
        if (Boolean.TRUE.equals(safety.getAllowDataLoss())) {
            args.add("--allow-data-loss");
        }
        for (String hash :
                safety.getApprovedStatements() == null ? List.<String>of() : safety.getApprovedStatements()) {
            args.add("--approve=" + hash);
        }
        if (safety.getLockHazards() == SafeMigrationSpec.LockHazards.Block) {
            args.add("--lock-hazards=block");
        }
        if (step == Step.rehearse || step == Step.migrate) {
            args.add("--lock-timeout=" + safety.getLockTimeout());
            args.add("--statement-timeout=" + safety.getStatementTimeout());
            args.add("--lock-retries=" + (safety.getLockRetries() == null ? 3 : safety.getLockRetries()));
        }
        VerificationServer rehearsalServer = step == Step.rehearse ? spec.getRehearsalServer() : null;
        if (rehearsalServer != null) {
            args.add("--rehearsal-server=" + RunnerPods.serverUrl(rehearsalServer));
            if (rehearsalServer.getPasswordSecretRef() != null) {
                env.add(RunnerPods.secretEnv(
                        "SCHEMAGUARD_REHEARSAL_PGPASSWORD",
                        rehearsalServer.getPasswordSecretRef().toKubernetes(RunnerPods.DEFAULT_PASSWORD_KEY)));
            }
        }
        if (step != Step.plan) {
            SafeMigrationSpec.Verification verify =
                    spec.getVerify() == null ? new SafeMigrationSpec.Verification() : spec.getVerify();
            if (Boolean.FALSE.equals(verify.getRowCounts())) {
                args.add("--no-row-counts");
            }
            for (SafeMigrationSpec.Assertion a : verify.getAssertions()) {
                args.add("--assert=" + a.getName() + "=" + a.getSql());
            }
        }
        if (step == Step.migrate) {
            args.add("--max-age="
                    + (spec.getBackup() == null ? "15m" : spec.getBackup().getMaxAge()));
        }
        if (userCommand) {
            // The application's own tool migrates; the runner's checks run in the next step's Job.
            args.clear();
        }
        OwnerReference owner = Owners.controller(m);
        return RunnerJob.build(
                RunnerJob.spec(
                                jobName(m, step, attempt),
                                namespace,
                                component(step),
                                KIND,
                                m.getMetadata().getName())
                        .ownedBy(owner)
                        .args(args)
                        .env(env)
                        .volumes(volumes, mounts)
                        .backoffLimit(0)
                        .activeDeadlineSeconds(6L * 3600)
                        .resources(spec.getResources())
                        .serviceAccountName(spec.getServiceAccountName())
                        .image(
                                userCommand ? spec.getCommand().getImage() : null,
                                userCommand ? spec.getCommand().getCommand() : null)
                        .initContainers(init)
                        .build(),
                runner);
    }

    /** ConfigMaps mount at /migrations/<i>; an image source is copied there by an init container. */
    private static void migrationSources(
            MigrationSource source,
            List<Volume> volumes,
            List<VolumeMount> mounts,
            List<Container> init,
            List<String> args) {
        if (source.getConfigMaps() != null) {
            for (int i = 0; i < source.getConfigMaps().size(); i++) {
                String vol = "migrations-" + i;
                volumes.add(new VolumeBuilder()
                        .withName(vol)
                        .withNewConfigMap()
                        .withName(source.getConfigMaps().get(i).getName())
                        .endConfigMap()
                        .build());
                mounts.add(new VolumeMountBuilder()
                        .withName(vol)
                        .withMountPath(MIGRATIONS_ROOT + "/" + i)
                        .withReadOnly(true)
                        .build());
                args.add("--migrations=" + MIGRATIONS_ROOT + "/" + i);
            }
            return;
        }
        volumes.add(new VolumeBuilder()
                .withName("migrations")
                .withNewEmptyDir()
                .endEmptyDir()
                .build());
        VolumeMount mount = new VolumeMountBuilder()
                .withName("migrations")
                .withMountPath(MIGRATIONS_ROOT + "/0")
                .build();
        mounts.add(mount);
        init.add(new ContainerBuilder()
                .withName("copy-migrations")
                .withImage(source.getImage().getImage())
                .withCommand(
                        "sh",
                        "-c",
                        "cp -R \"$0\"/. /migrations/0/",
                        source.getImage().getPath())
                .withVolumeMounts(mount)
                .build());
        args.add("--migrations=" + MIGRATIONS_ROOT + "/0");
    }
}
