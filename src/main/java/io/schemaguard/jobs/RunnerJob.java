package io.schemaguard.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
import io.schemaguard.operator.OperatorConfig;
import io.schemaguard.runner.FailureReason;

/**
 * The Job every resource becomes, whatever the runner command: named deterministically, owned by
 * its resource, never cleaned up by TTL (its status stays readable), failing at once on
 * configuration errors, hardened, with a writable /tmp and nothing else writable.
 */
public final class RunnerJob {

    /**
     * What differs between resources; everything else is the same for all runner Jobs. {@code image}
     * and {@code command} default to the runner's ({@code schemaguard}); a SafeMigration with engine
     * {@code command} runs the application's own. Init containers get the same hardening.
     */
    public record Spec(String name, String namespace, String component, String ownerKind, String ownerName,
            OwnerReference owner, List<String> args, List<EnvVar> env, List<Volume> volumes, List<VolumeMount> mounts,
            int backoffLimit, long activeDeadlineSeconds, ResourceRequirements resources, String serviceAccountName,
            String image, List<String> command, List<Container> initContainers) {

        public Spec(String name, String namespace, String component, String ownerKind, String ownerName,
                OwnerReference owner, List<String> args, List<EnvVar> env, List<Volume> volumes,
                List<VolumeMount> mounts, int backoffLimit, long activeDeadlineSeconds, ResourceRequirements resources,
                String serviceAccountName) {
            this(name, namespace, component, ownerKind, ownerName, owner, args, env, volumes, mounts, backoffLimit,
                    activeDeadlineSeconds, resources, serviceAccountName, null, null, List.of());
        }
    }

    private RunnerJob() {
    }

    public static Job build(Spec s, OperatorConfig.Runner runner) {
        Map<String, String> labels = Labels.forJob(s.component(), s.ownerKind());
        Map<String, String> annotations = Map.of(Labels.OWNER_NAME_ANNOTATION, s.ownerName());
        List<EnvVar> env = new ArrayList<>(RunnerPods.commonEnv(s.namespace()));
        env.addAll(s.env());
        List<Volume> volumes = new ArrayList<>();
        volumes.add(new VolumeBuilder().withName(RunnerPods.TMP_VOLUME).withNewEmptyDir().endEmptyDir().build());
        volumes.addAll(s.volumes());
        List<VolumeMount> mounts = new ArrayList<>();
        mounts.add(new VolumeMountBuilder().withName(RunnerPods.TMP_VOLUME).withMountPath("/tmp").build());
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
                .withServiceAccountName(s.serviceAccountName())
                // The runner talks to PostgreSQL and storage, never to the Kubernetes API.
                .withAutomountServiceAccountToken(false)
                .withSecurityContext(RunnerPods.podSecurity(runner.runAsUser()))
                .withImagePullSecrets(runner.imagePullSecrets().orElse(List.of()).stream()
                        .map(LocalObjectReference::new).toList())
                .withVolumes(volumes)
                .withInitContainers(s.initContainers().stream().map(c -> new ContainerBuilder(c)
                        .withSecurityContext(RunnerPods.containerSecurity())
                        .withResources(RunnerPods.resources(s.resources(), runner))
                        .build()).toList())
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
