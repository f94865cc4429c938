package io.schemaguard.testing.cluster;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.schemaguard.testing.Ports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The operator as its own process, from the packaged build (target/quarkus-app) through the same
 * launcher the image uses ({@code schemaguard operator}), configured only by environment as the
 * Deployment configures it, and authenticated by a kubeconfig: with a ServiceAccount's token, its
 * RBAC is what the API server enforces. Its log goes to target/it-logs/operator-NAME.log.
 */
public final class OperatorProcess implements AutoCloseable {
    public static final String LEASE = "schemaguard-operator";

    /**
     * @param identity          the pod name it stands for (HOSTNAME: the leader-election identity)
     * @param operatorNamespace where it runs and keeps its Lease (KUBERNETES_NAMESPACE)
     * @param watchedNamespaces empty for all namespaces, else QUARKUS_OPERATOR_SDK_NAMESPACES
     * @param env               more settings, e.g. log levels
     */
    public record Settings(
            String identity,
            Path kubeconfig,
            String operatorNamespace,
            List<String> watchedNamespaces,
            String runnerImage,
            Map<String, String> env) {

        public Settings(
                String identity,
                Path kubeconfig,
                String operatorNamespace,
                List<String> watchedNamespaces,
                String runnerImage) {
            this(identity, kubeconfig, operatorNamespace, watchedNamespaces, runnerImage, Map.of());
        }

        /**
         * The same, with JOSDK's event processing at DEBUG, which logs each reconciliation
         * ("Reconciling resource execution scope"). A package: Quarkus lower-cases category names
         * taken from environment variables, and a class name would then not match its logger.
         */
        public Settings logReconciliations() {
            Map<String, String> more = new LinkedHashMap<>(env);
            more.put("QUARKUS_LOG_CATEGORY__IO_JAVAOPERATORSDK_OPERATOR_PROCESSING_EVENT__LEVEL", "DEBUG");
            return new Settings(identity, kubeconfig, operatorNamespace, watchedNamespaces, runnerImage, more);
        }
    }

    private final Settings settings;
    private final Process process;
    private final Path log;
    private final Path home;
    private final int httpPort;
    private final long startNanos = System.nanoTime();

    private OperatorProcess(Settings settings, Process process, Path log, Path home, int httpPort) {
        this.httpPort = httpPort;
        this.settings = settings;
        this.process = process;
        this.log = log;
        this.home = home;
    }

    public static OperatorProcess start(Settings settings) {
        Path target = Path.of("target").toAbsolutePath();
        if (!Files.isRegularFile(target.resolve("quarkus-app/quarkus-run.jar"))) {
            throw new IllegalStateException("target/quarkus-app is missing: the operator ITs run after `package`");
        }
        try {
            Path logs = Files.createDirectories(target.resolve("it-logs"));
            Path home = Files.createTempDirectory("schemaguard-operator-home-");
            Path log = logs.resolve("operator-" + settings.identity() + ".log");
            Map<String, String> env = new LinkedHashMap<>();
            env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin"));
            env.put("JAVA_HOME", System.getProperty("java.home"));
            env.put("HOME", home.toString());
            env.put("LANG", "C.UTF-8");
            env.put("HOSTNAME", settings.identity());
            env.put("SCHEMAGUARD_HOME", target.toString());
            // The Deployment's memory limit is 512Mi; the launcher's default takes 75% of it.
            env.put("SCHEMAGUARD_OPERATOR_JAVA_OPTS", "-Xmx384m -XX:+ExitOnOutOfMemoryError");
            env.put("KUBECONFIG", settings.kubeconfig().toString());
            env.put("KUBERNETES_NAMESPACE", settings.operatorNamespace());
            int httpPort = Ports.free();
            env.put("QUARKUS_HTTP_PORT", Integer.toString(httpPort));
            env.put("SCHEMAGUARD_RUNNER_IMAGE", settings.runnerImage());
            env.put("SCHEMAGUARD_RUNNER_PROGRESS_INTERVAL", "5s");
            if (!settings.watchedNamespaces().isEmpty()) {
                env.put("QUARKUS_OPERATOR_SDK_NAMESPACES", String.join(",", settings.watchedNamespaces()));
            }
            env.putAll(settings.env());
            ProcessBuilder pb = new ProcessBuilder(
                            Path.of("src/main/scripts/schemaguard")
                                    .toAbsolutePath()
                                    .toString(),
                            "operator")
                    .directory(home.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            pb.environment().clear();
            pb.environment().putAll(env);
            Process p = pb.start();
            p.getOutputStream().close();
            return new OperatorProcess(settings, p, log, home, httpPort);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Settings settings() {
        return settings;
    }

    /** What Prometheus would scrape: the operator's /q/metrics, in the text exposition format. */
    public String metrics() {
        try {
            var response = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/q/metrics"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            return response.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The operator JVM's peak resident set (VmHWM), in KiB; the launcher execs java, so this is its pid. */
    public long peakRssKiB() {
        try {
            return Files.readAllLines(Path.of("/proc/" + pid() + "/status")).stream()
                    .filter(l -> l.startsWith("VmHWM:"))
                    .map(l -> l.replaceAll("[^0-9]", ""))
                    .mapToLong(Long::parseLong)
                    .findFirst()
                    .orElseThrow();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Waits until this process holds the leader-election Lease (then it reconciles). A successor of a
     * killed leader waits here until the old Lease expires (15 s).
     */
    public Duration awaitLeading(KubernetesClient admin, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("operator " + settings.identity() + " exited with code "
                        + process.exitValue() + ":\n" + logTail(60));
            }
            Lease lease = admin.leases()
                    .inNamespace(settings.operatorNamespace())
                    .withName(LEASE)
                    .get();
            if (lease != null
                    && settings.identity().equals(lease.getSpec().getHolderIdentity())
                    && log().contains("leading on Lease")) {
                return ControlPlane.since(startNanos);
            }
            ControlPlane.sleep(200);
        }
        throw new IllegalStateException(
                "operator " + settings.identity() + " did not lead within " + timeout + ":\n" + logTail(60));
    }

    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "";
        }
    }

    public String logTail(int lines) {
        List<String> all = log().lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /** SIGKILL: the operator dies mid-work, as on a node crash or an OOM kill. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ControlPlane.deleteTree(home);
    }

    /** SIGTERM, as when its pod is deleted; SIGKILL if it has not exited after 20 s. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            ControlPlane.deleteTree(home);
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                System.out.println("[operator] " + settings.identity() + " ignored SIGTERM for 20 s; killing it");
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        ControlPlane.deleteTree(home);
    }
}
