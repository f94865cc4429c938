package io.schemaguard.testing.cluster;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.schemaguard.testing.Ports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * A real Kubernetes node beside a {@link ControlPlane} started with a host address: kube-scheduler,
 * containerd (CRI, runc, overlayfs on a tmpfs, the CNI bridge and host-local plugins from Debian), kubelet
 * (cgroupfs, cgroup v1 allowed) and kube-proxy (iptables), built by scripts/build-node.sh. Images come
 * from archives ({@code ctr -n k8s.io images import}); nothing is pulled. Pods get addresses in
 * {@link #POD_SUBNET} on the bridge {@link #BRIDGE} and reach the host, and what listens on its
 * address, through the bridge's gateway.
 *
 * <p>{@link #close()} stops kube-proxy, the kubelet and the scheduler, kills and removes containerd's tasks
 * (no graceful pod deletion: it waited out the pods' grace periods), stops containerd, then everything
 * a node leaves on a host: the KUBE-* iptables chains (kube-proxy --cleanup, then the kubelet's), the
 * {@code kubepods} cgroups, the mounts under its directory, the network namespaces created meanwhile,
 * the bridge, and its directory.
 */
public final class RealNode implements AutoCloseable {
    public static final String POD_SUBNET = "10.244.0.0/24";
    public static final String BRIDGE = "sgcni0";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    private static final Path NETNS = Path.of("/var/run/netns");
    /** runc's state and the shims' sockets: containerd's fixed places, removed if the node made them. */
    private static final Path CONTAINERD_RUN = Path.of("/run/containerd");
    /**
     * One node per host at a time: the bridge, the KUBE-* chains and /run/containerd are host-wide, so a
     * second checkout's run (another HOME, another cache) waits here instead of tearing down ours.
     */
    private static final Path HOST_LOCK = Path.of("/run/lock/schemaguard-real-node.lock");

    private static final Duration HOST_LOCK_TIMEOUT = Duration.ofMinutes(40);
    /** The tmpfs limit for containerd's images (the project's and the test application's, unpacked: ~1.6 GB). */
    private static final String CONTAINERD_TMPFS_SIZE = "6g";

    private final ControlPlane controlPlane;
    private final Path nodeDir;
    private final String name;
    private final Path dir;
    private final String hostAddress;
    private final Map<String, Process> processes = new LinkedHashMap<>();
    private final Map<String, Duration> startTimes = new LinkedHashMap<>();
    private final Map<String, Duration> teardownTimes = new LinkedHashMap<>();
    private final Set<String> netnsBefore = new HashSet<>();
    private Path socket;
    private Path kubeProxyKubeconfig;
    private boolean closed;
    private boolean containerdRunExisted;
    private Thread shutdownHook;
    private FileLock hostLock;
    private List<String> leftBehind = List.of();

    private RealNode(ControlPlane controlPlane, Path nodeDir, String name, Path dir) {
        this.controlPlane = controlPlane;
        this.nodeDir = nodeDir;
        this.name = name;
        this.dir = dir;
        this.hostAddress = controlPlane.address();
    }

    /**
     * The directory of scripts/build-node.sh (bin/ with kubelet, containerd...; pause.tar): the variable
     * SCHEMAGUARD_NODE_DIR (scripts/test.sh sets it), else what the script prints (it builds on a cold cache).
     */
    public static Path nodeDir() {
        return Path.of(fromScript("SCHEMAGUARD_NODE_DIR", "scripts/build-node.sh"));
    }

    /**
     * The host's first non-loopback IPv4 address (SCHEMAGUARD_HOST_ADDRESS overrides it): what the API
     * server advertises and where pods find PostgreSQL and S3 on the host.
     */
    public static String hostAddress() {
        String configured = System.getenv("SCHEMAGUARD_HOST_ADDRESS");
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                String n = nic.getName();
                if (!nic.isUp()
                        || nic.isLoopback()
                        || n.startsWith("veth")
                        || n.startsWith("cni")
                        || n.startsWith("podman")
                        || n.startsWith("docker")
                        || n.equals(BRIDGE)) {
                    continue;
                }
                for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                    if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
                        return a.getHostAddress();
                    }
                }
            }
        } catch (SocketException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no non-loopback IPv4 address on this host: set SCHEMAGUARD_HOST_ADDRESS");
    }

    /** Starts the node's processes, imports the pause image and {@code images} (docker archives), and waits for a Ready Node. */
    public static RealNode start(ControlPlane controlPlane, Path nodeDir, String name, List<Path> images) {
        if ("127.0.0.1".equals(controlPlane.address())) {
            throw new IllegalArgumentException("a real node needs a control plane started with a host address");
        }
        RealNode node;
        try {
            node = new RealNode(controlPlane, nodeDir, name, Files.createTempDirectory(Path.of("/tmp"), "sg-node-"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        node.shutdownHook = new Thread(node::close, "real-node-shutdown");
        Runtime.getRuntime().addShutdownHook(node.shutdownHook);
        try {
            node.hostLock = lockHost();
            node.boot(images);
            return node;
        } catch (RuntimeException | Error e) {
            node.close();
            throw e;
        }
    }

    public String nodeName() {
        return name;
    }

    public Path dir() {
        return dir;
    }

    /** How long each part took, and the total. */
    public Map<String, Duration> startTimes() {
        return startTimes;
    }

    private Path bin(String b) {
        return nodeDir.resolve("bin").resolve(b);
    }

    private void boot(List<Path> images) {
        long t0 = System.nanoTime();
        containerdRunExisted = Files.exists(CONTAINERD_RUN);
        try (Stream<Path> s = Files.isDirectory(NETNS) ? Files.list(NETNS) : Stream.empty()) {
            s.forEach(p -> netnsBefore.add(p.getFileName().toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Pki pki = controlPlane.pki();
        Path[] nodeCert = pki.client("node-" + name, "/O=system:nodes/CN=system:node:" + name);
        Path[] schedulerCert = pki.client("kube-scheduler", "/CN=system:kube-scheduler");
        Path[] proxyCert = pki.client("kube-proxy", "/CN=system:kube-proxy");
        Path kubeletKubeconfig = controlPlane.writeKubeconfig("kubelet-" + name + ".kubeconfig", certUser(nodeCert));
        Path schedulerKubeconfig = controlPlane.writeKubeconfig("kube-scheduler.kubeconfig", certUser(schedulerCert));
        kubeProxyKubeconfig = controlPlane.writeKubeconfig("kube-proxy.kubeconfig", certUser(proxyCert));

        long t = System.nanoTime();
        launch(
                "kube-scheduler",
                List.of(
                        bin("kube-scheduler").toString(),
                        "--kubeconfig=" + schedulerKubeconfig,
                        "--authentication-kubeconfig=" + schedulerKubeconfig,
                        "--authorization-kubeconfig=" + schedulerKubeconfig,
                        "--leader-elect=false",
                        "--bind-address=127.0.0.1",
                        "--secure-port=" + Ports.free(),
                        "--profiling=false",
                        "--v=1"));
        startTimes.put("kube-scheduler", ControlPlane.since(t));

        t = System.nanoTime();
        socket = dir.resolve("containerd.sock");
        String pauseRef = read(nodeDir.resolve("pause.ref")).strip();
        write("cni/10-schemaguard.conflist", """
                {
                  "cniVersion": "1.0.0",
                  "name": "schemaguard",
                  "plugins": [
                    {
                      "type": "bridge",
                      "bridge": "%s",
                      "isGateway": true,
                      "ipMasq": false,
                      "hairpinMode": true,
                      "ipam": {
                        "type": "host-local",
                        "ranges": [[{"subnet": "%s"}]],
                        "routes": [{"dst": "0.0.0.0/0"}],
                        "dataDir": "%s"
                      }
                    }
                  ]
                }
                """.formatted(BRIDGE, POD_SUBNET, dir.resolve("cni-ipam")));
        Path config = write("containerd.toml", """
                version = 3
                root = "%1$s/containerd/root"
                state = "%1$s/containerd/state"
                [grpc]
                  address = "%2$s"
                [plugins]
                  [plugins."io.containerd.cri.v1.runtime"]
                    enable_selinux = false
                    # No CAP_SYS_RESOURCE here: an oom_score_adj below containerd's own (the pause
                    # container's -998, a Guaranteed pod's -997) is refused, so it is raised to ours.
                    restrict_oom_score_adj = true
                    [plugins."io.containerd.cri.v1.runtime".containerd]
                      default_runtime_name = "runc"
                      [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]
                        runtime_type = "io.containerd.runc.v2"
                        [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
                          BinaryName = "%3$s"
                          SystemdCgroup = false
                    [plugins."io.containerd.cri.v1.runtime".cni]
                      bin_dirs = ["/usr/lib/cni"]
                      conf_dir = "%1$s/cni"
                  [plugins."io.containerd.cri.v1.images"]
                    snapshotter = "overlayfs"
                    [plugins."io.containerd.cri.v1.images".pinned_images]
                      sandbox = "%4$s"
                  [plugins."io.containerd.grpc.v1.cri"]
                    disable_tcp_service = true
                    stream_server_address = "127.0.0.1"
                    stream_server_port = "0"
                """.formatted(dir, socket, runc(), pauseRef));
        onTmpfs(dir.resolve("containerd"));
        launch("containerd", List.of(bin("containerd").toString(), "--config=" + config));
        awaitReady("containerd", () -> ctr("version").exit == 0);
        startTimes.put("containerd", ControlPlane.since(t));

        t = System.nanoTime();
        List<Path> all = new ArrayList<>();
        all.add(nodeDir.resolve("pause.tar"));
        all.addAll(images);
        for (Path image : all) {
            Exec r = ctr("images", "import", "--platform", "linux/amd64", image.toString());
            if (r.exit != 0) {
                throw new IllegalStateException("ctr images import " + image + " failed: " + r.output);
            }
        }
        startTimes.put("image import", ControlPlane.since(t));

        t = System.nanoTime();
        int kubeletPort = Ports.free();
        Path kubeletConfig = write("kubelet.yaml", """
                apiVersion: kubelet.config.k8s.io/v1beta1
                kind: KubeletConfiguration
                address: %s
                port: %d
                readOnlyPort: 0
                healthzBindAddress: 127.0.0.1
                healthzPort: %d
                authentication:
                  anonymous:
                    enabled: false
                  webhook:
                    enabled: false
                  x509:
                    clientCAFile: %s
                authorization:
                  mode: AlwaysAllow
                cgroupDriver: cgroupfs
                failCgroupV1: false
                failSwapOn: false
                # the default -999 is refused without CAP_SYS_RESOURCE
                oomScoreAdj: 0
                containerRuntimeEndpoint: unix://%s
                podLogsDir: %s
                clusterDomain: cluster.local
                resolvConf: /etc/resolv.conf
                serializeImagePulls: false
                maxPods: 60
                imageGCHighThresholdPercent: 100
                imageGCLowThresholdPercent: 99
                evictionHard:
                  memory.available: 100Mi
                  nodefs.available: 1%%
                  nodefs.inodesFree: 1%%
                  imagefs.available: 1%%
                """.formatted(
                        hostAddress, kubeletPort, Ports.free(), pki.caCert, socket, dir.resolve("pod-logs")));
        launch(
                "kubelet",
                List.of(
                        bin("kubelet").toString(),
                        "--config=" + kubeletConfig,
                        "--kubeconfig=" + kubeletKubeconfig,
                        "--root-dir=" + dir.resolve("kubelet"),
                        "--hostname-override=" + name,
                        "--node-ip=" + hostAddress,
                        "--v=1"));
        launch(
                "kube-proxy",
                List.of(
                        bin("kube-proxy").toString(),
                        "--kubeconfig=" + kubeProxyKubeconfig,
                        "--hostname-override=" + name,
                        "--proxy-mode=iptables",
                        "--cluster-cidr=" + POD_SUBNET,
                        "--healthz-bind-address=127.0.0.1:" + Ports.free(),
                        "--metrics-bind-address=127.0.0.1:" + Ports.free(),
                        // no conntrack sysctls: leave the host's as they are
                        "--conntrack-max-per-core=0",
                        "--conntrack-tcp-timeout-established=0",
                        "--conntrack-tcp-timeout-close-wait=0",
                        "--v=1"));
        KubernetesClient admin = controlPlane.admin();
        awaitReady("kubelet", () -> {
            Node n = admin.nodes().withName(name).get();
            return n != null
                    && n.getStatus().getConditions().stream()
                            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
        });
        startTimes.put("kubelet Ready", ControlPlane.since(t));
        startTimes.put("total", ControlPlane.since(t0));
    }

    /**
     * containerd's content store and snapshots in memory: the images are imported and unpacked there, and
     * at teardown they go with one unmount (deleting the unpacked images from disk took 10-20 s on 2 busy
     * cores). About 1.6 GB is used of the size; without a tmpfs (mount refused) they stay on disk.
     */
    private void onTmpfs(Path directory) {
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Exec mount = exec(
                List.of(
                        "mount",
                        "-t",
                        "tmpfs",
                        "-o",
                        "size=" + CONTAINERD_TMPFS_SIZE + ",mode=0711",
                        "sg-node-containerd",
                        directory.toString()),
                Duration.ofSeconds(30));
        if (mount.exit != 0) {
            System.err.println("[real-node] no tmpfs for containerd (" + mount.output.strip() + "): on disk");
        }
    }

    private static String certUser(Path[] cert) {
        return "    client-certificate: " + cert[0] + "\n    client-key: " + cert[1] + "\n";
    }

    private static String runc() {
        for (String p : List.of("/usr/sbin/runc", "/usr/bin/runc")) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        throw new IllegalStateException("runc is not installed: run scripts/build-node.sh");
    }

    /** The last lines of a component's log (kube-scheduler, containerd, kubelet, kube-proxy). */
    public String logTail(String component, int lines) {
        try {
            List<String> all = Files.readAllLines(dir.resolve(component + ".log"));
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** {@code ctr -n k8s.io} against this node's containerd. */
    public Exec ctr(String... args) {
        List<String> command =
                new ArrayList<>(List.of(bin("ctr").toString(), "--address", socket.toString(), "-n", "k8s.io"));
        command.addAll(List.of(args));
        return exec(command, Duration.ofMinutes(3));
    }

    /** How a command ended. */
    public record Exec(int exit, String output) {}

    static Exec exec(List<String> command, Duration timeout) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            var out = CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    return "";
                }
            });
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return new Exec(-1, String.join(" ", command) + " timed out");
            }
            return new Exec(p.exitValue(), out.join());
        } catch (IOException e) {
            return new Exec(-1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private Path write(String relative, String text) {
        Path file = dir.resolve(relative);
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void launch(String component, List<String> command) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve(component + ".log").toFile());
            // containerd finds its shim, and everyone finds iptables, mount and runc here.
            pb.environment()
                    .put(
                            "PATH",
                            nodeDir.resolve("bin") + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
            Process p = pb.start();
            p.getOutputStream().close();
            processes.put(component, p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void awaitReady(String component, BooleanSupplier ready) {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        Process p = processes.get(component);
        while (System.nanoTime() < deadline) {
            try {
                if (ready.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException e) {
                // not yet
            }
            if (!p.isAlive()) {
                throw new IllegalStateException(
                        component + " exited with code " + p.exitValue() + ":\n" + logTail(component, 40));
            }
            ControlPlane.sleep(200);
        }
        throw new IllegalStateException(
                component + " not ready after " + READY_TIMEOUT + ":\n" + logTail(component, 40));
    }

    // ---------------------------------------------------------------------------------- teardown

    /** Stops everything and removes what it left on the host; safe to call twice and after a failed start. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (hostLock == null) {
            // never got the host: what is on it belongs to the node that holds the lock
            ControlPlane.deleteTree(dir);
            return;
        }
        // The kubelet goes first and the containers are killed with it: a pod deleted through the API
        // was stopped with its grace period (the operator's pods took 30 s), and nothing is left of
        // them that the steps below do not remove (network namespaces, cgroups, mounts).
        long t = System.nanoTime();
        for (String c : List.of("kube-proxy", "kubelet", "kube-scheduler")) {
            ControlPlane.stop(processes.get(c));
        }
        t = lap("stop kubelet, kube-proxy, kube-scheduler", t);
        if (socket != null && processes.containsKey("containerd")) {
            removeContainers();
        }
        t = lap("remove containers", t);
        ControlPlane.stop(processes.get("containerd"));
        // a shim whose task was deleted can outlive containerd (seen after a whole .ci/run): stop ours
        if (socket != null) {
            shims(socket.toString()).forEach(h -> {
                h.destroyForcibly();
                h.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(e -> h).join();
            });
        }
        t = lap("stop containerd and shims", t);
        if (kubeProxyKubeconfig != null) {
            exec(List.of(bin("kube-proxy").toString(), "--cleanup", "--v=0"), Duration.ofSeconds(60));
        }
        t = lap("kube-proxy --cleanup", t);
        removeKubeChains();
        t = lap("KUBE-* chains", t);
        unmountUnder(dir);
        removeNewNetns();
        exec(List.of("ip", "link", "delete", BRIDGE), Duration.ofSeconds(10));
        removeKubepodsCgroups();
        t = lap("mounts, netns, bridge, cgroups", t);
        if (!containerdRunExisted) {
            ControlPlane.deleteTree(CONTAINERD_RUN);
        }
        deleteTree(dir);
        t = lap("delete directories", t);
        // checked before the lock goes: the next node may start the moment it does
        leftBehind = leftovers();
        lap("leftovers check", t);
        if (hostLock != null) {
            try {
                hostLock.channel().close();
            } catch (IOException e) {
                // closing the channel is what releases the lock; the process's exit releases it too
            }
        }
        if (shutdownHook != null && Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or about to: nothing left for it to do
            }
        }
    }

    /** How long each step of {@link #close()} took, in order. */
    public Map<String, Duration> teardownTimes() {
        return teardownTimes;
    }

    private long lap(String step, long since) {
        teardownTimes.put(step, ControlPlane.since(since));
        return System.nanoTime();
    }

    /** What {@link #leftovers()} found on the host when {@link #close()} had finished, before it let the host go. */
    public List<String> leftBehind() {
        return leftBehind;
    }

    /** Waits for the host lock (an fcntl lock: released when the holder's process exits, however it ends). */
    private static FileLock lockHost() {
        try {
            Files.createDirectories(HOST_LOCK.getParent());
            FileChannel channel = FileChannel.open(HOST_LOCK, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            long deadline = System.nanoTime() + HOST_LOCK_TIMEOUT.toNanos();
            boolean told = false;
            while (true) {
                FileLock lock = channel.tryLock();
                if (lock != null) {
                    return lock;
                }
                if (!told) {
                    System.err.println("RealNode: another real node runs on this host; waiting for " + HOST_LOCK);
                    told = true;
                }
                if (System.nanoTime() > deadline) {
                    channel.close();
                    throw new IllegalStateException(
                            "another real node held " + HOST_LOCK + " for " + HOST_LOCK_TIMEOUT);
                }
                Thread.sleep(2000);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for " + HOST_LOCK, e);
        }
    }

    /** Whatever tasks and containers are left: killed and deleted, so their shims exit. */
    private void removeContainers() {
        for (String task : lines(ctr("tasks", "ls", "-q").output)) {
            ctr("tasks", "kill", "-s", "SIGKILL", task);
        }
        ControlPlane.sleep(500);
        for (String task : lines(ctr("tasks", "ls", "-q").output)) {
            ctr("tasks", "delete", "-f", task);
        }
        for (String container : lines(ctr("containers", "ls", "-q").output)) {
            ctr("containers", "delete", container);
        }
    }

    private static List<String> lines(String text) {
        return text.lines()
                .map(String::strip)
                .filter(l -> !l.isEmpty() && !l.contains(" "))
                .toList();
    }

    /** The KUBE-* chains the kubelet (and kube-proxy, if --cleanup missed any) made, and the jumps to them. */
    static void removeKubeChains() {
        for (String tool : List.of("iptables", "ip6tables")) {
            for (String table : List.of("filter", "nat", "mangle")) {
                Exec rules = exec(List.of(tool, "-w", "-t", table, "-S"), Duration.ofSeconds(30));
                if (rules.exit != 0) {
                    continue;
                }
                List<String> chains = new ArrayList<>();
                for (String line : rules.output.lines().toList()) {
                    if (line.startsWith("-N KUBE-")) {
                        chains.add(line.substring(3).strip());
                    } else if (line.startsWith("-A ")
                            && line.matches(".* -j KUBE-\\S+.*")
                            && !line.startsWith("-A KUBE-")) {
                        List<String> delete = new ArrayList<>(List.of(tool, "-w", "-t", table, "-D"));
                        delete.addAll(List.of(line.substring(3).strip().split("\\s+")));
                        exec(delete, Duration.ofSeconds(30));
                    }
                }
                for (String chain : chains) {
                    exec(List.of(tool, "-w", "-t", table, "-F", chain), Duration.ofSeconds(30));
                }
                for (String chain : chains) {
                    exec(List.of(tool, "-w", "-t", table, "-X", chain), Duration.ofSeconds(30));
                }
            }
        }
    }

    /** Mounts below {@code root} (overlay root filesystems, tmpfs token volumes, shm), deepest first. */
    static void unmountUnder(Path root) {
        try {
            String prefix = root.toRealPath().toString() + "/";
            List<String> mounts = Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                    .map(l -> l.split(" ")[4].replace("\\040", " "))
                    .filter(m -> m.startsWith(prefix))
                    .sorted(Comparator.reverseOrder())
                    .toList();
            for (String m : mounts) {
                exec(List.of("umount", "-l", m), Duration.ofSeconds(30));
            }
        } catch (IOException e) {
            System.err.println("[real-node] could not read mounts: " + e.getMessage());
        }
    }

    /** CNI network namespaces that appeared while the node ran (those before it are not ours). */
    private void removeNewNetns() {
        if (!Files.isDirectory(NETNS)) {
            return;
        }
        try (Stream<Path> s = Files.list(NETNS)) {
            for (Path ns : s.filter(p -> p.getFileName().toString().startsWith("cni-"))
                    .filter(p -> !netnsBefore.contains(p.getFileName().toString()))
                    .toList()) {
                exec(List.of("umount", "-l", ns.toString()), Duration.ofSeconds(10));
                Files.deleteIfExists(ns);
            }
        } catch (IOException e) {
            System.err.println("[real-node] could not remove network namespaces: " + e.getMessage());
        }
    }

    /** /kubepods in every cgroup hierarchy, leaves first (a cgroup is removed with rmdir once empty). */
    static void removeKubepodsCgroups() {
        Path cgroups = Path.of("/sys/fs/cgroup");
        List<Path> roots = new ArrayList<>();
        roots.add(cgroups.resolve("kubepods"));
        try (Stream<Path> s = Files.list(cgroups)) {
            s.forEach(h -> roots.add(h.resolve("kubepods")));
        } catch (IOException e) {
            return;
        }
        for (Path root : roots) {
            if (!Files.isDirectory(root)) {
                continue;
            }
            try (Stream<Path> s = Files.walk(root)) {
                for (Path d : s.filter(Files::isDirectory)
                        .sorted(Comparator.reverseOrder())
                        .toList()) {
                    if (!d.toFile().delete()) {
                        System.err.println("[real-node] could not remove cgroup " + d);
                    }
                }
            } catch (IOException | UncheckedIOException e) {
                System.err.println("[real-node] could not remove cgroups under " + root + ": " + e.getMessage());
            }
        }
    }

    /**
     * rm -rf (the kubelet's pods and volumes; containerd's images, when they are not on the tmpfs, are
     * tens of thousands of files, which Java deleted one by one in 13 s). Runs after {@link #unmountUnder},
     * so nothing below is a mount any more ({@code --one-file-system} guards that too).
     */
    private static void deleteTree(Path root) {
        Exec rm = exec(List.of("rm", "-rf", "--one-file-system", root.toString()), Duration.ofMinutes(2));
        if (rm.exit != 0 || Files.exists(root)) {
            System.err.println("[real-node] rm -rf " + root + ": " + rm.output);
            ControlPlane.deleteTree(root);
        }
    }

    /** What is left on the host of any node (for the teardown check): kubepods cgroups, KUBE-* chains, mounts, the bridge. */
    public static List<String> leftovers() {
        List<String> found = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("/sys/fs/cgroup"))) {
            s.map(h -> h.resolve("kubepods")).filter(Files::isDirectory).forEach(p -> found.add("cgroup " + p));
        } catch (IOException e) {
            found.add("cannot list cgroups: " + e.getMessage());
        }
        for (String tool : List.of("iptables", "ip6tables")) {
            for (String table : List.of("filter", "nat", "mangle")) {
                Exec rules = exec(List.of(tool, "-w", "-t", table, "-S"), Duration.ofSeconds(30));
                rules.output
                        .lines()
                        .filter(l -> l.contains("KUBE-"))
                        .forEach(l -> found.add(tool + " -t " + table + " " + l));
            }
        }
        try {
            Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                    .map(l -> l.split(" ")[4])
                    .filter(m -> m.startsWith("/tmp/sg-node-") || m.matches("(/var)?/run/netns/cni-.*"))
                    .forEach(m -> found.add("mount " + m));
        } catch (IOException e) {
            found.add("cannot read mounts: " + e.getMessage());
        }
        if (Files.isDirectory(NETNS)) {
            try (Stream<Path> s = Files.list(NETNS)) {
                s.filter(p -> p.getFileName().toString().startsWith("cni-"))
                        .forEach(p -> found.add("network namespace " + p));
            } catch (IOException e) {
                found.add("cannot list " + NETNS + ": " + e.getMessage());
            }
        }
        if (Files.exists(Path.of("/sys/class/net", BRIDGE))) {
            found.add("bridge " + BRIDGE);
        }
        shims("/tmp/sg-node-").forEach(h -> found.add("containerd shim pid " + h.pid()));
        return found;
    }

    /** containerd shims whose -address names a socket starting with {@code socketPrefix}. */
    private static List<ProcessHandle> shims(String socketPrefix) {
        return ProcessHandle.allProcesses()
                .filter(ProcessHandle::isAlive)
                .filter(h -> {
                    String command = h.info().command().orElse("");
                    List<String> args = List.of(h.info().arguments().orElse(new String[0]));
                    int i = args.indexOf("-address");
                    return command.endsWith("containerd-shim-runc-v2")
                            && i >= 0
                            && i + 1 < args.size()
                            && args.get(i + 1).startsWith(socketPrefix);
                })
                .toList();
    }

    /** The value of {@code variable}, else the last line {@code script} prints on stdout (its progress goes to stderr). */
    public static String fromScript(String variable, String script) {
        String configured = System.getenv(variable);
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        try {
            Process p = new ProcessBuilder(script)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (p.waitFor() != 0 || out.isEmpty()) {
                throw new IllegalStateException(script + " failed (exit " + p.exitValue() + ")");
            }
            return out.lines().reduce((a, b) -> b).orElseThrow();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
