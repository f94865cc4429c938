package io.schemaguard.testing;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import java.time.Instant;
import java.util.Map;

/** Jobs and pods in the states the Job controller and the kubelet put them in. */
public final class JobFixtures {
    private JobFixtures() {}

    public static Job active(String name) {
        return new JobBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withNewStatus()
                .withActive(1)
                .withStartTime("2026-11-25T03:15:02Z")
                .endStatus()
                .build();
    }

    public static Job withFailures(Job job, int failed) {
        return new JobBuilder(job).editStatus().withFailed(failed).endStatus().build();
    }

    public static Job complete(String name) {
        return new JobBuilder(active(name))
                .editStatus()
                .withActive(0)
                .withSucceeded(1)
                .withCompletionTime("2026-11-25T03:16:40Z")
                .addToConditions(new JobConditionBuilder()
                        .withType("Complete")
                        .withStatus("True")
                        .build())
                .endStatus()
                .build();
    }

    public static Job failed(String name, int failedPods, String reason, String message) {
        return new JobBuilder(active(name))
                .editStatus()
                .withActive(0)
                .withFailed(failedPods)
                .addToConditions(new JobConditionBuilder()
                        .withType("Failed")
                        .withStatus("True")
                        .withReason(reason)
                        .withMessage(message)
                        .build())
                .endStatus()
                .build();
    }

    /** A Job the Job controller failed at {@code at}, as it writes it: the condition carries the time. */
    public static Job failedAt(String name, int failedPods, String reason, String message, Instant at) {
        return new JobBuilder(failed(name, failedPods, reason, message))
                .editStatus()
                .editFirstCondition()
                .withLastTransitionTime(at == null ? null : at.toString())
                .endCondition()
                .endStatus()
                .build();
    }

    public static Pod running(String name, String created) {
        return pod(
                name,
                created,
                "Running",
                new ContainerStatusBuilder()
                        .withName("runner")
                        .withNewState()
                        .withNewRunning()
                        .withStartedAt(created)
                        .endRunning()
                        .endState()
                        .build());
    }

    public static Pod terminated(String name, String created, int exitCode, String message) {
        return pod(
                name,
                created,
                exitCode == 0 ? "Succeeded" : "Failed",
                new ContainerStatusBuilder()
                        .withName("runner")
                        .withNewState()
                        .withNewTerminated()
                        .withExitCode(exitCode)
                        .withMessage(message)
                        .endTerminated()
                        .endState()
                        .build());
    }

    /** A runner the kernel killed for memory, with the 512Mi limit the operator gives by default. */
    public static Pod oomKilled(String name, String created) {
        Pod p = pod(
                name,
                created,
                "Failed",
                new ContainerStatusBuilder()
                        .withName("runner")
                        .withNewState()
                        .withNewTerminated()
                        .withExitCode(137)
                        .withReason("OOMKilled")
                        .withMessage("starting backup")
                        .endTerminated()
                        .endState()
                        .build());
        p.setSpec(new PodSpecBuilder()
                .addNewContainer()
                .withName("runner")
                .withNewResources()
                .addToLimits("memory", new Quantity("512Mi"))
                .endResources()
                .endContainer()
                .build());
        return p;
    }

    public static Pod waiting(String name, String created, String reason, String message) {
        return pod(
                name,
                created,
                "Pending",
                new ContainerStatusBuilder()
                        .withName("runner")
                        .withNewState()
                        .withNewWaiting()
                        .withReason(reason)
                        .withMessage(message)
                        .endWaiting()
                        .endState()
                        .build());
    }

    private static Pod pod(String name, String created, String phase, ContainerStatus cs) {
        return new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withCreationTimestamp(created)
                .withLabels(Map.of("job-name", "b-backup"))
                .endMetadata()
                .withNewStatus()
                .withPhase(phase)
                .withContainerStatuses(cs)
                .endStatus()
                .build();
    }

    public static final String SUCCESS_MESSAGE = "{\"status\":\"Succeeded\",\"backupId\":\"20261125T031500Z-8f14e45f\","
            + "\"database\":\"shop\",\"location\":\"s3://b/shop/shop/20261125T031500Z-8f14e45f/dump.pgdump.zst\","
            + "\"sizeBytes\":1048576,\"sha256\":\"" + "ab".repeat(32) + "\",\"durationSeconds\":3.5,"
            + "\"serverVersion\":\"15.18\",\"pgDumpVersion\":\"17.2\"}";

    public static String failure(String reason, String message) {
        return "{\"status\":\"Failed\",\"reason\":\"" + reason + "\",\"message\":\"" + message + "\"}";
    }
}
