package io.schemaguard.testing.cluster;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapVolumeSource;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HostIPBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.NodeStatusBuilder;
import io.fabric8.kubernetes.api.model.ObjectFieldSelector;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIPBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.schemaguard.testing.ConfigMapLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A test-only kubelet (and scheduler) that runs containers as local processes. It registers a Ready
 * Node, binds every unscheduled pod to it (the Binding subresource), and for each pod bound to it:
 * resolves the container's environment through the API ({@code secretKeyRef}, {@code configMapKeyRef},
 * {@code fieldRef}, {@code envFrom}; a missing Secret, ConfigMap or key leaves the container waiting
 * with {@code CreateContainerConfigError} and the kubelet's message, retried until it appears), maps
 * {@code emptyDir} and {@code configMap} mounts (the latter in the kubelet's {@code ..data} layout)
 * and the termination-message file to temp directories (environment values
 * naming a mapped path, and arguments that do, whole or as a {@code --flag=value}, are rewritten to
 * the local path; a path inside a longer argument such as a shell script is not), starts the image's command (see
 * {@link ProcessImage}; an unknown image waits with {@code ErrImagePull}) in a temp working directory,
 * and reports phase, container state, exit code and termination message through the pod's status
 * subresource (with {@code FallbackToLogsOnError}: the log tail when the file is empty and the exit
 * code is not 0). A deleted pod's process gets SIGTERM, then SIGKILL after the grace period, and the
 * pod is then removed for good, as a kubelet does.
 *
 * <p>Not modelled: several containers or init containers per pod (such a pod waits with
 * {@code CreateContainerConfigError}), restarts ({@code restartPolicy} is treated as Never, which is
 * what Jobs with a pod failure policy use), volumes other than emptyDir and configMap (the container waits in
 * {@code ContainerCreating}), resource limits, security contexts (processes run as the test's user),
 * service environment variables, probes, and Events.
 */
public final class ProcessKubelet implements AutoCloseable {
    public static final String DEFAULT_TERMINATION_MESSAGE_PATH = "/dev/termination-log";
    /**
     * Pods in namespaces starting with this are never bound (they stay Pending), for benchmarks whose
     * figure is the operator's and whose thousand backup pods must not run: SCHEMAGUARD_KUBELET_SKIP_NAMESPACES.
     */
    static final String SKIPPED_NAMESPACE_PREFIX = System.getenv("SCHEMAGUARD_KUBELET_SKIP_NAMESPACES");
    /** The kubelet's limits for termination messages (kubecontainer.MaxContainerTerminationMessage*). */
    static final int MAX_TERMINATION_MESSAGE = 4096;

    static final int FALLBACK_LOG_LINES = 80;
    static final int FALLBACK_LOG_BYTES = 2048;
    private static final Pattern VAR_REF = Pattern.compile("\\$\\$|\\$\\(([-._a-zA-Z][-._a-zA-Z0-9]*)\\)");

    private final KubernetesClient client;
    private final String nodeName;
    private final Path root;
    private final Map<String, ProcessImage> images = new ConcurrentHashMap<>();
    private final Map<String, PodWorker> workers = new ConcurrentHashMap<>();
    private final Set<String> binding = ConcurrentHashMap.newKeySet();
    private final Set<String> finalizing = ConcurrentHashMap.newKeySet();
    private final ExecutorService dispatcher = Executors.newSingleThreadExecutor(r -> daemon(r, "kubelet-dispatch"));
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> daemon(r, "kubelet-pod"));
    private final ScheduledExecutorService heartbeat =
            Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "kubelet-heartbeat"));
    private SharedIndexInformer<Pod> informer;
    private volatile boolean closed;

    private ProcessKubelet(KubernetesClient client, String nodeName, Path root, Collection<ProcessImage> images) {
        this.client = client;
        this.nodeName = nodeName;
        this.root = root;
        images.forEach(i -> this.images.put(i.name(), i));
    }

    /** Registers the Node and starts serving pods. {@code client} must be allowed to read Secrets (admin). */
    public static ProcessKubelet start(
            KubernetesClient client, String nodeName, Path root, Collection<ProcessImage> images) {
        ProcessKubelet kubelet = new ProcessKubelet(client, nodeName, root, images);
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        kubelet.registerNode();
        kubelet.heartbeat.scheduleWithFixedDelay(kubelet::heartbeatQuietly, 10, 10, TimeUnit.SECONDS);
        kubelet.informer = client.pods()
                .inAnyNamespace()
                .inform(
                        new ResourceEventHandler<>() {
                            @Override
                            public void onAdd(Pod pod) {
                                kubelet.dispatch(pod, false);
                            }

                            @Override
                            public void onUpdate(Pod old, Pod pod) {
                                kubelet.dispatch(pod, false);
                            }

                            @Override
                            public void onDelete(Pod pod, boolean deletedFinalStateUnknown) {
                                kubelet.dispatch(pod, true);
                            }
                        },
                        5_000);
        return kubelet;
    }

    public String nodeName() {
        return nodeName;
    }

    /** Whether the pod's process is alive right now. */
    public boolean isRunning(String namespace, String podName) {
        return workers.values().stream()
                .anyMatch(w -> w.namespace.equals(namespace)
                        && w.name.equals(podName)
                        && w.process != null
                        && w.process.isAlive());
    }

    /** The combined stdout and stderr of the pod's container, as far as it got. */
    public Optional<String> logs(String namespace, String podName) {
        return workers.values().stream()
                .filter(w -> w.namespace.equals(namespace) && w.name.equals(podName))
                .reduce((a, b) -> b)
                .map(w -> readQuietly(w.logFile));
    }

    // ------------------------------------------------------------------------------------- node

    private void registerNode() {
        client.nodes()
                .resource(new NodeBuilder()
                        .withNewMetadata()
                        .withName(nodeName)
                        .addToLabels("kubernetes.io/hostname", nodeName)
                        .addToLabels("kubernetes.io/os", "linux")
                        .addToLabels(
                                "kubernetes.io/arch",
                                System.getProperty("os.arch").replace("x86_64", "amd64"))
                        .endMetadata()
                        .build())
                .create();
        updateNodeStatus();
    }

    private void heartbeatQuietly() {
        try {
            updateNodeStatus();
        } catch (RuntimeException e) {
            log("node heartbeat failed: " + e.getMessage());
        }
    }

    private void updateNodeStatus() {
        String now = now();
        for (int attempt = 0; attempt < 10; attempt++) {
            Node node = client.nodes().withName(nodeName).get();
            List<NodeCondition> conditions = new ArrayList<>();
            conditions.add(nodeCondition(
                    node, "Ready", "True", "KubeletReady", "process kubelet is posting ready status", now));
            conditions.add(nodeCondition(node, "MemoryPressure", "False", "KubeletHasSufficientMemory", "", now));
            conditions.add(nodeCondition(node, "DiskPressure", "False", "KubeletHasNoDiskPressure", "", now));
            conditions.add(nodeCondition(node, "PIDPressure", "False", "KubeletHasSufficientPID", "", now));
            Map<String, Quantity> capacity = Map.of(
                    "cpu",
                    new Quantity(Integer.toString(Runtime.getRuntime().availableProcessors())),
                    "memory",
                    new Quantity("16Gi"),
                    "pods",
                    new Quantity("110"),
                    "ephemeral-storage",
                    new Quantity("20Gi"));
            node.setStatus(new NodeStatusBuilder()
                    .withConditions(conditions)
                    .addNewAddress()
                    .withType("InternalIP")
                    .withAddress("127.0.0.1")
                    .endAddress()
                    .addNewAddress()
                    .withType("Hostname")
                    .withAddress(nodeName)
                    .endAddress()
                    .withCapacity(capacity)
                    .withAllocatable(capacity)
                    .withNewNodeInfo()
                    .withArchitecture(node.getMetadata().getLabels().get("kubernetes.io/arch"))
                    .withOperatingSystem("linux")
                    .withOsImage(System.getProperty("os.name") + " " + System.getProperty("os.version"))
                    .withKernelVersion(System.getProperty("os.version"))
                    .withContainerRuntimeVersion("process://schemaguard-test")
                    .withKubeletVersion(client.getKubernetesVersion().getGitVersion())
                    .withKubeProxyVersion("")
                    .withMachineID(nodeName)
                    .withSystemUUID(nodeName)
                    .withBootID(nodeName)
                    .endNodeInfo()
                    .build());
            try {
                client.nodes().resource(node).updateStatus();
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
            }
        }
    }

    private static NodeCondition nodeCondition(
            Node node, String type, String status, String reason, String message, String now) {
        String transition = node.getStatus() == null || node.getStatus().getConditions() == null
                ? now
                : node.getStatus().getConditions().stream()
                        .filter(c -> type.equals(c.getType()) && status.equals(c.getStatus()))
                        .map(NodeCondition::getLastTransitionTime)
                        .filter(Objects::nonNull)
                        .findFirst()
                        .orElse(now);
        return new NodeConditionBuilder()
                .withType(type)
                .withStatus(status)
                .withReason(reason)
                .withMessage(message)
                .withLastHeartbeatTime(now)
                .withLastTransitionTime(transition)
                .build();
    }

    // ---------------------------------------------------------------------------------- dispatch

    private void dispatch(Pod pod, boolean deleted) {
        if (closed) {
            return;
        }
        dispatcher.execute(() -> {
            try {
                handle(pod, deleted);
            } catch (RuntimeException e) {
                log("handling pod " + key(pod) + " failed: " + e);
            }
        });
    }

    private void handle(Pod pod, boolean deleted) {
        String uid = pod.getMetadata().getUid();
        String node = pod.getSpec().getNodeName();
        boolean deleting = pod.getMetadata().getDeletionTimestamp() != null;
        PodWorker worker = workers.get(uid);
        if (deleted) {
            if (worker != null) {
                worker.requestStop(0);
            }
            return;
        }
        if (node == null || node.isEmpty()) {
            String scheduler = pod.getSpec().getSchedulerName();
            if (SKIPPED_NAMESPACE_PREFIX != null
                    && pod.getMetadata().getNamespace().startsWith(SKIPPED_NAMESPACE_PREFIX)) {
                return; // as on a cluster with no room: the pod stays Pending
            }
            if (!deleting && (scheduler == null || scheduler.equals("default-scheduler")) && binding.add(uid)) {
                pool.execute(() -> bind(pod));
            }
            return;
        }
        if (!nodeName.equals(node)) {
            return;
        }
        if (deleting) {
            if (worker != null && !worker.done) {
                worker.requestStop(gracePeriod(pod));
            } else if (finalizing.add(uid)) {
                // Nothing runs for it: the deletion only waits for this kubelet's confirmation.
                pool.execute(() -> finalizeDeletion(pod, worker == null && !terminal(pod)));
            }
            return;
        }
        if (worker == null && !terminal(pod)) {
            PodWorker w = new PodWorker(pod);
            workers.put(uid, w);
            pool.execute(w);
        }
    }

    private void bind(Pod pod) {
        String ns = pod.getMetadata().getNamespace();
        String name = pod.getMetadata().getName();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("apiVersion", "v1");
        body.put("kind", "Binding");
        body.put(
                "metadata",
                Map.of("name", name, "namespace", ns, "uid", pod.getMetadata().getUid()));
        body.put("target", Map.of("apiVersion", "v1", "kind", "Node", "name", nodeName));
        try {
            client.raw(
                    client.getMasterUrl().toString().replaceAll("/$", "") + "/api/v1/namespaces/" + ns + "/pods/" + name
                            + "/binding",
                    "POST",
                    body);
        } catch (KubernetesClientException e) {
            // Gone, or bound meanwhile (409): the next event about the pod tells.
            binding.remove(pod.getMetadata().getUid());
            if (e.getCode() != 404 && e.getCode() != 409) {
                log("binding " + ns + "/" + name + " failed: " + e.getMessage());
            }
        }
    }

    private void finalizeDeletion(Pod pod, boolean neverStarted) {
        String ns = pod.getMetadata().getNamespace();
        String name = pod.getMetadata().getName();
        String uid = pod.getMetadata().getUid();
        if (neverStarted) {
            updatePodStatus(ns, name, uid, s -> terminatedBeforeStart(pod, s));
        }
        deleteNow(ns, name);
    }

    private void deleteNow(String ns, String name) {
        try {
            client.pods().inNamespace(ns).withName(name).withGracePeriod(0).delete();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                log("deleting pod " + ns + "/" + name + " failed: " + e.getMessage());
            }
        }
    }

    private static long gracePeriod(Pod pod) {
        Long g = pod.getMetadata().getDeletionGracePeriodSeconds();
        if (g == null) {
            g = pod.getSpec().getTerminationGracePeriodSeconds();
        }
        return g == null ? 30 : Math.min(g, 30);
    }

    private static boolean terminal(Pod pod) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return "Succeeded".equals(phase) || "Failed".equals(phase);
    }

    // ---------------------------------------------------------------------------------- one pod

    /** Raised while preparing a container: it waits with this reason and message, and is retried. */
    private static final class Waiting extends Exception {
        final String reason;

        Waiting(String reason, String message) {
            super(message, null, false, false);
            this.reason = reason;
        }
    }

    private final class PodWorker implements Runnable {
        final String namespace;
        final String name;
        final String uid;
        final Pod pod;
        final Container container;
        final Path dir;
        final Path logFile;
        final CountDownLatch finished = new CountDownLatch(1);
        final Set<ProcessHandle> tree = ConcurrentHashMap.newKeySet();
        volatile boolean stopRequested;
        volatile long graceSeconds = 30;
        volatile Process process;
        volatile boolean done;
        String startedAt;

        PodWorker(Pod pod) {
            this.pod = pod;
            this.namespace = pod.getMetadata().getNamespace();
            this.name = pod.getMetadata().getName();
            this.uid = pod.getMetadata().getUid();
            this.container = pod.getSpec().getContainers().get(0);
            this.dir = root.resolve("pods").resolve(namespace + "_" + name + "_" + uid.substring(0, 8));
            this.logFile = dir.resolve(container.getName() + ".log");
        }

        void requestStop(long grace) {
            graceSeconds = Math.min(graceSeconds, grace);
            stopRequested = true;
        }

        @Override
        public void run() {
            try {
                runPod();
            } catch (RuntimeException | IOException e) {
                log(namespace + "/" + name + ": " + e);
            } finally {
                done = true;
                finished.countDown();
            }
        }

        private void runPod() throws IOException {
            Files.createDirectories(dir.resolve("work"));
            Files.createDirectories(dir.resolve("volumes"));
            String podStart = now();
            updatePodStatus(namespace, name, uid, s -> {
                PodStatusBuilder b = new PodStatusBuilder(s)
                        .withPhase("Pending")
                        .withHostIP("127.0.0.1")
                        .withHostIPs(new HostIPBuilder().withIp("127.0.0.1").build())
                        .withPodIP("127.0.0.1")
                        .withPodIPs(new PodIPBuilder().withIp("127.0.0.1").build())
                        .withStartTime(s.getStartTime() == null ? podStart : s.getStartTime())
                        .withConditions(conditions(s.getConditions(), false, false));
                return b.withContainerStatuses(containerStatus(
                                new ContainerStateBuilder()
                                        .withNewWaiting()
                                        .withReason("ContainerCreating")
                                        .endWaiting()
                                        .build(),
                                false))
                        .build();
            });

            Launch launch;
            while (true) {
                try {
                    launch = prepare();
                    break;
                } catch (Waiting w) {
                    updatePodStatus(
                            namespace,
                            name,
                            uid,
                            s -> new PodStatusBuilder(s)
                                    .withContainerStatuses(containerStatus(
                                            new ContainerStateBuilder()
                                                    .withNewWaiting()
                                                    .withReason(w.reason)
                                                    .withMessage(w.getMessage())
                                                    .endWaiting()
                                                    .build(),
                                            false))
                                    .build());
                    if (awaitStop(Duration.ofSeconds(1))) {
                        if (!closed) {
                            updatePodStatus(namespace, name, uid, s -> terminatedBeforeStart(pod, s));
                            deleteNow(namespace, name);
                        }
                        return;
                    }
                }
            }

            ProcessBuilder pb = new ProcessBuilder(launch.command)
                    .directory(launch.workDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(logFile.toFile());
            pb.environment().clear();
            pb.environment().putAll(launch.env);
            startedAt = now();
            long t0 = System.nanoTime();
            try {
                process = pb.start();
                process.getOutputStream().close();
            } catch (IOException e) {
                // What a container runtime reports when the command cannot be executed.
                finish(128, "StartError", "failed to start container " + container.getName() + ": " + e.getMessage());
                return;
            }
            tree.add(process.toHandle());
            log(namespace + "/" + name + " started (pid " + process.pid() + "): "
                    + String.join(" ", container.getCommand()) + " "
                    + String.join(" ", Objects.requireNonNullElse(container.getArgs(), List.of())));
            updatePodStatus(
                    namespace,
                    name,
                    uid,
                    s -> new PodStatusBuilder(s)
                            .withPhase("Running")
                            .withConditions(conditions(s.getConditions(), true, false))
                            .withContainerStatuses(containerStatus(
                                    new ContainerStateBuilder()
                                            .withNewRunning()
                                            .withStartedAt(startedAt)
                                            .endRunning()
                                            .build(),
                                    true))
                            .build());

            boolean killed = false;
            try {
                while (!process.waitFor(200, TimeUnit.MILLISECONDS)) {
                    process.descendants().forEach(tree::add);
                    if (stopRequested && !killed) {
                        killed = true;
                        terminate(process, graceSeconds);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
            // A container's processes end with it.
            tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
            int exit = process.exitValue();
            log(namespace + "/" + name + " exited " + exit + " after "
                    + String.format("%.1f s", (System.nanoTime() - t0) / 1e9) + (killed ? " (pod deleted)" : ""));
            String message =
                    terminationMessage(launch.terminationFile, exit, logFile, container.getTerminationMessagePolicy());
            finish(exit, exit == 0 ? "Completed" : "Error", message);
        }

        private void finish(int exit, String reason, String message) {
            String finishedAt = now();
            updatePodStatus(
                    namespace,
                    name,
                    uid,
                    s -> new PodStatusBuilder(s)
                            .withPhase(exit == 0 ? "Succeeded" : "Failed")
                            .withConditions(conditions(s.getConditions(), false, true))
                            .withContainerStatuses(containerStatus(
                                    new ContainerStateBuilder()
                                            .withNewTerminated()
                                            .withExitCode(exit)
                                            .withReason(reason)
                                            .withMessage(message.isEmpty() ? null : message)
                                            .withStartedAt(startedAt == null ? finishedAt : startedAt)
                                            .withFinishedAt(finishedAt)
                                            .withContainerID(containerId())
                                            .endTerminated()
                                            .build(),
                                    false))
                            .build());
            if (stopRequested && !closed) {
                deleteNow(namespace, name);
            }
        }

        private void terminate(Process p, long grace) {
            log(namespace + "/" + name + ": pod deleted, stopping pid " + p.pid() + " (grace " + grace + " s)");
            p.toHandle().destroy();
            try {
                if (!p.waitFor(Math.max(grace, 0), TimeUnit.SECONDS)) {
                    p.descendants().forEach(tree::add);
                    tree.forEach(ProcessHandle::destroyForcibly);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                tree.forEach(ProcessHandle::destroyForcibly);
            }
        }

        private boolean awaitStop(Duration d) {
            long deadline = System.nanoTime() + d.toNanos();
            while (System.nanoTime() < deadline) {
                if (stopRequested || closed) {
                    return true;
                }
                ControlPlane.sleep(50);
            }
            return stopRequested || closed;
        }

        private String containerId() {
            return "process://" + (process == null ? "none" : Long.toString(process.pid()));
        }

        private List<ContainerStatus> containerStatus(ContainerState state, boolean running) {
            return List.of(new ContainerStatusBuilder()
                    .withName(container.getName())
                    .withImage(container.getImage())
                    .withImageID("process://" + container.getImage())
                    .withContainerID(process == null ? null : containerId())
                    .withReady(running)
                    .withStarted(running)
                    .withRestartCount(0)
                    .withState(state)
                    .build());
        }

        /** Everything a container needs before it can start; {@link Waiting} says why not yet. */
        private Launch prepare() throws Waiting, IOException {
            if (pod.getSpec().getContainers().size() != 1
                    || (pod.getSpec().getInitContainers() != null
                            && !pod.getSpec().getInitContainers().isEmpty())) {
                throw new Waiting(
                        "CreateContainerConfigError", "the process kubelet runs pods with exactly one container");
            }
            ProcessImage image = images.get(container.getImage());
            if (image == null) {
                throw new Waiting(
                        "ErrImagePull",
                        "image \"" + container.getImage() + "\" is not available to the process" + " kubelet (it knows "
                                + images.keySet() + ")");
            }
            // Container paths that live on local disk: emptyDir mounts and the termination-message file.
            Map<String, Path> mapped = new LinkedHashMap<>();
            Map<String, Volume> volumes = new LinkedHashMap<>();
            for (Volume v : Objects.requireNonNullElse(pod.getSpec().getVolumes(), List.<Volume>of())) {
                volumes.put(v.getName(), v);
            }
            for (VolumeMount m : Objects.requireNonNullElse(container.getVolumeMounts(), List.<VolumeMount>of())) {
                Volume v = volumes.get(m.getName());
                Path local = dir.resolve("volumes").resolve(m.getName());
                if (v != null && v.getEmptyDir() != null) {
                    Files.createDirectories(local);
                } else if (v != null && v.getConfigMap() != null) {
                    projectConfigMap(v.getConfigMap(), local);
                } else {
                    throw new Waiting(
                            "ContainerCreating",
                            "volume \"" + m.getName() + "\" is neither an emptyDir nor a"
                                    + " configMap, which is all the process kubelet can mount");
                }
                mapped.put(trimSlash(m.getMountPath()), local);
            }
            String terminationPath =
                    Objects.requireNonNullElse(container.getTerminationMessagePath(), DEFAULT_TERMINATION_MESSAGE_PATH);
            Path terminationFile = dir.resolve("termination-log");
            Files.deleteIfExists(terminationFile);
            Files.createFile(terminationFile);
            mapped.put(terminationPath, terminationFile);

            // Only the pod's own values name container paths; the image's env here holds host paths (the
            // local build), which must stay as they are even when they look like a mount (a checkout
            // under /tmp, where the pod mounts its /tmp emptyDir).
            Map<String, String> podEnv = resolveEnv();
            podEnv.replaceAll((k, v) -> rewrite(v, mapped));
            Map<String, String> env = new LinkedHashMap<>(image.env());
            env.putAll(podEnv);
            env.putIfAbsent("PATH", System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin"));
            env.put("HOSTNAME", name);

            List<String> command = new ArrayList<>();
            List<String> entry = notEmpty(container.getCommand()) ? container.getCommand() : image.entrypoint();
            List<String> args = notEmpty(container.getCommand()) || notEmpty(container.getArgs())
                    ? Objects.requireNonNullElse(container.getArgs(), List.of())
                    : image.cmd();
            if (entry.isEmpty() && args.isEmpty()) {
                throw new Waiting("CreateContainerConfigError", "no command specified");
            }
            List<String> full = new ArrayList<>(entry);
            full.addAll(args);
            String program = expand(full.get(0), env);
            Path local = image.commands().get(program);
            if (local == null) {
                local = image.commands().get(program.substring(program.lastIndexOf('/') + 1));
            }
            if (local == null) {
                // The runtime starts the container and exec fails: a terminated state, as in a cluster.
                command.add("/nonexistent/" + program);
            } else {
                command.add(local.toString());
            }
            for (String a : full.subList(1, full.size())) {
                command.add(rewriteArgument(expand(a, env), mapped));
            }
            Path workDir = dir.resolve("work");
            if (container.getWorkingDir() != null && mapped.containsKey(trimSlash(container.getWorkingDir()))) {
                workDir = mapped.get(trimSlash(container.getWorkingDir()));
            }
            return new Launch(command, env, workDir, terminationFile);
        }

        /**
         * A ConfigMap volume laid out as the kubelet's atomic writer does: the files in a hidden
         * timestamped directory, {@code ..data} linking to it, and each key a link into {@code ..data}.
         * {@code items} select and rename keys; a missing ConfigMap (not optional) keeps the pod in
         * ContainerCreating, as a failed mount does.
         */
        private void projectConfigMap(ConfigMapVolumeSource source, Path local) throws Waiting, IOException {
            if (Files.exists(local.resolve("..data"))) {
                return;
            }
            ConfigMap c = client.configMaps()
                    .inNamespace(namespace)
                    .withName(source.getName())
                    .get();
            if (c == null && !Boolean.TRUE.equals(source.getOptional())) {
                throw new Waiting(
                        "ContainerCreating",
                        "MountVolume.SetUp failed for volume: configmap \"" + source.getName() + "\" not found");
            }
            Map<String, String> data = c == null || c.getData() == null ? Map.of() : c.getData();
            Map<String, String> files = new LinkedHashMap<>();
            if (source.getItems() == null || source.getItems().isEmpty()) {
                data.forEach(files::put);
            } else {
                for (var item : source.getItems()) {
                    if (!data.containsKey(item.getKey())) {
                        throw new Waiting(
                                "ContainerCreating",
                                "MountVolume.SetUp failed for volume: configmap references"
                                        + " non-existent config key: " + item.getKey());
                    }
                    files.put(item.getPath(), data.get(item.getKey()));
                }
            }
            ConfigMapLayout.write(files, local);
        }

        /** The container's env and envFrom, in the kubelet's order, with $(VAR) references expanded. */
        private Map<String, String> resolveEnv() throws Waiting {
            Map<String, String> env = new LinkedHashMap<>();
            for (EnvFromSource from : Objects.requireNonNullElse(container.getEnvFrom(), List.<EnvFromSource>of())) {
                String prefix = Objects.requireNonNullElse(from.getPrefix(), "");
                if (from.getSecretRef() != null) {
                    Secret s = secret(
                            from.getSecretRef().getName(),
                            Boolean.TRUE.equals(from.getSecretRef().getOptional()));
                    if (s != null && s.getData() != null) {
                        s.getData().forEach((k, v) -> env.put(prefix + k, decode(v)));
                    }
                }
                if (from.getConfigMapRef() != null) {
                    ConfigMap c = configMap(
                            from.getConfigMapRef().getName(),
                            Boolean.TRUE.equals(from.getConfigMapRef().getOptional()));
                    if (c != null && c.getData() != null) {
                        c.getData().forEach((k, v) -> env.put(prefix + k, v));
                    }
                }
            }
            for (EnvVar e : Objects.requireNonNullElse(container.getEnv(), List.<EnvVar>of())) {
                if (e.getValueFrom() == null) {
                    env.put(e.getName(), expand(Objects.requireNonNullElse(e.getValue(), ""), env));
                    continue;
                }
                var from = e.getValueFrom();
                String value;
                if (from.getSecretKeyRef() != null) {
                    var ref = from.getSecretKeyRef();
                    boolean optional = Boolean.TRUE.equals(ref.getOptional());
                    Secret s = secret(ref.getName(), optional);
                    String data = s == null || s.getData() == null
                            ? null
                            : s.getData().get(ref.getKey());
                    if (s != null && data == null && !optional) {
                        throw new Waiting(
                                "CreateContainerConfigError",
                                "couldn't find key " + ref.getKey() + " in Secret " + namespace + "/" + ref.getName());
                    }
                    value = data == null ? null : decode(data);
                } else if (from.getConfigMapKeyRef() != null) {
                    var ref = from.getConfigMapKeyRef();
                    boolean optional = Boolean.TRUE.equals(ref.getOptional());
                    ConfigMap c = configMap(ref.getName(), optional);
                    String data = c == null || c.getData() == null
                            ? null
                            : c.getData().get(ref.getKey());
                    if (c != null && data == null && !optional) {
                        throw new Waiting(
                                "CreateContainerConfigError",
                                "couldn't find key " + ref.getKey() + " in ConfigMap " + namespace + "/"
                                        + ref.getName());
                    }
                    value = data;
                } else if (from.getFieldRef() != null) {
                    value = field(from.getFieldRef());
                } else {
                    throw new Waiting(
                            "CreateContainerConfigError",
                            "env " + e.getName()
                                    + ": only secretKeyRef, configMapKeyRef and fieldRef are supported by the process kubelet");
                }
                if (value != null) {
                    env.put(e.getName(), value);
                }
            }
            return env;
        }

        private Secret secret(String secretName, boolean optional) throws Waiting {
            Secret s =
                    client.secrets().inNamespace(namespace).withName(secretName).get();
            if (s == null && !optional) {
                throw new Waiting("CreateContainerConfigError", "secret \"" + secretName + "\" not found");
            }
            return s;
        }

        private ConfigMap configMap(String mapName, boolean optional) throws Waiting {
            ConfigMap c =
                    client.configMaps().inNamespace(namespace).withName(mapName).get();
            if (c == null && !optional) {
                throw new Waiting("CreateContainerConfigError", "configmap \"" + mapName + "\" not found");
            }
            return c;
        }

        private String field(ObjectFieldSelector ref) throws Waiting {
            String path = ref.getFieldPath();
            Matcher m = Pattern.compile("metadata\\.(labels|annotations)\\['(.+)'\\]")
                    .matcher(path);
            if (m.matches()) {
                Map<String, String> map = m.group(1).equals("labels")
                        ? pod.getMetadata().getLabels()
                        : pod.getMetadata().getAnnotations();
                return map == null ? "" : map.getOrDefault(m.group(2), "");
            }
            return switch (path) {
                case "metadata.name" -> name;
                case "metadata.namespace" -> namespace;
                case "metadata.uid" -> uid;
                case "spec.nodeName" -> nodeName;
                case "spec.serviceAccountName" ->
                    Objects.requireNonNullElse(pod.getSpec().getServiceAccountName(), "default");
                case "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs" -> "127.0.0.1";
                default -> throw new Waiting("CreateContainerConfigError", "unsupported fieldRef " + path);
            };
        }
    }

    private record Launch(List<String> command, Map<String, String> env, Path workDir, Path terminationFile) {}

    /** What the kubelet puts in {@code state.terminated.message}. */
    static String terminationMessage(Path file, int exitCode, Path log, String policy) {
        String message = "";
        try {
            byte[] bytes = Files.readAllBytes(file);
            message = new String(bytes, 0, Math.min(bytes.length, MAX_TERMINATION_MESSAGE), StandardCharsets.UTF_8);
        } catch (IOException e) {
            // no file: no message
        }
        if (message.isEmpty() && exitCode != 0 && "FallbackToLogsOnError".equals(policy)) {
            message = logTail(readQuietly(log));
        }
        return message;
    }

    /** The last 80 lines of the log, newlines kept, at most its last 2048 bytes: what the kubelet reads. */
    static String logTail(String log) {
        String[] lines = log.split("(?<=\n)");
        String tail = String.join(
                "", Arrays.asList(lines).subList(Math.max(0, lines.length - FALLBACK_LOG_LINES), lines.length));
        byte[] b = tail.getBytes(StandardCharsets.UTF_8);
        return b.length <= FALLBACK_LOG_BYTES
                ? tail
                : new String(b, b.length - FALLBACK_LOG_BYTES, FALLBACK_LOG_BYTES, StandardCharsets.UTF_8);
    }

    private PodStatus terminatedBeforeStart(Pod pod, PodStatus s) {
        Container c = pod.getSpec().getContainers().get(0);
        String now = now();
        return new PodStatusBuilder(s)
                .withPhase("Failed")
                .withConditions(conditions(s.getConditions(), false, true))
                .withContainerStatuses(new ContainerStatusBuilder()
                        .withName(c.getName())
                        .withImage(c.getImage())
                        .withImageID("")
                        .withReady(false)
                        .withStarted(false)
                        .withRestartCount(0)
                        .withNewState()
                        .withNewTerminated()
                        .withExitCode(137)
                        .withReason("ContainerStatusUnknown")
                        .withMessage("The container could not be located when the pod was terminated")
                        .withFinishedAt(now)
                        .endTerminated()
                        .endState()
                        .build())
                .build();
    }

    /** The kubelet's pod conditions; others (PodScheduled, DisruptionTarget, ...) are kept as they are. */
    private static List<PodCondition> conditions(List<PodCondition> existing, boolean ready, boolean completed) {
        String now = now();
        List<PodCondition> result = new ArrayList<>();
        Set<String> ours = Set.of("PodReadyToStartContainers", "Initialized", "ContainersReady", "Ready");
        for (PodCondition c : Objects.requireNonNullElse(existing, List.<PodCondition>of())) {
            if (!ours.contains(c.getType())) {
                result.add(c);
            }
        }
        String readyReason = ready ? null : completed ? "PodCompleted" : "ContainersNotReady";
        result.add(podCondition(existing, "PodReadyToStartContainers", !completed, null, now));
        result.add(podCondition(existing, "Initialized", true, completed ? "PodCompleted" : null, now));
        result.add(podCondition(existing, "ContainersReady", ready, readyReason, now));
        result.add(podCondition(existing, "Ready", ready, readyReason, now));
        return result;
    }

    private static PodCondition podCondition(
            List<PodCondition> existing, String type, boolean status, String reason, String now) {
        String value = status ? "True" : "False";
        String transition = Objects.requireNonNullElse(existing, List.<PodCondition>of()).stream()
                .filter(c -> type.equals(c.getType()) && value.equals(c.getStatus()))
                .map(PodCondition::getLastTransitionTime)
                .filter(Objects::nonNull)
                .findFirst()
                .orElse(now);
        return new PodConditionBuilder()
                .withType(type)
                .withStatus(value)
                .withReason(reason)
                .withLastTransitionTime(transition)
                .build();
    }

    /** Writes the pod's status through the status subresource, retrying on conflicts. */
    private boolean updatePodStatus(String ns, String name, String uid, UnaryOperator<PodStatus> change) {
        for (int attempt = 0; attempt < 20; attempt++) {
            Pod current = client.pods().inNamespace(ns).withName(name).get();
            if (current == null || !uid.equals(current.getMetadata().getUid())) {
                return false;
            }
            current.setStatus(change.apply(current.getStatus() == null ? new PodStatus() : current.getStatus()));
            try {
                client.pods().inNamespace(ns).resource(current).updateStatus();
                return true;
            } catch (KubernetesClientException e) {
                if (e.getCode() == 404) {
                    return false;
                }
                if (e.getCode() != 409) {
                    throw e;
                }
            }
        }
        throw new IllegalStateException("could not update the status of pod " + ns + "/" + name + ": conflicts");
    }

    // ------------------------------------------------------------------------------------ helpers

    /** Rewrites a container path (exactly a mapped path, or below one) to its local path. */
    static String rewrite(String value, Map<String, Path> mapped) {
        if (value == null) {
            return null;
        }
        for (var e : mapped.entrySet()) {
            if (value.equals(e.getKey())) {
                return e.getValue().toString();
            }
            if (value.startsWith(e.getKey() + "/")) {
                return e.getValue() + value.substring(e.getKey().length());
            }
        }
        return value;
    }

    /** An argument naming a mapped path, whole or as the value of a {@code --flag=value}, points at the local path. */
    static String rewriteArgument(String arg, Map<String, Path> mapped) {
        Matcher flag =
                Pattern.compile("^(--?[A-Za-z0-9][-A-Za-z0-9_.]*=)(/.*)$").matcher(arg);
        if (flag.matches()) {
            return flag.group(1) + rewrite(flag.group(2), mapped);
        }
        return rewrite(arg, mapped);
    }

    /** Kubernetes' $(VAR) expansion: defined variables are replaced, $$ is a literal $, the rest stays. */
    static String expand(String value, Map<String, String> env) {
        Matcher m = VAR_REF.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement =
                    m.group().equals("$$") ? "$" : env.containsKey(m.group(1)) ? env.get(m.group(1)) : m.group();
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String trimSlash(String path) {
        return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    private static boolean notEmpty(List<String> l) {
        return l != null && !l.isEmpty();
    }

    private static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static String key(Pod pod) {
        return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    static void log(String message) {
        System.out.println("[process-kubelet] " + message);
    }

    /** Stops serving: kills every pod's processes (SIGTERM, then SIGKILL after 5 s). Pods stay as they are. */
    @Override
    public void close() {
        closed = true;
        if (informer != null) {
            informer.close();
        }
        heartbeat.shutdownNow();
        dispatcher.shutdownNow();
        List<PodWorker> running = new ArrayList<>(workers.values());
        running.forEach(w -> w.requestStop(5));
        for (PodWorker w : running) {
            try {
                w.finished.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Set<ProcessHandle> all = new HashSet<>(w.tree);
            all.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        }
        pool.shutdownNow();
    }
}
