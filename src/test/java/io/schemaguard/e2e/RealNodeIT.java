package io.schemaguard.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.Phase;
import io.schemaguard.operator.jobs.Conditions;
import io.schemaguard.operator.jobs.JobState;
import io.schemaguard.runner.Streams;
import io.schemaguard.testing.PostgresServer;
import io.schemaguard.testing.Runner;
import io.schemaguard.testing.S3Server;
import io.schemaguard.testing.cluster.ControlPlane;
import io.schemaguard.testing.cluster.Kubectl;
import io.schemaguard.testing.cluster.RealNode;

/**
 * The first hour of a platform engineer, on a real node: the project's image (scripts/build-image.sh,
 * from the Dockerfile) imported into containerd, {@code helm install} of helm/schemaguard, the operator
 * running as its Deployment (2 replicas, one leading on a Lease), and a DatabaseBackup whose runner pod
 * (restricted: non-root, read-only root filesystem, no capabilities, RuntimeDefault seccomp, enforced by
 * PodSecurity admission) dumps a real PostgreSQL database on the host into S3Proxy on the host; the
 * backup is then read back and verified by {@code schemaguard verify}. Teardown must leave nothing on
 * the host ({@link RealNode#leftovers()}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealNodeIT {
    static final String RELEASE = "schemaguard";
    static final String SYSTEM = "schemaguard-system";
    static final String BUCKET = "real-node-backups";
    static final Duration TIMEOUT = Duration.ofMinutes(4);

    static String host;
    static String imageRef;
    static Path helm;
    static ControlPlane cp;
    static RealNode node;
    static PostgresServer pg;
    static S3Server s3;
    static KubernetesClient admin;
    /** Set by the helm test once the operator runs; the later tests need it. */
    static boolean operatorRunning;

    @RegisterExtension
    static final TestWatcher DIAGNOSTICS = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            if (node == null) {
                return;
            }
            StringBuilder b = new StringBuilder("diagnostics for " + context.getDisplayName() + ":\n");
            b.append(cp.kubectl().run(null, "get", "pods,jobs,events", "-A", "-o", "wide").stdout());
            for (String ns : List.of(SYSTEM)) {
                b.append(cp.kubectl().run(null, "logs", "-n", ns, "-l", "app.kubernetes.io/name=schemaguard",
                        "--tail=40", "--prefix").stdout());
            }
            b.append("---- kubelet:\n").append(node.logTail("kubelet", 30)).append('\n');
            b.append("---- containerd:\n").append(node.logTail("containerd", 20)).append('\n');
            System.out.println(b);
        }
    };

    @BeforeAll
    static void start() throws Exception {
        long t0 = System.nanoTime();
        host = RealNode.hostAddress();
        Path archive = Path.of(RealNode.fromScript("SCHEMAGUARD_IMAGE_ARCHIVE", "scripts/build-image.sh"));
        imageRef = Files.readString(Path.of(archive + ".ref")).strip();
        helm = Path.of(RealNode.fromScript("SCHEMAGUARD_HELM", "scripts/build-helm.sh"));
        Path nodeDir = RealNode.nodeDir();
        log("image " + imageRef + ", helm " + helm + ", node binaries " + nodeDir + ", host address " + host);

        cp = ControlPlane.start(ControlPlane.binDir(), c -> {
        }, host);
        log("control plane on " + cp.server() + " in " + seconds(cp.startTimes().get("total")));
        node = RealNode.start(cp, nodeDir, "real-node", List.of(archive));
        log("node " + node.nodeName() + " Ready: " + node.startTimes().entrySet().stream()
                .map(e -> e.getKey() + " " + seconds(e.getValue())).collect(Collectors.joining(", ")));
        admin = cp.admin();
        pg = PostgresServer.start(host);
        s3 = S3Server.start("0.0.0.0");
        s3.createBucket(BUCKET);
        log("everything up in " + seconds(Duration.ofNanos(System.nanoTime() - t0)));
    }

    @AfterAll
    static void stop() {
        long t0 = System.nanoTime();
        if (node != null) {
            node.close();
        }
        if (cp != null) {
            cp.close();
        }
        if (pg != null) {
            pg.stop();
        }
        if (s3 != null) {
            s3.close();
        }
        log("torn down in " + seconds(Duration.ofNanos(System.nanoTime() - t0)));
        if (node != null) {
            assertThat(node.leftBehind()).as("what the node left on the host").isEmpty();
        }
    }

    @Test
    @Order(1)
    void helmInstallRunsTheOperatorAsTwoReplicasWithOneLeaderOnTheLease() {
        restrictedNamespace(SYSTEM);
        int colon = imageRef.lastIndexOf(':');
        long t0 = System.nanoTime();
        Runner.Result installed = helm("install", RELEASE, "helm/schemaguard", "--namespace", SYSTEM,
                "--set", "image.repository=" + imageRef.substring(0, colon),
                "--set", "image.tag=" + imageRef.substring(colon + 1),
                // Nothing may be pulled: the image is the one imported into containerd.
                "--set", "image.pullPolicy=Never",
                "--wait", "--timeout=5m");
        assertThat(installed.exitCode()).as("helm install: %s", installed).isZero();
        log("helm install --wait returned in " + seconds(Duration.ofNanos(System.nanoTime() - t0)));

        Deployment d = admin.apps().deployments().inNamespace(SYSTEM).withName(RELEASE).get();
        assertThat(d.getStatus().getReadyReplicas()).isEqualTo(2);
        List<Pod> pods = admin.pods().inNamespace(SYSTEM).withLabel("app.kubernetes.io/name", "schemaguard").list()
                .getItems();
        assertThat(pods).hasSize(2).allSatisfy(p -> {
            assertThat(p.getSpec().getNodeName()).isEqualTo(node.nodeName());
            assertThat(p.getStatus().getPhase()).isEqualTo("Running");
            ContainerStatus c = p.getStatus().getContainerStatuses().get(0);
            assertThat(c.getReady()).isTrue();
            // containerd ran the imported image: its digest, not a process kubelet's placeholder
            assertThat(c.getImageID()).startsWith("sha256:");
            assertThat(c.getRestartCount()).isZero();
        });

        // One replica leads on the chart's Lease; the holder is one of the two pods.
        Lease lease = await().atMost(Duration.ofMinutes(1)).until(
                () -> admin.leases().inNamespace(SYSTEM).withName(RELEASE + "-leader").get(),
                l -> l != null && l.getSpec().getHolderIdentity() != null);
        assertThat(pods.stream().map(p -> p.getMetadata().getName()).toList()).contains(lease.getSpec().getHolderIdentity());
        operatorRunning = true;
    }

    @Test
    @Order(2)
    void aBackupRunsAsARestrictedPodOnTheNodeAndVerifiesFromStorage() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(operatorRunning, "the operator is not running (the helm test failed)");
        String database = pg.createDatabase("real_node_shop");
        pg.execute(database, "CREATE TABLE orders (id serial PRIMARY KEY, customer_reference text, total numeric)",
                "INSERT INTO orders (customer_reference, total) SELECT 'ref-' || g, g FROM generate_series(1, 20000) g");
        String ns = restrictedNamespace("real-node-backup");
        long t0 = System.nanoTime();
        kubectl().apply(secrets(ns) + "---\n" + """
                apiVersion: schemaguard.io/v1alpha1
                kind: DatabaseBackup
                metadata:
                  name: orders-nightly
                  namespace: %s
                spec:
                  database:
                    host: %s
                    port: %d
                    name: %s
                    user: postgres
                    passwordSecretRef:
                      name: db-credentials
                  storage:
                    s3:
                      bucket: %s
                      prefix: backups
                      endpoint: http://%s:%d
                      forcePathStyle: true
                      credentialsSecretRef:
                        name: s3-credentials
                """.formatted(ns, host, pg.port(), database, BUCKET, host, s3.port())).orThrow();

        DatabaseBackup done = await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(500))
                .until(() -> admin.resources(DatabaseBackup.class).inNamespace(ns).withName("orders-nightly").get(),
                        b -> b != null && b.getStatus() != null
                                && List.of(Phase.Succeeded, Phase.Failed).contains(b.getStatus().getPhase()));
        log("backup " + done.getStatus().getPhase() + " " + seconds(Duration.ofNanos(System.nanoTime() - t0))
                + " after kubectl apply");
        assertThat(done.getStatus().getPhase()).as("%s", done.getStatus().getConditions()).isEqualTo(Phase.Succeeded);
        assertThat(Conditions.find(done.getStatus().getConditions(), Conditions.READY).getReason())
                .isEqualTo("BackupSucceeded");

        // The runner pod ran on the real node, as the restricted profile demands.
        Pod pod = admin.pods().inNamespace(ns).list().getItems().get(0);
        assertThat(pod.getSpec().getNodeName()).isEqualTo(node.nodeName());
        assertThat(pod.getStatus().getPhase()).isEqualTo("Succeeded");
        assertThat(JobState.exitCode(pod)).contains(0);
        assertThat(pod.getStatus().getContainerStatuses().get(0).getImageID()).startsWith("sha256:");
        SecurityContext sc = pod.getSpec().getContainers().get(0).getSecurityContext();
        assertThat(sc.getReadOnlyRootFilesystem()).isTrue();
        assertThat(sc.getRunAsNonRoot()).isTrue();
        assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
        assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(JobState.terminationMessage(pod).orElseThrow()).contains("\"sha256\":\"" + done.getStatus().getSha256());

        // What is in storage is what the status says, and the runner's own verify agrees.
        String location = done.getStatus().getLocation();
        String key = location.substring(("s3://" + BUCKET + "/").length());
        byte[] object = s3.get(BUCKET, key);
        assertThat(Streams.hash(new ByteArrayInputStream(object)).sha256()).isEqualTo(done.getStatus().getSha256());
        Runner.Result verified = Runner.run(env(), "verify", "--from", "s3://" + BUCKET + "/backups", "--endpoint",
                s3.endpoint(), "--path-style", done.getStatus().getBackupId());
        assertThat(verified.exitCode()).as("%s", verified).isZero();
        assertThat(verified.stdout()).contains("OK ").contains(done.getStatus().getSha256());
    }

    @Test
    @Order(3)
    void theOperatorsMetricsAreScrapedThroughItsService() {
        org.junit.jupiter.api.Assumptions.assumeTrue(operatorRunning, "the operator is not running (the helm test failed)");
        io.fabric8.kubernetes.api.model.Service svc = admin.services().inNamespace(SYSTEM).withName(RELEASE + "-metrics").get();
        String url = "http://" + svc.getSpec().getClusterIP() + ":8080/q/metrics";
        // Both replicas are behind it (the standby serves metrics too) ...
        await().atMost(Duration.ofMinutes(1)).until(() -> admin.discovery().v1().endpointSlices().inNamespace(SYSTEM)
                .withLabel("kubernetes.io/service-name", svc.getMetadata().getName()).list().getItems().stream()
                .flatMap(e -> e.getEndpoints().stream())
                .filter(e -> e.getConditions() != null && Boolean.TRUE.equals(e.getConditions().getReady())).count() == 2);
        // ... and kube-proxy's rules take the ClusterIP to them: a Prometheus scrape from the host.
        String body = await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500)).until(() -> {
            java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
            java.net.http.HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
                    .timeout(Duration.ofSeconds(5)).GET().build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? r.body() : "";
        }, b -> b.contains("# TYPE jvm_memory_used_bytes"));
        assertThat(body).contains("# TYPE jvm_info").contains("# TYPE process_cpu_time_ns");
        log("metrics scraped through Service " + svc.getMetadata().getName() + " at " + url);
    }

    @Test
    @Order(4)
    void aRunnerGivenTooLittleMemoryIsOomKilledAndTheBackupSaysSo() {
        org.junit.jupiter.api.Assumptions.assumeTrue(operatorRunning, "the operator is not running (the helm test failed)");
        // Last: the upgrade rolls the operator's pods. The request must not exceed the limit.
        Runner.Result upgraded = helm("upgrade", RELEASE, "helm/schemaguard", "--namespace", SYSTEM, "--reuse-values",
                "--set", "runner.resources.limits.memory=20Mi", "--set", "runner.resources.requests.memory=20Mi",
                "--wait", "--timeout=5m");
        assertThat(upgraded.exitCode()).as("helm upgrade: %s", upgraded).isZero();
        String database = pg.createDatabase("real_node_oom");
        pg.execute(database, "CREATE TABLE orders (id serial PRIMARY KEY, total numeric)",
                "INSERT INTO orders (total) SELECT g FROM generate_series(1, 1000) g");
        String ns = restrictedNamespace("real-node-oom");
        kubectl().apply(secrets(ns) + "---\n" + """
                apiVersion: schemaguard.io/v1alpha1
                kind: DatabaseBackup
                metadata:
                  name: starved
                  namespace: %s
                spec:
                  backoffLimit: 0
                  database:
                    host: %s
                    port: %d
                    name: %s
                    user: postgres
                    passwordSecretRef:
                      name: db-credentials
                  storage:
                    s3:
                      bucket: %s
                      endpoint: http://%s:%d
                      forcePathStyle: true
                      credentialsSecretRef:
                        name: s3-credentials
                """.formatted(ns, host, pg.port(), database, BUCKET, host, s3.port())).orThrow();

        DatabaseBackup failed = await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(500))
                .until(() -> admin.resources(DatabaseBackup.class).inNamespace(ns).withName("starved").get(),
                        b -> b != null && b.getStatus() != null
                                && List.of(Phase.Succeeded, Phase.Failed).contains(b.getStatus().getPhase()));
        Pod pod = admin.pods().inNamespace(ns).list().getItems().get(0);
        var terminated = pod.getStatus().getContainerStatuses().get(0).getState().getTerminated();
        assertThat(terminated.getReason()).as("the kubelet's reason").isEqualTo("OOMKilled");
        assertThat(failed.getStatus().getPhase()).isEqualTo(Phase.Failed);
        var ready = Conditions.find(failed.getStatus().getConditions(), Conditions.READY);
        assertThat(ready.getReason()).isEqualTo("OOMKilled");
        assertThat(ready.getMessage()).contains("more memory than its limit of 20Mi").contains("runner.resources.limits.memory");
        log("OOMKilled runner reported as: " + ready.getMessage());
    }

    // ------------------------------------------------------------------------------------------ helpers

    static Map<String, String> env() {
        Map<String, String> env = new java.util.HashMap<>();
        for (String kv : s3.env()) {
            int eq = kv.indexOf('=');
            env.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        return env;
    }

    static Kubectl kubectl() {
        return cp.kubectl();
    }

    /** A namespace where PodSecurity admission enforces the restricted profile. */
    static String restrictedNamespace(String name) {
        kubectl().apply("""
                apiVersion: v1
                kind: Namespace
                metadata:
                  name: %s
                  labels:
                    pod-security.kubernetes.io/enforce: restricted
                    pod-security.kubernetes.io/enforce-version: latest
                """.formatted(name)).orThrow();
        await().atMost(Duration.ofMinutes(1))
                .until(() -> admin.serviceAccounts().inNamespace(name).withName("default").get() != null);
        return name;
    }

    static String secrets(String ns) {
        return """
                apiVersion: v1
                kind: Secret
                metadata:
                  name: db-credentials
                  namespace: %s
                stringData:
                  password: "%s"
                ---
                apiVersion: v1
                kind: Secret
                metadata:
                  name: s3-credentials
                  namespace: %s
                stringData:
                  AWS_ACCESS_KEY_ID: %s
                  AWS_SECRET_ACCESS_KEY: %s
                """.formatted(ns, PostgresServer.PASSWORD, ns, S3Server.ACCESS_KEY, S3Server.SECRET_KEY);
    }

    static Runner.Result helm(String... args) {
        List<String> command = new ArrayList<>(List.of(helm.toString(), "--kubeconfig", cp.adminKubeconfig().toString()));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            p.waitFor();
            return new Runner.Result(p.exitValue(), out, "", null);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String seconds(Duration d) {
        return String.format("%.1f s", d.toMillis() / 1000.0);
    }

    static void log(String message) {
        System.out.println("[real-node-it] " + message);
    }
}
