package io.schemaguard.operator.jobs;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyRuleBuilder;
import io.schemaguard.contract.FailureReason;
import io.schemaguard.operator.OperatorConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Job every resource becomes, whatever the runner command: named deterministically, owned by
 * its resource, never cleaned up by TTL (its status stays readable), failing at once on
 * configuration errors, hardened, with a writable /tmp and nothing else writable.
 */
public final class RunnerJob {
    /** Jobs that tidy storage (a backup's delete, an orphan scan): short, so a stuck one is seen soon. */
    public static final long HOUSEKEEPING_DEADLINE_SECONDS = 600L;
    /** Pod retries of a backup's delete Job: a storage hiccup should not leave the resource stuck. */
    public static final int HOUSEKEEPING_BACKOFF_LIMIT = 2;

    /**
     * What differs between resources; everything else is the same for all runner Jobs. {@code image}
     * and {@code command} default to the runner's ({@code schemaguard}); a SafeMigration with engine
     * {@code command} runs the application's own. Init containers get the same hardening. Built with
     * {@link #spec}, so each value is named where it is given.
     */
    public record Spec(
            String name,
            String namespace,
            String component,
            String ownerKind,
            String ownerName,
            OwnerReference owner,
            List<String> args,
            List<EnvVar> env,
            List<Volume> volumes,
            List<VolumeMount> mounts,
            int backoffLimit,
            long activeDeadlineSeconds,
            ResourceRequirements resources,
            String serviceAccountName,
            String image,
            List<String> command,
            List<Container> initContainers) {}

    /** A Job named {@code name} in {@code namespace} that runs {@code component} for the resource {@code ownerKind/ownerName}. */
    public static SpecBuilder spec(
            String name, String namespace, String component, String ownerKind, String ownerName) {
        return new SpecBuilder(name, namespace, component, ownerKind, ownerName);
    }

    /** Names the values of a {@link Spec}; what is not given is empty (lists) or unset (null). */
    public static final class SpecBuilder {
        private final String name;
        private final String namespace;
        private final String component;
        private final String ownerKind;
        private final String ownerName;
        private OwnerReference owner;
        private List<String> args = List.of();
        private List<EnvVar> env = List.of();
        private List<Volume> volumes = List.of();
        private List<VolumeMount> mounts = List.of();
        private Integer backoffLimit;
        private Long activeDeadlineSeconds;
        private ResourceRequirements resources;
        private String serviceAccountName;
        private String image;
        private List<String> command;
        private List<Container> initContainers = List.of();

        private SpecBuilder(String name, String namespace, String component, String ownerKind, String ownerName) {
            this.name = name;
            this.namespace = namespace;
            this.component = component;
            this.ownerKind = ownerKind;
            this.ownerName = ownerName;
        }

        /** The controller owner reference; none (null) for a Job that must outlive its resource's deletion. */
        public SpecBuilder ownedBy(OwnerReference owner) {
            this.owner = owner;
            return this;
        }

        public SpecBuilder args(List<String> args) {
            this.args = args;
            return this;
        }

        public SpecBuilder env(List<EnvVar> env) {
            this.env = env;
            return this;
        }

        /** The volumes of the pod and where the runner container mounts them. */
        public SpecBuilder volumes(List<Volume> volumes, List<VolumeMount> mounts) {
            this.volumes = volumes;
            this.mounts = mounts;
            return this;
        }

        /** The storage's volume and mount, when it is a volume. */
        public SpecBuilder storage(StorageBinding storage) {
            return volumes(
                    storage.volume().stream().toList(), storage.mount().stream().toList());
        }

        public SpecBuilder backoffLimit(int backoffLimit) {
            this.backoffLimit = backoffLimit;
            return this;
        }

        public SpecBuilder activeDeadlineSeconds(long seconds) {
            this.activeDeadlineSeconds = seconds;
            return this;
        }

        public SpecBuilder resources(ResourceRequirements resources) {
            this.resources = resources;
            return this;
        }

        public SpecBuilder serviceAccountName(String serviceAccountName) {
            this.serviceAccountName = serviceAccountName;
            return this;
        }

        /** Another image and command than the runner's (null keeps the runner's). */
        public SpecBuilder image(String image, List<String> command) {
            this.image = image;
            this.command = command;
            return this;
        }

        public SpecBuilder initContainers(List<Container> initContainers) {
            this.initContainers = initContainers;
            return this;
        }

        /** Every Job names its retries and its deadline: there is no default that fits them all. */
        public Spec build() {
            if (backoffLimit == null || activeDeadlineSeconds == null) {
                throw new IllegalStateException(
                        "Job " + name + ": backoffLimit and activeDeadlineSeconds must be given");
            }
            return new Spec(
                    name,
                    namespace,
                    component,
                    ownerKind,
                    ownerName,
                    owner,
                    args,
                    env,
                    volumes,
                    mounts,
                    backoffLimit,
                    activeDeadlineSeconds,
                    resources,
                    serviceAccountName,
                    image,
                    command,
                    initContainers);
        }
    }

    private RunnerJob() {}

    public static Job build(Spec s, OperatorConfig.Runner runner) {
        Map<String, String> labels = Labels.forJob(s.component(), s.ownerKind());
        Map<String, String> annotations = Map.of(Labels.OWNER_NAME_ANNOTATION, s.ownerName());
        List<EnvVar> env = new ArrayList<>(RunnerPods.commonEnv(s.namespace()));
        env.addAll(s.env());
        List<Volume> volumes = new ArrayList<>();
        volumes.add(new VolumeBuilder()
                .withName(RunnerPods.TMP_VOLUME)
                .withNewEmptyDir()
                .endEmptyDir()
                .build());
        volumes.addAll(s.volumes());
        List<VolumeMount> mounts = new ArrayList<>();
        mounts.add(new VolumeMountBuilder()
                .withName(RunnerPods.TMP_VOLUME)
                .withMountPath("/tmp")
                .build());
        mounts.addAll(s.mounts());
        return new JobBuilder()
                .withNewMetadata()
                .withName(s.name())
                .withNamespace(s.namespace())
                .withLabels(labels)
                .withAnnotations(annotations)
                .withOwnerReferences(s.owner() == null ? List.of() : List.of(s.owner()))
                .endMetadata()
                .withNewSpec()
                .withBackoffLimit(s.backoffLimit())
                .withActiveDeadlineSeconds(s.activeDeadlineSeconds())
                // Configuration errors (bad arguments, tools older than the server, a target that must
                // not be touched) fail the Job at once instead of burning retries.
                .withNewPodFailurePolicy()
                .withRules(
                        new PodFailurePolicyRuleBuilder()
                                .withAction("FailJob")
                                .withNewOnExitCodes()
                                .withContainerName(RunnerPods.CONTAINER)
                                .withOperator("In")
                                .withValues(FailureReason.CONFIGURATION_EXIT_CODE)
                                .endOnExitCodes()
                                .build(),
                        new PodFailurePolicyRuleBuilder()
                                .withAction("Ignore")
                                .addNewOnPodCondition()
                                .withType("DisruptionTarget")
                                .withStatus("True")
                                .endOnPodCondition()
                                .build())
                .endPodFailurePolicy()
                .withNewTemplate()
                .withNewMetadata()
                .withLabels(labels)
                .withAnnotations(annotations)
                .endMetadata()
                .withNewSpec()
                .withRestartPolicy("Never")
                .withServiceAccountName(s.serviceAccountName())
                // The runner talks to PostgreSQL and storage, never to the Kubernetes API.
                .withAutomountServiceAccountToken(false)
                .withSecurityContext(RunnerPods.podSecurity(runner.runAsUser()))
                .withImagePullSecrets(runner.imagePullSecrets().orElse(List.of()).stream()
                        .map(LocalObjectReference::new)
                        .toList())
                .withVolumes(volumes)
                .withInitContainers(s.initContainers().stream()
                        .map(c -> new ContainerBuilder(c)
                                .withSecurityContext(RunnerPods.containerSecurity())
                                .withResources(RunnerPods.resources(s.resources(), runner))
                                .build())
                        .toList())
                .withContainers(new ContainerBuilder()
                        .withName(RunnerPods.CONTAINER)
                        .withImage(s.image() == null ? runner.image() : s.image())
                        .withImagePullPolicy(s.image() == null ? runner.imagePullPolicy() : "IfNotPresent")
                        .withCommand(s.command() == null ? List.of("schemaguard") : s.command())
                        .withArgs(s.args())
                        .withEnv(env)
                        .withVolumeMounts(mounts)
                        .withResources(RunnerPods.resources(s.resources(), runner))
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
