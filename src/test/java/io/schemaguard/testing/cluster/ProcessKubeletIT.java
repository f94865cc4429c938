package io.schemaguard.testing.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The process kubelet itself, with bare pods (no Job) on the real API server: what the operator's
 * tests rely on it for, shown with a shell image (its {@code sh} is /bin/sh).
 */
class ProcessKubeletIT {
    @RegisterExtension
    static final RealCluster cluster = new RealCluster();

    static final Duration TIMEOUT = Duration.ofSeconds(60);
    static KubernetesClient admin;
    static String ns;

    @BeforeAll
    static void namespace() {
        admin = cluster.admin();
        ns = cluster.namespace("kubelet");
    }

    static Pod shellPod(String name, String image, String script, List<EnvVar> env) {
        return new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(ns)
                .endMetadata()
                // no projected token volume: the process kubelet mounts emptyDir volumes only
                .withNewSpec()
                .withRestartPolicy("Never")
                .withTerminationGracePeriodSeconds(2L)
                .withAutomountServiceAccountToken(false)
                .addNewVolume()
                .withName("scratch")
                .withNewEmptyDir()
                .endEmptyDir()
                .endVolume()
                .addNewContainer()
                .withName("main")
                .withImage(image)
                .withCommand("sh", "-c", script)
                .withEnv(env)
                .addNewVolumeMount()
                .withName("scratch")
                .withMountPath("/scratch")
                .endVolumeMount()
                .withTerminationMessagePolicy("FallbackToLogsOnError")
                .endContainer()
                .endSpec()
                .build();
    }

    /**
     * The termination-message path in an environment variable, which the kubelet rewrites to the
     * local file (as the operator passes it to the runner): a path inside a script is not rewritten.
     */
    static EnvVar messageFile() {
        return new EnvVarBuilder()
                .withName("MESSAGE")
                .withValue("/dev/termination-log")
                .build();
    }

    static Pod get(String name) {
        return admin.pods().inNamespace(ns).withName(name).get();
    }

    static Pod awaitTerminal(String name) {
        return await().atMost(TIMEOUT)
                .until(
                        () -> get(name),
                        p -> p.getStatus() != null
                                && List.of("Succeeded", "Failed")
                                        .contains(p.getStatus().getPhase()));
    }

    static ContainerStateTerminated terminated(Pod p) {
        return p.getStatus().getContainerStatuses().get(0).getState().getTerminated();
    }

    static ContainerStateWaiting awaitWaiting(String name, String reason) {
        return await().atMost(TIMEOUT)
                .until(
                        () -> {
                            Pod p = get(name);
                            var statuses =
                                    p.getStatus() == null ? null : p.getStatus().getContainerStatuses();
                            return statuses == null || statuses.isEmpty()
                                    ? null
                                    : statuses.get(0).getState().getWaiting();
                        },
                        w -> w != null && reason.equals(w.getReason()));
    }

    @Test
    void runsTheContainerWithItsEnvironmentAndReportsTheLogTailOfAFailure() {
        admin.resource(new ConfigMapBuilder()
                        .withNewMetadata()
                        .withName("settings")
                        .withNamespace(ns)
                        .endMetadata()
                        .addToData("color", "blue")
                        .build())
                .create();
        List<EnvVar> env = List.of(
                new EnvVarBuilder().withName("GREETING").withValue("hello").build(),
                new EnvVarBuilder()
                        .withName("EXPANDED")
                        .withValue("$(GREETING)-world")
                        .build(),
                new EnvVarBuilder()
                        .withName("COLOR")
                        .withNewValueFrom()
                        .withNewConfigMapKeyRef("color", "settings", false)
                        .endValueFrom()
                        .build(),
                new EnvVarBuilder()
                        .withName("POD")
                        .withNewValueFrom()
                        .withNewFieldRef("v1", "metadata.name")
                        .endValueFrom()
                        .build(),
                new EnvVarBuilder()
                        .withName("OUT")
                        .withValue("/scratch/out.txt")
                        .build());
        admin.resource(shellPod(
                        "fails",
                        RealCluster.SHELL_IMAGE,
                        "echo \"$GREETING $EXPANDED $COLOR $POD\"; echo data > \"$OUT\" && cat \"$OUT\"; exit 7",
                        env))
                .create();

        Pod p = awaitTerminal("fails");
        assertThat(p.getSpec().getNodeName()).isEqualTo(cluster.kubelet().nodeName());
        assertThat(p.getStatus().getConditions())
                .anyMatch(
                        c -> c.getType().equals("PodScheduled") && c.getStatus().equals("True"));
        assertThat(p.getStatus().getPhase()).isEqualTo("Failed");
        ContainerStateTerminated t = terminated(p);
        assertThat(t.getExitCode()).isEqualTo(7);
        assertThat(t.getReason()).isEqualTo("Error");
        // Nothing in the termination-message file, so (FallbackToLogsOnError) the log's tail.
        assertThat(t.getMessage()).isEqualTo("hello hello-world blue fails\ndata\n");
    }

    @Test
    void theTerminationMessageFileIsTheMessage() {
        admin.resource(shellPod(
                        "succeeds",
                        RealCluster.SHELL_IMAGE,
                        "echo some log; printf '{\"status\":\"done\"}' > \"$MESSAGE\"",
                        List.of(messageFile())))
                .create();
        Pod p = awaitTerminal("succeeds");
        assertThat(p.getStatus().getPhase()).isEqualTo("Succeeded");
        assertThat(terminated(p).getExitCode()).isZero();
        assertThat(terminated(p).getReason()).isEqualTo("Completed");
        assertThat(terminated(p).getMessage()).isEqualTo("{\"status\":\"done\"}");
    }

    @Test
    void aMissingConfigMapKeyWaitsWithTheKubeletsMessageUntilItExists() {
        List<EnvVar> env = List.of(
                new EnvVarBuilder()
                        .withName("LEVEL")
                        .withNewValueFrom()
                        .withNewConfigMapKeyRef("level", "later", false)
                        .endValueFrom()
                        .build(),
                messageFile());
        admin.resource(shellPod("waits", RealCluster.SHELL_IMAGE, "echo level=$LEVEL > \"$MESSAGE\"", env))
                .create();
        assertThat(awaitWaiting("waits", "CreateContainerConfigError").getMessage())
                .isEqualTo("configmap \"later\" not found");
        assertThat(get("waits").getStatus().getPhase()).isEqualTo("Pending");

        admin.resource(new ConfigMapBuilder()
                        .withNewMetadata()
                        .withName("later")
                        .withNamespace(ns)
                        .endMetadata()
                        .addToData("other", "x")
                        .build())
                .create();
        String missingKey = "couldn't find key level in ConfigMap " + ns + "/later";
        await().atMost(TIMEOUT)
                .until(() -> awaitWaiting("waits", "CreateContainerConfigError").getMessage(), missingKey::equals);

        admin.configMaps()
                .inNamespace(ns)
                .withName("later")
                .edit(c -> new ConfigMapBuilder(c).addToData("level", "3").build());
        Pod p = awaitTerminal("waits");
        assertThat(p.getStatus().getPhase()).isEqualTo("Succeeded");
        assertThat(terminated(p).getMessage()).isEqualTo("level=3\n");
    }

    @Test
    void aConfigMapVolumeIsMountedInTheKubeletsLayoutOnceTheConfigMapExists() {
        // The mounted path reaches the script as a flag's value (as --migrations=/migrations/0 reaches the runner).
        String script =
                "cd \"${1#--dir=}\" && ls -A | sort | tr '\\n' ' ' > \"$MESSAGE\" && cat V1__orders.sql >> \"$MESSAGE\"";
        Pod pod = new PodBuilder(shellPod("reads-files", RealCluster.SHELL_IMAGE, script, List.of(messageFile())))
                .editSpec()
                .addNewVolume()
                .withName("sql")
                .withNewConfigMap()
                .withName("migrations")
                .endConfigMap()
                .endVolume()
                .editFirstContainer()
                .withCommand("sh", "-c", script, "sh")
                .withArgs("--dir=/migrations/0")
                .addNewVolumeMount()
                .withName("sql")
                .withMountPath("/migrations/0")
                .withReadOnly(true)
                .endVolumeMount()
                .endContainer()
                .endSpec()
                .build();
        admin.resource(pod).create();
        await().atMost(TIMEOUT)
                .until(
                        () -> awaitWaiting("reads-files", "ContainerCreating").getMessage(),
                        m -> m != null && m.contains("configmap \"migrations\" not found"));

        admin.resource(new ConfigMapBuilder()
                        .withNewMetadata()
                        .withName("migrations")
                        .withNamespace(ns)
                        .endMetadata()
                        .addToData("V1__orders.sql", "CREATE TABLE orders (id int);")
                        .build())
                .create();
        Pod p = awaitTerminal("reads-files");
        assertThat(p.getStatus().getPhase())
                .as(String.valueOf(terminated(p).getMessage()))
                .isEqualTo("Succeeded");
        assertThat(terminated(p).getMessage())
                .matches("\\.\\.[0-9_]+ \\.\\.data V1__orders\\.sql CREATE TABLE orders \\(id int\\);");
    }

    @Test
    void anUnknownImageCannotBePulledAndItsPodCanStillBeDeleted() {
        admin.resource(shellPod("no-image", "registry.invalid/nothing:1", "true", List.of()))
                .create();
        assertThat(awaitWaiting("no-image", "ErrImagePull").getMessage()).contains("registry.invalid/nothing:1");
        admin.pods().inNamespace(ns).withName("no-image").delete();
        await().atMost(TIMEOUT).until(() -> get("no-image") == null);
    }

    @Test
    void deletingARunningPodStopsItsProcess() {
        admin.resource(shellPod("sleeps", RealCluster.SHELL_IMAGE, "sleep 600", List.of()))
                .create();
        await().atMost(TIMEOUT).until(() -> cluster.kubelet().isRunning(ns, "sleeps"));
        // The process starts before the kubelet reports it: wait for the report, not only the process.
        await().atMost(TIMEOUT)
                .until(() -> get("sleeps").getStatus() != null
                        && "Running".equals(get("sleeps").getStatus().getPhase()));
        long t0 = System.nanoTime();
        admin.pods().inNamespace(ns).withName("sleeps").delete();
        await().atMost(TIMEOUT).until(() -> get("sleeps") == null);
        assertThat(cluster.kubelet().isRunning(ns, "sleeps")).isFalse();
        // SIGTERM, and SIGKILL if that has not ended it after the 2 s grace period.
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(20));
    }
}
