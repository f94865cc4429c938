package io.schemaguard.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.schemaguard.api.BackupSchedule;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.DatabaseRestore;
import io.schemaguard.api.MigrationPhase;
import io.schemaguard.api.Phase;
import io.schemaguard.api.SafeMigration;
import io.schemaguard.operator.jobs.Conditions;
import io.schemaguard.operator.jobs.JobState;
import io.schemaguard.operator.jobs.Labels;
import io.schemaguard.runner.Streams;
import io.schemaguard.testing.PostgresServer;
import io.schemaguard.testing.Runner;
import io.schemaguard.testing.S3Server;
import io.schemaguard.testing.TableLock;
import io.schemaguard.testing.cluster.ControlPlane;
import io.schemaguard.testing.cluster.Kubectl;
import io.schemaguard.testing.cluster.RealNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;

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
    static final String SCHEDULE_NS = "real-node-schedule";
    static final Duration TIMEOUT = Duration.ofMinutes(4);

    static String host;
    static String imageRef;
    /** The stand-in application's releases (scripts/build-app-image.sh): 1.0, then 1.1 with a destructive migration. */
    static List<String> appImages;

    static Path helm;
    static ControlPlane cp;
    static RealNode node;
    static PostgresServer pg;
    static S3Server s3;
    static KubernetesClient admin;
    /** Set by the helm test once the operator runs; the later tests need it. */
    static boolean operatorRunning;

    long testStarted;
    /** When the BackupSchedule was applied (null: it was not). */
    static Instant scheduleApplied;

    @RegisterExtension
    static final TestWatcher DIAGNOSTICS = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            if (node == null) {
                return;
            }
            StringBuilder b = new StringBuilder("diagnostics for " + context.getDisplayName() + ":\n");
            b.append(cp.kubectl()
                    .run(null, "get", "pods,jobs,events", "-A", "-o", "wide")
                    .stdout());
            for (String ns : List.of(SYSTEM)) {
                b.append(cp.kubectl()
                        .run(
                                null,
                                "logs",
                                "-n",
                                ns,
                                "-l",
                                "app.kubernetes.io/name=schemaguard",
                                "--tail=40",
                                "--prefix")
                        .stdout());
            }
            b.append("---- kubelet:\n").append(node.logTail("kubelet", 30)).append('\n');
            b.append("---- containerd:\n")
                    .append(node.logTail("containerd", 20))
                    .append('\n');
            if (s3 != null) {
                b.append("---- S3Proxy:\n").append(s3.logTail(20)).append('\n');
            }
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
        Path appArchive = Path.of(RealNode.fromScript("SCHEMAGUARD_APP_IMAGE_ARCHIVE", "scripts/build-app-image.sh"));
        appImages = Files.readAllLines(Path.of(appArchive + ".refs")).stream()
                .map(String::strip)
                .filter(l -> !l.isEmpty())
                .toList();
        Path nodeDir = RealNode.nodeDir();
        log("image " + imageRef + ", helm " + helm + ", node binaries " + nodeDir + ", host address " + host);

        cp = ControlPlane.start(ControlPlane.binDir(), c -> {}, host);
        log("control plane on " + cp.server() + " in " + seconds(cp.startTimes().get("total")));
        node = RealNode.start(cp, nodeDir, "real-node", List.of(archive, appArchive));
        log("node " + node.nodeName() + " Ready: " + describe(node.startTimes()));
        admin = cp.admin();
        pg = PostgresServer.start(host);
        s3 = S3Server.start("0.0.0.0");
        s3.createBucket(BUCKET);
        log("everything up in " + seconds(Duration.ofNanos(System.nanoTime() - t0)));
    }

    @AfterAll
    static void stop() {
        long t0 = System.nanoTime();
        Map<String, Duration> times = Collections.synchronizedMap(new LinkedHashMap<>());
        // PostgreSQL and S3Proxy have nothing to do with the node: they stop beside it.
        Thread servers = new Thread(
                () -> {
                    long t = System.nanoTime();
                    if (pg != null) {
                        pg.stop();
                    }
                    if (s3 != null) {
                        s3.close();
                    }
                    times.put("PostgreSQL and S3Proxy (beside)", Duration.ofNanos(System.nanoTime() - t));
                },
                "stop-servers");
        servers.start();
        if (node != null) {
            node.close();
            times.put("node", Duration.ofNanos(System.nanoTime() - t0));
        }
        long t = System.nanoTime();
        if (cp != null) {
            cp.close();
        }
        times.put("control plane", Duration.ofNanos(System.nanoTime() - t));
        try {
            servers.join(Duration.ofMinutes(2).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log("torn down in " + seconds(Duration.ofNanos(System.nanoTime() - t0)) + ": " + describe(times)
                + (node == null ? "" : "; node: " + describe(node.teardownTimes())));
        if (node != null) {
            assertThat(node.leftBehind()).as("what the node left on the host").isEmpty();
        }
    }

    @BeforeEach
    void startClock(TestInfo test) {
        testStarted = System.nanoTime();
    }

    @AfterEach
    void stopClock(TestInfo test) {
        log(test.getTestMethod().map(Method::getName).orElse("?") + " took "
                + seconds(Duration.ofNanos(System.nanoTime() - testStarted)));
    }

    @Test
    @Order(10)
    void helmInstallRunsTheOperatorAsTwoReplicasWithOneLeaderOnTheLease() {
        restrictedNamespace(SYSTEM);
        int colon = imageRef.lastIndexOf(':');
        long t0 = System.nanoTime();
        Runner.Result installed = helm(
                "install",
                RELEASE,
                "helm/schemaguard",
                "--namespace",
                SYSTEM,
                "--set",
                "image.repository=" + imageRef.substring(0, colon),
                "--set",
                "image.tag=" + imageRef.substring(colon + 1),
                // Nothing may be pulled: the image is the one imported into containerd.
                "--set",
                "image.pullPolicy=Never",
                "--wait",
                "--timeout=5m");
        assertThat(installed.exitCode()).as("helm install: %s", installed).isZero();
        log("helm install --wait returned in " + seconds(Duration.ofNanos(System.nanoTime() - t0)));

        Deployment d =
                admin.apps().deployments().inNamespace(SYSTEM).withName(RELEASE).get();
        assertThat(d.getStatus().getReadyReplicas()).isEqualTo(2);
        List<Pod> pods = admin.pods()
                .inNamespace(SYSTEM)
                .withLabel("app.kubernetes.io/name", "schemaguard")
                .list()
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
        Lease lease = await().atMost(Duration.ofMinutes(1))
                .until(
                        () -> admin.leases()
                                .inNamespace(SYSTEM)
                                .withName(RELEASE + "-leader")
                                .get(),
                        l -> l != null && l.getSpec().getHolderIdentity() != null);
        assertThat(pods.stream().map(p -> p.getMetadata().getName()).toList())
                .contains(lease.getSpec().getHolderIdentity());
        operatorRunning = true;
    }

    @Test
    @Order(20)
    void aBackupRunsAsARestrictedPodOnTheNodeAndVerifiesFromStorage() throws Exception {
        Assumptions.assumeTrue(operatorRunning, "the operator is not running (the helm test failed)");
        String database = pg.createDatabase("real_node_shop");
        pg.execute(
                database,
                "CREATE TABLE orders (id serial PRIMARY KEY, customer_reference text, total numeric)",
                "INSERT INTO orders (customer_reference, total) SELECT 'ref-' || g, g FROM generate_series(1, 20000) g");
        String ns = restrictedNamespace("real-node-backup");
        long t0 = System.nanoTime();
        kubectl()
                .apply(secrets(ns) + "---\n" + """
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
                """.formatted(ns, host, pg.port(), database, BUCKET, host, s3.port()))
                .orThrow();

        DatabaseBackup done = await().atMost(TIMEOUT)
                .pollInterval(Duration.ofMillis(500))
                .until(
                        () -> admin.resources(DatabaseBackup.class)
                                .inNamespace(ns)
                                .withName("orders-nightly")
                                .get(),
                        b -> b != null
                                && b.getStatus() != null
                                && List.of(Phase.Succeeded, Phase.Failed)
                                        .contains(b.getStatus().getPhase()));
        log("backup " + done.getStatus().getPhase() + " " + seconds(Duration.ofNanos(System.nanoTime() - t0))
                + " after kubectl apply");
        assertThat(done.getStatus().getPhase())
                .as("%s", done.getStatus().getConditions())
                .isEqualTo(Phase.Succeeded);
        assertThat(Conditions.find(done.getStatus().getConditions(), Conditions.READY)
                        .getReason())
                .isEqualTo("BackupSucceeded");
        reportRetries(ns);

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
        assertThat(JobState.terminationMessage(pod).orElseThrow())
                .contains("\"sha256\":\"" + done.getStatus().getSha256());

        // What is in storage is what the status says, and the runner's own verify agrees.
        String location = done.getStatus().getLocation();
        String key = location.substring(("s3://" + BUCKET + "/").length());
        byte[] object = s3.get(BUCKET, key);
        assertThat(Streams.hash(new ByteArrayInputStream(object)).sha256())
                .isEqualTo(done.getStatus().getSha256());
        Runner.Result verified = Runner.run(
                env(),
                "verify",
                "--from",
                "s3://" + BUCKET + "/backups",
                "--endpoint",
                s3.endpoint(),
                "--path-style",
                done.getStatus().getBackupId());
        assertThat(verified.exitCode()).as("%s", verified).isZero();
        assertThat(verified.stdout()).contains("OK ").contains(done.getStatus().getSha256());

        // `kubectl schemaguard logs` reads pods/log through the API server from this node's real kubelet
        // (the process kubelet of the other ITs serves no kubelet API, so only here is it proven).
        String[] logs = plugin("-n", ns, "logs", "databasebackup/orders-nightly");
        assertThat(logs[0]).as("exit of kubectl schemaguard logs: %s", logs[2]).isEqualTo("0");
        assertThat(logs[1]).contains("backup " + done.getStatus().getBackupId() + ": dumping");
    }

    /** The kubectl plugin as users run it: its script, the admin's kubeconfig; {exit, stdout, stderr}. */
    static String[] plugin(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of("src/main/scripts/kubectl-schemaguard").toAbsolutePath().toString(),
                "--kubeconfig=" + cp.adminKubeconfig()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().remove("KUBECONFIG");
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Path err = Files.createTempFile("kubectl-schemaguard", ".err");
        pb.redirectError(err.toFile());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(2, java.util.concurrent.TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("kubectl-schemaguard " + String.join(" ", args) + " did not finish");
        }
        String stderr = Files.readString(err);
        Files.delete(err);
        log("kubectl schemaguard " + String.join(" ", args) + ": exit " + p.exitValue() + ", "
                + out.lines().count() + " lines\n" + out + stderr);
        return new String[] {String.valueOf(p.exitValue()), out, stderr};
    }

    @Test
    @Order(70)
    void theOperatorsMetricsAreScrapedThroughItsService() {
        Assumptions.assumeTrue(operatorRunning, "the operator is not running (the helm test failed)");
        Service svc = admin.services()
                .inNamespace(SYSTEM)
                .withName(RELEASE + "-metrics")
                .get();
        String url = "http://" + svc.getSpec().getClusterIP() + ":8080/q/metrics";
        // Both replicas are behind it (the standby serves metrics too) ...
        await().atMost(Duration.ofMinutes(1))
                .until(() -> admin
                                .discovery()
                                .v1()
                                .endpointSlices()
                                .inNamespace(SYSTEM)
                                .withLabel(
                                        "kubernetes.io/service-name",
                                        svc.getMetadata().getName())
                                .list()
                                .getItems()
                                .stream()
                                .flatMap(e -> e.getEndpoints().stream())
                                .filter(e -> e.getConditions() != null
                                        && Boolean.TRUE.equals(e.getConditions().getReady()))
                                .count()
                        == 2);
        // ... and kube-proxy's rules take the ClusterIP to them: a Prometheus scrape from the host.
        String body = await().atMost(Duration.ofMinutes(1))
                .pollInterval(Duration.ofMillis(500))
                .until(
                        () -> {
                            HttpClient http = HttpClient.newBuilder()
                                    .connectTimeout(Duration.ofSeconds(3))
                                    .build();
                            HttpResponse<String> r = http.send(
                                    HttpRequest.newBuilder(URI.create(url))
                                            .timeout(Duration.ofSeconds(5))
                                            .GET()
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString());
                            return r.statusCode() == 200 ? r.body() : "";
                        },
                        b -> b.contains("# TYPE jvm_memory_used_bytes"));
        assertThat(body).contains("# TYPE jvm_info").contains("# TYPE process_cpu_time_ns");
        log("metrics scraped through Service " + svc.getMetadata().getName() + " at " + url);
    }

    @Test
    @Order(90)
    void aRunnerGivenTooLittleMemoryIsOomKilledAndTheBackupSaysSo() {
        Assumptions.assumeTrue(operatorRunning, "the operator is not running (the helm test failed)");
        // Last: the upgrade rolls the operator's pods. The request must not exceed the limit.
        Runner.Result upgraded = helm(
                "upgrade",
                RELEASE,
                "helm/schemaguard",
                "--namespace",
                SYSTEM,
                "--reuse-values",
                "--set",
                "runner.resources.limits.memory=20Mi",
                "--set",
                "runner.resources.requests.memory=20Mi",
                "--wait",
                "--timeout=5m");
        assertThat(upgraded.exitCode()).as("helm upgrade: %s", upgraded).isZero();
        String database = pg.createDatabase("real_node_oom");
        pg.execute(
                database,
                "CREATE TABLE orders (id serial PRIMARY KEY, total numeric)",
                "INSERT INTO orders (total) SELECT g FROM generate_series(1, 1000) g");
        String ns = restrictedNamespace("real-node-oom");
        kubectl()
                .apply(secrets(ns) + "---\n" + """
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
                """.formatted(ns, host, pg.port(), database, BUCKET, host, s3.port()))
                .orThrow();

        DatabaseBackup failed = await().atMost(TIMEOUT)
                .pollInterval(Duration.ofMillis(500))
                .until(
                        () -> admin.resources(DatabaseBackup.class)
                                .inNamespace(ns)
                                .withName("starved")
                                .get(),
                        b -> b != null
                                && b.getStatus() != null
                                && List.of(Phase.Succeeded, Phase.Failed)
                                        .contains(b.getStatus().getPhase()));
        Pod pod = admin.pods().inNamespace(ns).list().getItems().get(0);
        var terminated =
                pod.getStatus().getContainerStatuses().get(0).getState().getTerminated();
        assertThat(terminated.getReason()).as("the kubelet's reason").isEqualTo("OOMKilled");
        assertThat(failed.getStatus().getPhase()).isEqualTo(Phase.Failed);
        var ready = Conditions.find(failed.getStatus().getConditions(), Conditions.READY);
        assertThat(ready.getReason()).isEqualTo("OOMKilled");
        assertThat(ready.getMessage())
                .contains("more memory than its limit of 20Mi")
                .contains("runner.resources.limits.memory");
        log("OOMKilled runner reported as: " + ready.getMessage());
    }

    @Test
    @Order(15)
    void aScheduleEveryMinuteIsApplied() {
        Assumptions.assumeTrue(operatorRunning, "the operator is not running (the helm test failed)");
        // Applied early and checked later (theScheduleFiresOnTimeAndPrunesTheOlderBackupWithItsObjects), so
        // the minutes it must wait for pass while the other scenarios run.
        String database = pg.createDatabase("real_node_schedule");
        pg.execute(
                database,
                "CREATE TABLE orders (id serial PRIMARY KEY, total numeric)",
                "INSERT INTO orders (total) SELECT g FROM generate_series(1, 500) g");
        String ns = restrictedNamespace(SCHEDULE_NS);
        kubectl()
                .apply(secrets(ns) + "---\n"
                        + """
                apiVersion: schemaguard.io/v1alpha1
                kind: BackupSchedule
                metadata:
                  name: every-minute
                  namespace: %s
                spec:
                  schedule: "* * * * *"
                  orphanScanInterval: 0s
                  retention:
                    keepLast: 1
                  template:
                %s
                """.formatted(ns, indent(database(database) + s3Storage("scheduled"), 4)))
                .orThrow();
        scheduleApplied = Instant.now();
        BackupSchedule s = await().atMost(Duration.ofMinutes(1))
                .until(
                        () -> admin.resources(BackupSchedule.class)
                                .inNamespace(ns)
                                .withName("every-minute")
                                .get(),
                        b -> b.getStatus() != null && b.getStatus().getNextScheduleTime() != null);
        log("schedule every-minute applied; next run " + s.getStatus().getNextScheduleTime());
    }

    @Test
    @Order(30)
    void aBackupToALocalPersistentVolumeIsWrittenByTheRestrictedPodAndVerifiedOnTheHost() throws Exception {
        Assumptions.assumeTrue(operatorRunning, "the operator is not running (the helm test failed)");
        String database = pg.createDatabase("real_node_volume");
        pg.execute(
                database,
                "CREATE TABLE orders (id serial PRIMARY KEY, customer_reference text, total numeric)",
                "INSERT INTO orders (customer_reference, total) SELECT 'ref-' || g, g FROM generate_series(1, 5000) g");
        String ns = restrictedNamespace("real-node-volume");
        // A `local` PersistentVolume as a cluster admin makes one: a directory of the node, root's, 0755,
        // bound to the claim by the scheduler (WaitForFirstConsumer). The pod runs as 65532: only its
        // fsGroup, which the kubelet applies to a local volume, lets it write there.
        Path pvDir = Files.createDirectories(node.dir().resolve("volumes/backups"));
        kubectl()
                .apply(secrets(ns) + "---\n"
                        + """
                apiVersion: storage.k8s.io/v1
                kind: StorageClass
                metadata:
                  name: local-backups
                provisioner: kubernetes.io/no-provisioner
                volumeBindingMode: WaitForFirstConsumer
                ---
                apiVersion: v1
                kind: PersistentVolume
                metadata:
                  name: real-node-backups
                spec:
                  capacity:
                    storage: 1Gi
                  accessModes: [ReadWriteOnce]
                  persistentVolumeReclaimPolicy: Retain
                  storageClassName: local-backups
                  local:
                    path: %s
                  nodeAffinity:
                    required:
                      nodeSelectorTerms:
                        - matchExpressions:
                            - key: kubernetes.io/hostname
                              operator: In
                              values: [%s]
                ---
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata:
                  name: db-backups
                  namespace: %s
                spec:
                  storageClassName: local-backups
                  accessModes: [ReadWriteOnce]
                  resources:
                    requests:
                      storage: 1Gi
                ---
                apiVersion: schemaguard.io/v1alpha1
                kind: DatabaseBackup
                metadata:
                  name: to-volume
                  namespace: %s
                spec:
                %s
                  storage:
                    volume:
                      claimName: db-backups
                      path: shop
                """.formatted(pvDir, node.nodeName(), ns, ns, indent(database(database), 2)))
                .orThrow();

        DatabaseBackup done = awaitBackup(ns, "to-volume");
        assertThat(done.getStatus().getPhase())
                .as("%s", done.getStatus().getConditions())
                .isEqualTo(Phase.Succeeded);
        assertThat(admin.persistentVolumeClaims()
                        .inNamespace(ns)
                        .withName("db-backups")
                        .get()
                        .getStatus()
                        .getPhase())
                .isEqualTo("Bound");
        assertThat(done.getStatus().getLocation()).startsWith("file:///backups/shop/");

        // The dump is on the host, under the PersistentVolume's path, written by the pod's user, and its
        // bytes are what the status says.
        Path dump = pvDir.resolve(done.getStatus().getLocation().substring("file:///backups/".length()));
        assertThat(dump).isRegularFile();
        assertThat(Files.getAttribute(dump, "unix:uid")).as("owner of %s", dump).isEqualTo(65532);
        try (var in = Files.newInputStream(dump)) {
            assertThat(Streams.hash(in).sha256()).isEqualTo(done.getStatus().getSha256());
        }
        assertThat(dump.resolveSibling("manifest.json")).isRegularFile();
        Runner.Result verified = Runner.run(
                Map.of(),
                "verify",
                "--from",
                "file://" + pvDir.resolve("shop"),
                done.getStatus().getBackupId());
        assertThat(verified.exitCode()).as("%s", verified).isZero();
        assertThat(verified.stdout()).contains("OK ").contains(done.getStatus().getSha256());
        // The kubelet gave the volume's root to the pod's fsGroup (that is what let 65532 write there).
        assertThat(Files.getAttribute(pvDir, "unix:gid")).isEqualTo(65532);
        log("volume backup " + dump + " (" + Files.size(dump) + " bytes) verified on the host");

        // A second backup to the same volume. The kubelet applies the fsGroup at every mount; with the
        // default fsGroupChangePolicy (Always) it walks and changes every file already there, which on a
        // volume of backups is every dump kept so far, before the pod may start. A file the admin left
        // there, root's, shows whether it walked: with OnRootMismatch only the root is looked at.
        Path adminsFile = Files.writeString(pvDir.resolve("README.txt"), "the shop's backups (RealNodeIT)\n");
        // root's group explicitly: the root is setgid now, so a new file would get the fsGroup by itself
        Files.setAttribute(adminsFile, "unix:gid", 0);
        assertThat(Files.getAttribute(adminsFile, "unix:gid")).isEqualTo(0);
        kubectl().apply("""
                apiVersion: schemaguard.io/v1alpha1
                kind: DatabaseBackup
                metadata:
                  name: to-volume-again
                  namespace: %s
                spec:
                %s
                  storage:
                    volume:
                      claimName: db-backups
                      path: shop
                """.formatted(ns, indent(database(database), 2))).orThrow();
        DatabaseBackup again = awaitBackup(ns, "to-volume-again");
        assertThat(again.getStatus().getPhase())
                .as("%s", again.getStatus().getConditions())
                .isEqualTo(Phase.Succeeded);
        assertThat(pvDir.resolve(again.getStatus().getLocation().substring("file:///backups/".length())))
                .isRegularFile();
        assertThat(Files.getAttribute(adminsFile, "unix:gid"))
                .as("the kubelet did not walk the volume")
                .isEqualTo(0);
        assertThat(dump).as("the first backup is still there").isRegularFile();
    }

    @Test
    @Order(40)
    void aReplaceRestoreTakesASafetyBackupAndPutsTheRowsBackAsTheyWereAtTheBackup() throws Exception {
        Assumptions.assumeTrue(operatorRunning, "the operator is not running (the helm test failed)");
        String database = pg.createDatabase("real_node_restore");
        pg.execute(
                database,
                "CREATE TABLE orders (id serial PRIMARY KEY, customer_reference text, total numeric)",
                "INSERT INTO orders (customer_reference, total) SELECT 'ref-' || g, g FROM generate_series(1, 5000) g");
        String atBackup = fingerprint(database);
        String ns = restrictedNamespace("real-node-restore");
        kubectl()
                .apply(secrets(ns) + "---\n" + """
                apiVersion: schemaguard.io/v1alpha1
                kind: DatabaseBackup
                metadata:
                  name: before-incident
                  namespace: %s
                spec:
                %s
                """.formatted(ns, indent(database(database) + s3Storage("restore"), 2)))
                .orThrow();
        DatabaseBackup backup = awaitBackup(ns, "before-incident");
        assertThat(backup.getStatus().getPhase())
                .as("%s", backup.getStatus().getConditions())
                .isEqualTo(Phase.Succeeded);

        // The incident: rows lost and changed after the backup.
        pg.execute(database, "DELETE FROM orders WHERE id > 1000", "UPDATE orders SET total = 0 WHERE id <= 10");
        String afterIncident = fingerprint(database);
        assertThat(afterIncident).isNotEqualTo(atBackup);

        long t0 = System.nanoTime();
        kubectl().apply("""
                apiVersion: schemaguard.io/v1alpha1
                kind: DatabaseRestore
                metadata:
                  name: undo-incident
                  namespace: %s
                spec:
                  source:
                    backupName: before-incident
                  target:
                    host: %s
                    port: %d
                    name: %s
                    user: postgres
                    passwordSecretRef:
                      name: db-credentials
                  mode: Replace
                  confirm: %s
                """.formatted(ns, host, pg.port(), database, database)).orThrow();
        DatabaseRestore restored = await().atMost(TIMEOUT)
                .pollInterval(Duration.ofMillis(500))
                .until(
                        () -> admin.resources(DatabaseRestore.class)
                                .inNamespace(ns)
                                .withName("undo-incident")
                                .get(),
                        r -> r != null
                                && r.getStatus() != null
                                && List.of(Phase.Succeeded, Phase.Failed)
                                        .contains(r.getStatus().getPhase()));
        log("restore " + restored.getStatus().getPhase() + " " + seconds(Duration.ofNanos(System.nanoTime() - t0))
                + " after kubectl apply (safety backup included)");
        assertThat(restored.getStatus().getPhase())
                .as("%s", restored.getStatus().getConditions())
                .isEqualTo(Phase.Succeeded);
        assertThat(restored.getStatus().getBackupId())
                .isEqualTo(backup.getStatus().getBackupId());
        assertThat(fingerprint(database))
                .as("the rows as they were at the backup")
                .isEqualTo(atBackup);

        // The safety backup of the damaged database exists, Succeeded, and its object is in storage.
        assertThat(restored.getStatus().getSafetyBackup()).isEqualTo("undo-incident-safety");
        DatabaseBackup safety = admin.resources(DatabaseBackup.class)
                .inNamespace(ns)
                .withName("undo-incident-safety")
                .get();
        assertThat(safety.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
        assertThat(Instant.parse(safety.getStatus().getCompletedAt()))
                .isBeforeOrEqualTo(Instant.parse(restored.getStatus().getStartedAt()));
        String key = safety.getStatus().getLocation().substring(("s3://" + BUCKET + "/").length());
        assertThat(Streams.hash(new ByteArrayInputStream(s3.get(BUCKET, key))).sha256())
                .isEqualTo(safety.getStatus().getSha256());
        assertThat(eventReasons(ns, "undo-incident")).contains("SafetyBackupCreated", "Succeeded");
        // Every runner pod of the namespace ran on the node, restricted, and exited 0.
        assertThat(admin.pods().inNamespace(ns).list().getItems()).hasSize(3).allSatisfy(p -> {
            assertThat(p.getSpec().getNodeName()).isEqualTo(node.nodeName());
            assertThat(JobState.exitCode(p)).contains(0);
        });
    }

    @Test
    @Order(50)
    void aSafeMigrationReadsItsMigrationsFromTheApplicationsImageAndBlocksItsDestructiveRelease() throws Exception {
        Assumptions.assumeTrue(operatorRunning, "the operator is not running (the helm test failed)");
        // The shop as Prisma left it: the first migration applied and in its history (checksum of the
        // very file the image carries).
        String init = Files.readString(Path.of("src/test/app-image/1.0/20240101000000_init/migration.sql"));
        String database = pg.createDatabase("real_node_migration");
        pg.execute(
                database,
                init,
                "INSERT INTO orders (customer, total) SELECT 'c' || g, g FROM generate_series(1, 3000) g",
                """
                CREATE TABLE _prisma_migrations (id varchar(36) PRIMARY KEY, checksum varchar(64) NOT NULL,
                  finished_at timestamptz, migration_name varchar(255) NOT NULL, logs text,
                  rolled_back_at timestamptz, started_at timestamptz NOT NULL DEFAULT now(),
                  applied_steps_count integer NOT NULL DEFAULT 0)""",
                "INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, applied_steps_count)"
                        + " VALUES ('00000000-0000-0000-0000-000000000001', encode(sha256(convert_to('"
                        + init.replace("'", "''") + "', 'UTF8')), 'hex'), now(), '20240101000000_init', 1)");
        String ns = restrictedNamespace("real-node-migration");
        String manifest = """
                apiVersion: schemaguard.io/v1alpha1
                kind: SafeMigration
                metadata:
                  name: shop-app
                  namespace: %s
                spec:
                %s
                  engine: Prisma
                  migrations:
                    image:
                      image: %s
                      path: /app/prisma/migrations
                  verify:
                    assertions:
                      - name: every-order-has-a-total
                        sql: SELECT count(*) = 0 FROM orders WHERE total IS NULL
                """;
        long t0 = System.nanoTime();
        kubectl()
                .apply(secrets(ns) + "---\n"
                        + manifest.formatted(
                                ns, indent(database(database) + s3Storage("migrations"), 2), appImages.get(0)))
                .orThrow();
        SafeMigration done = awaitMigration(ns, "shop-app", 1);
        var run = done.getStatus().getCurrentRun();
        log("SafeMigration generation 1 " + done.getStatus().getPhase() + " "
                + seconds(Duration.ofNanos(System.nanoTime() - t0)));
        assertThat(done.getStatus().getPhase())
                .as("%s %s", run.getMessage(), done.getStatus().getConditions())
                .isEqualTo(MigrationPhase.Succeeded);
        assertThat(run.getApplied()).containsExactly("20241125000000_add_customer_reference");
        assertThat(run.getRehearsal()).isEqualTo("Passed");
        assertThat(run.getSchemaChanges()).containsExactly("orders: +customer_reference text");
        assertThat(count(database, "SELECT count(*) FROM orders"))
                .as("every row kept")
                .isEqualTo(3000);
        assertThat(count(
                        database,
                        "SELECT count(*) FROM information_schema.columns WHERE table_name = 'orders'"
                                + " AND column_name = 'customer_reference'"))
                .isEqualTo(1);
        assertThat(count(
                        database,
                        "SELECT count(*) FROM _prisma_migrations WHERE finished_at IS NOT NULL"
                                + " AND migration_name = '20241125000000_add_customer_reference'"))
                .isEqualTo(1);
        // Each step's pod copied the migrations out of the application's image with its init container,
        // on the node, under the restricted profile.
        List<Pod> pods = admin.pods().inNamespace(ns).list().getItems();
        List<Pod> withInit = pods.stream()
                .filter(p -> !p.getSpec().getInitContainers().isEmpty())
                .toList();
        assertThat(withInit).hasSize(3); // plan, rehearse, migrate (the backup's pod needs no migrations)
        assertThat(withInit).allSatisfy(p -> {
            assertThat(p.getSpec().getInitContainers().get(0).getImage()).isEqualTo(appImages.get(0));
            ContainerStatus copy = p.getStatus().getInitContainerStatuses().get(0);
            assertThat(copy.getImageID()).startsWith("sha256:");
            assertThat(copy.getState().getTerminated().getExitCode()).isZero();
            assertThat(JobState.exitCode(p)).contains(0);
        });

        // Release 1.1 of the application drops a column: the new generation stops at the plan.
        t0 = System.nanoTime();
        kubectl()
                .apply(manifest.formatted(
                        ns, indent(database(database) + s3Storage("migrations"), 2), appImages.get(1)))
                .orThrow();
        SafeMigration blocked = awaitMigration(ns, "shop-app", 2);
        var blockedRun = blocked.getStatus().getCurrentRun();
        log("SafeMigration generation 2 " + blocked.getStatus().getPhase() + " "
                + seconds(Duration.ofNanos(System.nanoTime() - t0)));
        assertThat(blocked.getStatus().getPhase()).as(blockedRun.getMessage()).isEqualTo(MigrationPhase.Blocked);
        assertThat(blockedRun.getPending()).containsExactly("20241201000000_drop_customer");
        assertThat(blockedRun.getFindings()).anySatisfy(f -> {
            assertThat(f.getFile()).isEqualTo("20241201000000_drop_customer/migration.sql");
            assertThat(f.getRule()).isEqualTo("drop-column");
            assertThat(f.getDestructive()).isTrue();
        });
        assertThat(eventReasons(ns, "shop-app")).contains("Blocked");
        assertThat(admin.batch().v1().jobs().inNamespace(ns).list().getItems().stream()
                        .map(j -> j.getMetadata().getName())
                        .filter(n -> n.contains("-g2-"))
                        .toList())
                .as("no backup or migration for the blocked generation")
                .containsExactly("shop-app-g2-plan");
        assertThat(admin.resources(DatabaseBackup.class).inNamespace(ns).list().getItems())
                .hasSize(1);
        assertThat(count(
                        database,
                        "SELECT count(*) FROM information_schema.columns WHERE table_name = 'orders'"
                                + " AND column_name = 'customer'"))
                .as("the column is still there")
                .isEqualTo(1);
        assertThat(count(database, "SELECT count(*) FROM orders")).isEqualTo(3000);
    }

    @Test
    @Order(60)
    void theScheduleFiresOnTimeAndPrunesTheOlderBackupWithItsObjects() {
        Assumptions.assumeTrue(scheduleApplied != null, "the schedule was not applied");
        String ns = SCHEDULE_NS;
        // At least two runs and one prune (keepLast: 1) ...
        await().atMost(Duration.ofMinutes(3))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> {
                    BackupSchedule s = admin.resources(BackupSchedule.class)
                            .inNamespace(ns)
                            .withName("every-minute")
                            .get();
                    return s.getStatus().getRetention() != null
                            && s.getStatus().getRetention().getDeletedTotal() != null
                            && s.getStatus().getRetention().getDeletedTotal() >= 1;
                });
        log("first prune " + seconds(Duration.between(scheduleApplied, Instant.now()))
                + " after the schedule was applied");
        // ... then no more runs, and what retention leaves once the last run is over: one backup.
        kubectl()
                .run(
                        null,
                        "patch",
                        "backupschedule",
                        "every-minute",
                        "-n",
                        ns,
                        "--type=merge",
                        "-p",
                        "{\"spec\":{\"suspend\":true}}")
                .orThrow();
        List<DatabaseBackup> kept = await().atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofSeconds(1))
                .until(
                        () -> admin.resources(DatabaseBackup.class)
                                .inNamespace(ns)
                                .list()
                                .getItems(),
                        l -> l.size() == 1
                                && l.get(0).getStatus() != null
                                && l.get(0).getStatus().getPhase() == Phase.Succeeded);
        DatabaseBackup last = kept.get(0);
        // Created on time: within seconds of the minute it was scheduled for.
        Instant scheduled = Instant.parse(last.getMetadata().getAnnotations().get(Labels.SCHEDULED_TIME_ANNOTATION));
        Duration late =
                Duration.between(scheduled, Instant.parse(last.getMetadata().getCreationTimestamp()));
        assertThat(scheduled.getEpochSecond() % 60).as("a minute's start").isZero();
        assertThat(late).as("created %s after its time", late).isBetween(Duration.ZERO, Duration.ofSeconds(15));
        List<Event> pruned = admin.v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> "Pruned".equals(e.getReason()))
                .toList();
        assertThat(pruned)
                .isNotEmpty()
                .allSatisfy(e -> assertThat(e.getMessage())
                        .contains("deleting DatabaseBackup every-minute-")
                        .contains("keepLast"));
        // The pruned backups' objects are gone from S3 through their delete Jobs: only the kept one's remain.
        await().atMost(Duration.ofMinutes(1))
                .until(
                        () -> s3.keys(BUCKET).stream()
                                .filter(k -> k.startsWith("scheduled/"))
                                .toList(),
                        keys -> keys.size() == 2
                                && keys.stream()
                                        .allMatch(
                                                k -> k.contains(last.getStatus().getBackupId())));
        // ... each deleted by its delete Job (which the operator removes with the resource; its Events stay).
        List<String> prunedNames = pruned.stream()
                .map(e -> e.getMessage().replaceFirst("^deleting DatabaseBackup (\\S+).*", "$1"))
                .distinct()
                .toList();
        assertThat(prunedNames).doesNotContain(last.getMetadata().getName()).allSatisfy(n -> {
            assertThat(eventReasons(ns, n)).as("Events of %s", n).contains("DeletingObjects", "ObjectsDeleted");
            assertThat(admin.resources(DatabaseBackup.class)
                            .inNamespace(ns)
                            .withName(n)
                            .get())
                    .isNull();
        });
        BackupSchedule s = admin.resources(BackupSchedule.class)
                .inNamespace(ns)
                .withName("every-minute")
                .get();
        log("schedule: " + s.getStatus().getRetention().getDeletedTotal() + " pruned " + prunedNames + ", kept "
                + last.getMetadata().getName() + " created " + seconds(late) + " after " + scheduled);
    }

    @Test
    @Order(80)
    void theLeadersPodDeletedMidBackupHandsTheLeaseToTheStandbyAndTheBackupEndsOnce() throws Exception {
        Assumptions.assumeTrue(operatorRunning, "the operator is not running (the helm test failed)");
        String database = pg.createDatabase("real_node_failover");
        pg.execute(
                database,
                "CREATE TABLE orders (id serial PRIMARY KEY, total numeric)",
                "INSERT INTO orders (total) SELECT g FROM generate_series(1, 2000) g");
        String ns = restrictedNamespace("real-node-failover");
        DatabaseBackup done;
        // pg_dump waits on this lock: the backup is mid-way for as long as the failover takes.
        try (TableLock lock = TableLock.exclusive(pg, database, "orders")) {
            kubectl()
                    .apply(secrets(ns) + "---\n"
                            + """
                    apiVersion: schemaguard.io/v1alpha1
                    kind: DatabaseBackup
                    metadata:
                      name: during-failover
                      namespace: %s
                    spec:
                    %s
                    """.formatted(ns, indent(database(database) + s3Storage("failover"), 2)))
                    .orThrow();
            await().atMost(Duration.ofMinutes(2)).until(() -> lock.blockedDumps() == 1);
            String leader = admin.leases()
                    .inNamespace(SYSTEM)
                    .withName(RELEASE + "-leader")
                    .get()
                    .getSpec()
                    .getHolderIdentity();
            List<String> operatorPods = admin
                    .pods()
                    .inNamespace(SYSTEM)
                    .withLabel("app.kubernetes.io/name", "schemaguard")
                    .list()
                    .getItems()
                    .stream()
                    .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                    .map(p -> p.getMetadata().getName())
                    .toList();
            assertThat(operatorPods).hasSize(2).contains(leader);
            String standby = operatorPods.stream()
                    .filter(n -> !n.equals(leader))
                    .findFirst()
                    .orElseThrow();

            long t0 = System.nanoTime();
            admin.pods().inNamespace(SYSTEM).withName(leader).delete();
            Lease taken = await().atMost(Duration.ofMinutes(2))
                    .pollInterval(Duration.ofMillis(250))
                    .until(
                            () -> admin.leases()
                                    .inNamespace(SYSTEM)
                                    .withName(RELEASE + "-leader")
                                    .get(),
                            l -> l.getSpec().getHolderIdentity() != null
                                    && !leader.equals(l.getSpec().getHolderIdentity()));
            log("Lease went from " + leader + " to " + taken.getSpec().getHolderIdentity() + " "
                    + seconds(Duration.ofNanos(System.nanoTime() - t0)) + " after the pod's deletion");
            // Usually the standby; the Deployment's replacement pod may win the race: fabric8's LeaderElector
            // judges expiry by the record's renewTime, and a new pod tries at once when it starts, the
            // standby every 2-4.4 s (seen once in four runs). Either way a live replica, not the deleted one.
            String holder = taken.getSpec().getHolderIdentity();
            log("the new leader is " + (holder.equals(standby) ? "the standby" : "the Deployment's replacement pod"));
            assertThat(admin.pods().inNamespace(SYSTEM).withName(holder).get())
                    .as("the new leader's pod")
                    .isNotNull()
                    .satisfies(p ->
                            assertThat(p.getMetadata().getDeletionTimestamp()).isNull());
            // The new leader has seen the backup and its Job (the status it writes is the proof) and made no second
            // one.
            await().atMost(Duration.ofMinutes(1))
                    .until(() ->
                            admin.pods().inNamespace(SYSTEM).withName(leader).get() == null);
            assertThat(admin.batch().v1().jobs().inNamespace(ns).list().getItems())
                    .singleElement();
            assertThat(lock.blockedDumps())
                    .as("the first pod's pg_dump still waits")
                    .isEqualTo(1);
        }
        done = awaitBackup(ns, "during-failover");
        assertThat(done.getStatus().getPhase())
                .as("%s", done.getStatus().getConditions())
                .isEqualTo(Phase.Succeeded);
        assertThat(admin.batch().v1().jobs().inNamespace(ns).list().getItems())
                .singleElement()
                .satisfies(j -> assertThat(j.getStatus().getSucceeded()).isEqualTo(1));
        assertThat(admin.pods().inNamespace(ns).list().getItems())
                .as("one pod: no retry")
                .hasSize(1);
        List<String> keys =
                s3.keys(BUCKET).stream().filter(k -> k.startsWith("failover/")).toList();
        assertThat(keys)
                .as("one backup in storage")
                .hasSize(2)
                .allSatisfy(k -> assertThat(k).contains(done.getStatus().getBackupId()));
        assertThat(eventReasons(ns, "during-failover").stream().filter("Succeeded"::equals))
                .hasSize(1);
    }

    // ------------------------------------------------------------------------------------------ helpers

    /** {@code database:} of a spec (indent 0) for {@code name} on the host's PostgreSQL. */
    static String database(String name) {
        return """
                database:
                  host: %s
                  port: %d
                  name: %s
                  user: postgres
                  passwordSecretRef:
                    name: db-credentials
                """.formatted(host, pg.port(), name);
    }

    /** {@code storage:} of a spec (indent 0): S3Proxy on the host, under {@code prefix}. */
    static String s3Storage(String prefix) {
        return """
                storage:
                  s3:
                    bucket: %s
                    prefix: %s
                    endpoint: http://%s:%d
                    forcePathStyle: true
                    credentialsSecretRef:
                      name: s3-credentials
                """.formatted(BUCKET, prefix, host, s3.port());
    }

    static String indent(String yaml, int spaces) {
        String pad = " ".repeat(spaces);
        return yaml.lines().map(l -> pad + l).collect(Collectors.joining("\n"));
    }

    /** Attempts that failed before a backup succeeded (the Job retried them): what they said and what S3Proxy said. */
    static void reportRetries(String ns) {
        List<Event> failed = admin.v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> "BackupAttemptFailed".equals(e.getReason()))
                .toList();
        if (!failed.isEmpty()) {
            log("WARNING: " + failed.size() + " failed attempt(s) in " + ns + ": "
                    + failed.stream().map(Event::getMessage).collect(Collectors.joining("; ")) + "\n---- S3Proxy:\n"
                    + s3.logTail(60));
        }
    }

    static DatabaseBackup awaitBackup(String ns, String name) {
        long t0 = System.nanoTime();
        DatabaseBackup b = await().atMost(TIMEOUT)
                .pollInterval(Duration.ofMillis(500))
                .until(
                        () -> admin.resources(DatabaseBackup.class)
                                .inNamespace(ns)
                                .withName(name)
                                .get(),
                        d -> d != null
                                && d.getStatus() != null
                                && List.of(Phase.Succeeded, Phase.Failed)
                                        .contains(d.getStatus().getPhase()));
        log("backup " + ns + "/" + name + " " + b.getStatus().getPhase() + " after "
                + seconds(Duration.ofNanos(System.nanoTime() - t0)));
        reportRetries(ns);
        return b;
    }

    static SafeMigration awaitMigration(String ns, String name, long generation) {
        return await().atMost(TIMEOUT)
                .pollInterval(Duration.ofMillis(500))
                .until(
                        () -> admin.resources(SafeMigration.class)
                                .inNamespace(ns)
                                .withName(name)
                                .get(),
                        m -> m != null
                                && m.getStatus() != null
                                && m.getStatus().getPhase() != null
                                && m.getStatus().getPhase().isTerminal()
                                && Long.valueOf(generation).equals(m.getStatus().getObservedGeneration()));
    }

    /** The rows of orders, in order, as one hash: equal only when every row is as it was. */
    static String fingerprint(String database) throws Exception {
        try (Connection c = pg.connect(database);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT count(*) || ':' || md5(string_agg(id || '|' || customer_reference || '|' || total,"
                                + " ',' ORDER BY id)) FROM orders")) {
            rs.next();
            return rs.getString(1);
        }
    }

    static long count(String database, String sql) throws Exception {
        try (Connection c = pg.connect(database);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static List<String> eventReasons(String ns, String involved) {
        return admin.v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> involved.equals(e.getInvolvedObject().getName()))
                .map(Event::getReason)
                .toList();
    }

    static Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
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
                .until(() -> admin.serviceAccounts()
                                .inNamespace(name)
                                .withName("default")
                                .get()
                        != null);
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
        List<String> command = new ArrayList<>(
                List.of(helm.toString(), "--kubeconfig", cp.adminKubeconfig().toString()));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            return new Runner.Result(p.exitValue(), out, "", null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String describe(Map<String, Duration> times) {
        return times.entrySet().stream()
                .map(e -> e.getKey() + " " + seconds(e.getValue()))
                .collect(Collectors.joining(", "));
    }

    static String seconds(Duration d) {
        return String.format("%.1f s", d.toMillis() / 1000.0);
    }

    static void log(String message) {
        System.out.println("[real-node-it] " + message);
    }
}
