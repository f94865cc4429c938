package io.schemaguard.testing;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Test-only stand-in for the kubelet and the Job controller on the mock server: runs each Job's
 * container command as a local process (the image's {@code schemaguard} command is this project's
 * runner), with the pod's environment resolved from Secrets, then writes back the pod's termination
 * message and exit code and the Job's status, retrying up to {@code backoffLimit} like the Job
 * controller. It reads Secrets because a kubelet does; the operator never does.
 */
public final class LocalJobExecutor implements AutoCloseable {
    private final KubernetesClient client;
    private final String labelSelector;
    private final Set<String> seen = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor();
    private final ExecutorService workers = Executors.newCachedThreadPool();

    public LocalJobExecutor(KubernetesClient client, String labelSelector) {
        this.client = client;
        this.labelSelector = labelSelector;
        poller.scheduleWithFixedDelay(this::poll, 0, 200, TimeUnit.MILLISECONDS);
    }

    private void poll() {
        try {
            for (Job job : client.batch()
                    .v1()
                    .jobs()
                    .inAnyNamespace()
                    .withLabelSelector(labelSelector)
                    .list()
                    .getItems()) {
                if (seen.add(job.getMetadata().getNamespace() + "/"
                        + job.getMetadata().getName())) {
                    workers.submit(() -> {
                        try {
                            run(job);
                        } catch (RuntimeException e) {
                            System.err.println("LocalJobExecutor: running "
                                    + job.getMetadata().getName() + " failed: " + e);
                            e.printStackTrace();
                        }
                    });
                }
            }
        } catch (RuntimeException e) {
            System.err.println("LocalJobExecutor: " + e);
        }
    }

    private void run(Job job) {
        int backoffLimit =
                job.getSpec().getBackoffLimit() == null ? 6 : job.getSpec().getBackoffLimit();
        int failed = 0;
        setJobStatus(job, 0, 0, null);
        while (true) {
            String podName = job.getMetadata().getName() + "-"
                    + Long.toHexString(System.nanoTime()).substring(4);
            int exit = runPod(job, podName);
            if (exit == 0) {
                setJobStatus(job, failed, 1, "Complete");
                return;
            }
            failed++;
            if (failed > backoffLimit) {
                setJobStatus(job, failed, 0, "Failed");
                return;
            }
            setJobStatus(job, failed, 0, null);
        }
    }

    private int runPod(Job job, String podName) {
        String ns = job.getMetadata().getNamespace();
        Container c = job.getSpec().getTemplate().getSpec().getContainers().get(0);
        String created = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        Pod pod = new PodBuilder()
                .withNewMetadata()
                .withName(podName)
                .withNamespace(ns)
                .withCreationTimestamp(created)
                .withLabels(job.getSpec().getTemplate().getMetadata().getLabels())
                .addToLabels("job-name", job.getMetadata().getName())
                .addToLabels("batch.kubernetes.io/job-name", job.getMetadata().getName())
                .withAnnotations(job.getSpec().getTemplate().getMetadata().getAnnotations())
                .endMetadata()
                .withSpec(job.getSpec().getTemplate().getSpec())
                .withNewStatus()
                .withPhase("Running")
                .withStartTime(created)
                .withContainerStatuses(new ContainerStatusBuilder()
                        .withName(c.getName())
                        .withNewState()
                        .withNewRunning()
                        .withStartedAt(created)
                        .endRunning()
                        .endState()
                        .build())
                .endStatus()
                .build();
        client.resource(pod).createOr(NonDeletingOperation::update);
        try {
            Path terminationLog = Files.createTempFile("termination-", ".log");
            Map<String, String> env = new HashMap<>();
            while (true) {
                try {
                    for (EnvVar e : c.getEnv()) {
                        env.put(e.getName(), resolve(ns, e));
                    }
                    break;
                } catch (MissingSecret missing) {
                    // what the kubelet does: the container waits, the pod reports why, and it starts
                    // once the Secret exists
                    client.resource(new PodBuilder(pod)
                                    .editStatus()
                                    .withPhase("Pending")
                                    .withContainerStatuses(new ContainerStatusBuilder()
                                            .withName(c.getName())
                                            .withNewState()
                                            .withNewWaiting()
                                            .withReason("CreateContainerConfigError")
                                            .withMessage(missing.getMessage())
                                            .endWaiting()
                                            .endState()
                                            .build())
                                    .endStatus()
                                    .build())
                            .createOr(NonDeletingOperation::update);
                    Ports.sleep(500);
                }
            }
            env.put("SCHEMAGUARD_TERMINATION_LOG", terminationLog.toString());
            env.put("HOME", System.getProperty("java.io.tmpdir"));
            Map<String, Path> mounted = configMapVolumes(job, ns);
            Runner.Result result;
            if ("schemaguard".equals(c.getCommand().get(0))) {
                List<String> command = new ArrayList<>();
                for (String arg : c.getArgs()) {
                    command.add(rewrite(arg, mounted));
                }
                result = Runner.await(Runner.start(env, command, terminationLog), terminationLog);
            } else {
                // another image's command (a SafeMigration with engine command): run it as written
                List<String> command = new ArrayList<>(c.getCommand());
                command.addAll(c.getArgs() == null ? List.of() : c.getArgs());
                ProcessBuilder pb = new ProcessBuilder(command);
                pb.environment().putAll(env);
                result = Runner.await(pb.start(), terminationLog);
            }
            System.err.println(
                    "LocalJobExecutor: pod " + podName + " exited " + result.exitCode() + "\n" + result.stderr());
            String message = result.terminationMessage().isBlank()
                    ? tail(result.stderr()) // FallbackToLogsOnError
                    : result.terminationMessage();
            Files.deleteIfExists(terminationLog);
            String finished = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
            client.resource(new PodBuilder(pod)
                            .editStatus()
                            .withPhase(result.exitCode() == 0 ? "Succeeded" : "Failed")
                            .withContainerStatuses(new ContainerStatusBuilder()
                                    .withName(c.getName())
                                    .withNewState()
                                    .withNewTerminated()
                                    .withExitCode(result.exitCode())
                                    .withMessage(message)
                                    .withFinishedAt(finished)
                                    .endTerminated()
                                    .endState()
                                    .build())
                            .endStatus()
                            .build())
                    .createOr(NonDeletingOperation::update);
            return result.exitCode();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** ConfigMap volumes as directories of files (what a kubelet mounts), by their mount path. */
    private Map<String, Path> configMapVolumes(Job job, String ns) throws IOException {
        Map<String, Path> mounted = new HashMap<>();
        var spec = job.getSpec().getTemplate().getSpec();
        for (var mount : spec.getContainers().get(0).getVolumeMounts()) {
            var volume = spec.getVolumes().stream()
                    .filter(v -> v.getName().equals(mount.getName()))
                    .findFirst()
                    .orElseThrow();
            if (volume.getConfigMap() == null) {
                continue;
            }
            var cm = client.configMaps()
                    .inNamespace(ns)
                    .withName(volume.getConfigMap().getName())
                    .get();
            if (cm == null) {
                throw new IllegalStateException(
                        "configmap " + volume.getConfigMap().getName() + " not found");
            }
            Path dir = Files.createTempDirectory("configmap-");
            ConfigMapLayout.write(cm.getData(), dir);
            mounted.put(mount.getMountPath(), dir);
        }
        return mounted;
    }

    /** An argument naming a mounted path (--migrations=/migrations/0) points at the local copy. */
    private static String rewrite(String arg, Map<String, Path> mounted) {
        for (var e : mounted.entrySet()) {
            int at = arg.indexOf(e.getKey());
            if (at >= 0
                    && (at + e.getKey().length() == arg.length()
                            || arg.charAt(at + e.getKey().length()) == '/')) {
                return arg.substring(0, at)
                        + e.getValue()
                        + arg.substring(at + e.getKey().length());
            }
        }
        return arg;
    }

    private String resolve(String ns, EnvVar e) {
        if (e.getValueFrom() == null) {
            return e.getValue();
        }
        var ref = e.getValueFrom().getSecretKeyRef();
        Secret secret = client.secrets().inNamespace(ns).withName(ref.getName()).get();
        if (secret == null) {
            throw new MissingSecret("secret \"" + ref.getName() + "\" not found");
        }
        if (secret.getData() != null && secret.getData().containsKey(ref.getKey())) {
            return new String(Base64.getDecoder().decode(secret.getData().get(ref.getKey())), StandardCharsets.UTF_8);
        }
        // the mock server keeps stringData as written; a real API server folds it into data
        if (secret.getStringData() != null && secret.getStringData().containsKey(ref.getKey())) {
            return secret.getStringData().get(ref.getKey());
        }
        throw new MissingSecret("couldn't find key " + ref.getKey() + " in Secret " + ns + "/" + ref.getName());
    }

    private static final class MissingSecret extends RuntimeException {
        MissingSecret(String message) {
            super(message);
        }
    }

    private void setJobStatus(Job job, int failed, int succeeded, String condition) {
        Job current = client.batch().v1().jobs().resource(job).get();
        if (current == null) {
            return;
        }
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        JobBuilder b = new JobBuilder(current)
                .withNewStatus()
                .withStartTime(now)
                .withActive(condition == null ? 1 : 0)
                .withFailed(failed)
                .withSucceeded(succeeded)
                .endStatus();
        if (condition != null) {
            b.editStatus()
                    .withCompletionTime("Complete".equals(condition) ? now : null)
                    .addToConditions(new JobConditionBuilder()
                            .withType(condition)
                            .withStatus("True")
                            .withReason("Failed".equals(condition) ? "BackoffLimitExceeded" : null)
                            .withMessage(
                                    "Failed".equals(condition) ? "Job has reached the specified backoff limit" : null)
                            .build())
                    .endStatus();
        }
        client.batch().v1().jobs().resource(b.build()).updateStatus();
    }

    private static String tail(String log) {
        return log.length() <= 2048 ? log : log.substring(log.length() - 2048);
    }

    @Override
    public void close() {
        poller.shutdownNow();
        workers.shutdownNow();
    }
}
