package io.schemaguard.testing.cluster;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.schemaguard.testing.Ports;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A real Kubernetes control plane on loopback: etcd, kube-apiserver (client certificates, Node and
 * RBAC authorization, service-account tokens signed with a generated key) and
 * kube-controller-manager (every controller: Job, garbage collector, namespace, service account...).
 * The binaries come from scripts/build-control-plane.sh. There is no kubelet and no scheduler:
 * {@link ProcessKubelet} plays both.
 *
 * <p>The flags are those of scripts/smoke-control-plane.sh, which explains them. {@link #close()}
 * stops the processes one by one in reverse order and deletes the data directory.
 */
public final class ControlPlane implements AutoCloseable {
    private static final String SERVICE_CIDR = "10.0.0.0/24";
    private static final String SERVICE_IP = "10.0.0.1";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);

    private final Path bin;
    private final Path dir;
    /** Null: everything on loopback. Otherwise the address the API server binds and advertises (a real node). */
    private final String hostAddress;

    private final Map<String, Process> processes = new LinkedHashMap<>();
    private final Map<String, Duration> startTimes = new LinkedHashMap<>();
    private final String adminToken = randomHex(24);
    private Pki pki;
    private int apiserverPort;
    private Path adminKubeconfig;
    private KubernetesClient admin;
    private HttpClient https;
    private boolean closed;

    private ControlPlane(Path bin, Path dir, String hostAddress) {
        this.bin = bin;
        this.dir = dir;
        this.hostAddress = hostAddress;
    }

    /**
     * The directory with etcd, kube-apiserver, kube-controller-manager and kubectl: the system
     * property {@code schemaguard.k8s.bin} or the variable {@code SCHEMAGUARD_K8S_BIN} (scripts/test.sh
     * sets it), else whatever scripts/build-control-plane.sh prints (it builds on a cold cache).
     */
    public static Path binDir() {
        String configured = System.getProperty("schemaguard.k8s.bin", System.getenv("SCHEMAGUARD_K8S_BIN"));
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        try {
            Process p = new ProcessBuilder("scripts/build-control-plane.sh")
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (p.waitFor() != 0 || out.isEmpty()) {
                throw new IllegalStateException("scripts/build-control-plane.sh failed (exit " + p.exitValue() + ")");
            }
            return Path.of(out.lines().reduce((a, b) -> b).orElseThrow());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Starts everything and returns once the controllers act (a new namespace gets its ServiceAccount).
     * {@code beforeControllers} runs against the ready API server before kube-controller-manager
     * starts: CRDs installed there are known to the garbage collector from its first discovery, as in
     * a cluster where they were installed long ago (it looks for new resource types every 30 s only).
     */
    public static ControlPlane start(Path bin, Consumer<ControlPlane> beforeControllers) {
        return start(bin, beforeControllers, null);
    }

    /**
     * As {@link #start(Path, Consumer)}, with the API server bound to and advertising {@code hostAddress}
     * (a non-loopback address of this host), so a real kubelet and its pods reach it: the default endpoint
     * reconciler publishes it behind Service kubernetes, and the API server reaches kubelets by InternalIP
     * with the admin's client certificate. Null: loopback only, as for the process kubelet.
     */
    public static ControlPlane start(Path bin, Consumer<ControlPlane> beforeControllers, String hostAddress) {
        for (String b : List.of("etcd", "kube-apiserver", "kube-controller-manager", "kubectl")) {
            if (!Files.isExecutable(bin.resolve(b))) {
                throw new IllegalStateException(bin.resolve(b) + " is missing: run scripts/build-control-plane.sh");
            }
        }
        ControlPlane cp;
        try {
            cp = new ControlPlane(bin, Files.createTempDirectory("schemaguard-control-plane-"), hostAddress);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            cp.boot(beforeControllers);
            return cp;
        } catch (RuntimeException | Error e) {
            cp.close();
            throw e;
        }
    }

    private void boot(Consumer<ControlPlane> beforeControllers) {
        long t0 = System.nanoTime();
        pki = Pki.create(dir.resolve("pki"), SERVICE_IP, hostAddress);
        try {
            Files.writeString(
                    pki.dir.resolve("tokens.csv"),
                    adminToken + ",schemaguard-test-admin,uid-admin,\"system:masters\"\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        startTimes.put("certificates", since(t0));
        https = HttpClient.newBuilder()
                .sslContext(trusting(pki.caCert))
                .connectTimeout(Duration.ofSeconds(2))
                .build();

        int etcdPort = Ports.free();
        int etcdPeerPort = Ports.free();
        apiserverPort = Ports.free();
        int kcmPort = Ports.free();

        long t = System.nanoTime();
        launch(
                "etcd",
                List.of(
                        bin.resolve("etcd").toString(),
                        "--name=schemaguard-test",
                        "--data-dir=" + dir.resolve("etcd-data"),
                        "--listen-client-urls=http://127.0.0.1:" + etcdPort,
                        "--advertise-client-urls=http://127.0.0.1:" + etcdPort,
                        "--listen-peer-urls=http://127.0.0.1:" + etcdPeerPort,
                        "--initial-advertise-peer-urls=http://127.0.0.1:" + etcdPeerPort,
                        "--initial-cluster=schemaguard-test=http://127.0.0.1:" + etcdPeerPort,
                        "--unsafe-no-fsync",
                        "--log-level=warn"));
        awaitReady(
                "etcd",
                () -> get("http://127.0.0.1:" + etcdPort + "/health", null).contains("\"health\":\"true\""));
        startTimes.put("etcd", since(t));

        t = System.nanoTime();
        List<String> apiserver = new ArrayList<>(List.of(
                bin.resolve("kube-apiserver").toString(),
                "--etcd-servers=http://127.0.0.1:" + etcdPort,
                "--secure-port=" + apiserverPort,
                "--cert-dir=" + dir.resolve("apiserver-certs"),
                "--tls-cert-file=" + pki.apiserverCert,
                "--tls-private-key-file=" + pki.apiserverKey,
                "--client-ca-file=" + pki.caCert,
                "--token-auth-file=" + pki.dir.resolve("tokens.csv"),
                "--authorization-mode=Node,RBAC",
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                "--service-account-key-file=" + pki.serviceAccountPublicKey,
                "--service-account-signing-key-file=" + pki.serviceAccountKey,
                "--service-cluster-ip-range=" + SERVICE_CIDR,
                "--allow-privileged=true",
                "--profiling=false",
                "--v=1"));
        if (hostAddress == null) {
            apiserver.addAll(List.of(
                    "--bind-address=127.0.0.1",
                    "--advertise-address=127.0.0.1",
                    // with a loopback advertise address the default reconciler refuses to publish endpoints
                    "--endpoint-reconciler-type=none"));
        } else {
            apiserver.addAll(List.of(
                    "--bind-address=" + hostAddress,
                    "--advertise-address=" + hostAddress,
                    "--kubelet-preferred-address-types=InternalIP",
                    "--kubelet-client-certificate=" + pki.adminCert,
                    "--kubelet-client-key=" + pki.adminKey));
        }
        launch("kube-apiserver", apiserver);
        awaitReady("kube-apiserver", () -> "ok".equals(get(server() + "/readyz", adminToken)));
        startTimes.put("kube-apiserver", since(t));

        adminKubeconfig = writeKubeconfig(
                "admin.kubeconfig",
                "    client-certificate: " + pki.adminCert + "\n" + "    client-key: " + pki.adminKey + "\n");
        Path kcmKubeconfig = writeKubeconfig(
                "kube-controller-manager.kubeconfig",
                "    client-certificate: " + pki.controllerManagerCert + "\n" + "    client-key: "
                        + pki.controllerManagerKey + "\n");
        admin = client(adminKubeconfig);
        t = System.nanoTime();
        beforeControllers.accept(this);
        startTimes.put("before controllers", since(t));

        t = System.nanoTime();
        launch(
                "kube-controller-manager",
                List.of(
                        bin.resolve("kube-controller-manager").toString(),
                        "--kubeconfig=" + kcmKubeconfig,
                        "--bind-address=127.0.0.1",
                        "--secure-port=" + kcmPort,
                        "--cert-dir=" + dir.resolve("kcm-certs"),
                        "--leader-elect=false",
                        "--controllers=*",
                        "--use-service-account-credentials=true",
                        "--service-account-private-key-file=" + pki.serviceAccountKey,
                        "--root-ca-file=" + pki.caCert,
                        "--cluster-signing-cert-file=" + pki.caCert,
                        "--cluster-signing-key-file=" + pki.caKey,
                        "--kube-api-qps=100",
                        "--kube-api-burst=200",
                        "--profiling=false",
                        "--v=1"));
        // Ready when its controllers act: the service-account controller fills a new namespace.
        admin.namespaces()
                .resource(new NamespaceBuilder()
                        .withNewMetadata()
                        .withName("control-plane-probe")
                        .endMetadata()
                        .build())
                .create();
        awaitReady(
                "kube-controller-manager",
                () -> admin.serviceAccounts()
                                .inNamespace("control-plane-probe")
                                .withName("default")
                                .get()
                        != null);
        admin.namespaces().withName("control-plane-probe").delete();
        startTimes.put("kube-controller-manager", since(t));
        startTimes.put("total", since(t0));
    }

    /** How long each part took to become ready, and the total. */
    public Map<String, Duration> startTimes() {
        return startTimes;
    }

    public String server() {
        return "https://" + (hostAddress == null ? "127.0.0.1" : hostAddress) + ":" + apiserverPort;
    }

    /** Where the API server listens: loopback, or the host address a real node was given. */
    public String address() {
        return hostAddress == null ? "127.0.0.1" : hostAddress;
    }

    Pki pki() {
        return pki;
    }

    public Path dir() {
        return dir;
    }

    public Path bin() {
        return bin;
    }

    /** A cluster-admin client ({@code system:masters}). */
    public KubernetesClient admin() {
        return admin;
    }

    public Path adminKubeconfig() {
        return adminKubeconfig;
    }

    public Kubectl kubectl() {
        return new Kubectl(bin.resolve("kubectl"), adminKubeconfig);
    }

    public Kubectl kubectl(Path kubeconfig) {
        return new Kubectl(bin.resolve("kubectl"), kubeconfig);
    }

    /** A token for a ServiceAccount from the TokenRequest API, as a projected token volume gets one. */
    public String serviceAccountToken(String namespace, String serviceAccount, Duration lifetime) {
        return admin.serviceAccounts()
                .inNamespace(namespace)
                .withName(serviceAccount)
                .tokenRequest(new TokenRequestBuilder()
                        .withNewSpec()
                        .withExpirationSeconds(lifetime.toSeconds())
                        .endSpec()
                        .build())
                .getStatus()
                .getToken();
    }

    /** A kubeconfig that authenticates as the ServiceAccount, with a fresh TokenRequest token. */
    public Path serviceAccountKubeconfig(String namespace, String serviceAccount, Duration lifetime) {
        String token = serviceAccountToken(namespace, serviceAccount, lifetime);
        return writeKubeconfig(namespace + "-" + serviceAccount + ".kubeconfig", "    token: " + token + "\n");
    }

    public KubernetesClient client(Path kubeconfig) {
        return new KubernetesClientBuilder()
                .withConfig(Config.fromKubeconfig(kubeconfig.toFile()))
                .build();
    }

    Path writeKubeconfig(String name, String user) {
        String text = """
                apiVersion: v1
                kind: Config
                clusters:
                - name: schemaguard-test
                  cluster:
                    server: %s
                    certificate-authority: %s
                users:
                - name: user
                  user:
                %scontexts:
                - name: schemaguard-test
                  context:
                    cluster: schemaguard-test
                    user: user
                    namespace: default
                current-context: schemaguard-test
                """.formatted(server(), pki.caCert, user);
        Path file = dir.resolve(name);
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    private void launch(String name, List<String> command) {
        try {
            Process p = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve(name + ".log").toFile())
                    .start();
            p.getOutputStream().close();
            processes.put(name, p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void awaitReady(String name, BooleanSupplier ready) {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        Process p = processes.get(name);
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
                        name + " exited with code " + p.exitValue() + ":\n" + logTail(name, 40));
            }
            sleep(100);
        }
        throw new IllegalStateException(name + " not ready after " + READY_TIMEOUT + ":\n" + logTail(name, 40));
    }

    /** The last lines of a component's log (etcd, kube-apiserver, kube-controller-manager). */
    public String logTail(String component, int lines) {
        try {
            List<String> all = Files.readAllLines(dir.resolve(component + ".log"));
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private String get(String url, String bearer) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(5))
                .GET();
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        try {
            HttpResponse<String> r = https.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? r.body().strip() : "";
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Stops the controller manager, the API server and etcd, in that order, then deletes the data. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (admin != null) {
            admin.close();
        }
        List<String> names = new ArrayList<>(processes.keySet());
        for (int i = names.size() - 1; i >= 0; i--) {
            stop(processes.get(names.get(i)));
        }
        deleteTree(dir);
    }

    static void stop(Process p) {
        if (p == null || !p.isAlive()) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(15, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (var s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("warning: could not delete " + root + ": " + e.getMessage());
        }
    }

    private static SSLContext trusting(Path caCert) {
        try (InputStream in = Files.newInputStream(caCert)) {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            ks.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), new SecureRandom());
            return ctx;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot load " + caCert, e);
        }
    }

    private static String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    static Duration since(long nanos) {
        return Duration.ofNanos(System.nanoTime() - nanos);
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
