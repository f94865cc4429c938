package io.schemaguard.testing.cluster;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.schemaguard.api.BackupSchedule;
import io.schemaguard.runner.migration.lint.PgQueryParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * JUnit Jupiter extension: a real control plane ({@link ControlPlane}) with the {@link ProcessKubelet} and
 * this project installed as {@code kubectl apply} installs it: the CRDs of crds/ and the RBAC of
 * deploy/ (namespace, ServiceAccount, ClusterRole and ClusterRoleBinding, leader-election Role), but
 * not the Deployment: the operator runs as a local process ({@link OperatorProcess}) with a
 * kubeconfig for its ServiceAccount, so the API server enforces its RBAC.
 *
 * <p>One control plane serves the whole test JVM (it starts in seconds, but that is still worth
 * sharing); tests isolate themselves by namespace ({@link #namespace}). Everything is stopped and
 * its data deleted when the test run ends, also when it fails (JUnit closes the root store; a
 * shutdown hook covers a JVM that is told to exit). Register it with
 * {@code @RegisterExtension static final RealCluster cluster = new RealCluster();}.
 */
public final class RealCluster implements BeforeAllCallback, TestWatcher {
    /** The image name the operator puts in Jobs; the kubelet runs it as this checkout's build. */
    public static final String RUNNER_IMAGE = "schemaguard.test/schemaguard:it";
    /** An image whose only program is {@code sh} (/bin/sh), for pods that test the kubelet itself. */
    public static final String SHELL_IMAGE = "schemaguard.test/shell:it";

    public static final String OPERATOR_NAMESPACE = "schemaguard-system";
    public static final String OPERATOR_SERVICE_ACCOUNT = "schemaguard-operator";
    private static final ExtensionContext.Namespace STORE = ExtensionContext.Namespace.create(RealCluster.class);
    private static final AtomicInteger NAMES = new AtomicInteger();

    private Shared shared;
    /** The operators this test class started, whose logs a failure report shows. */
    private final List<OperatorProcess> operators = new CopyOnWriteArrayList<>();

    /** The JVM-wide state, closed by JUnit after the last test. */
    static final class Shared implements AutoCloseable {
        final ControlPlane controlPlane;
        final ProcessKubelet kubelet;
        final Path operatorKubeconfig;
        /** Every operator started, so none outlives the control plane when a test class fails badly. */
        final List<OperatorProcess> operators = new CopyOnWriteArrayList<>();

        Shared() {
            long t0 = System.nanoTime();
            ControlPlane cp = ControlPlane.start(ControlPlane.binDir(), RealCluster::installProject);
            ProcessKubelet k = null;
            try {
                log("control plane ready in " + seconds(cp.startTimes().get("total")) + " ("
                        + cp.startTimes().entrySet().stream()
                                .filter(e -> !e.getKey().equals("total"))
                                .map(e -> e.getKey() + " " + seconds(e.getValue()))
                                .collect(Collectors.joining(", "))
                        + "; 'before controllers' = installing crds/ and deploy/) at " + cp.server() + ", data in "
                        + cp.dir());
                long t = System.nanoTime();
                k = ProcessKubelet.start(
                        cp.admin(),
                        "process-kubelet",
                        cp.dir().resolve("kubelet"),
                        List.of(projectImage(), shellImage()));
                operatorKubeconfig =
                        cp.serviceAccountKubeconfig(OPERATOR_NAMESPACE, OPERATOR_SERVICE_ACCOUNT, Duration.ofHours(3));
                log("node " + k.nodeName() + " registered, operator token issued in " + seconds(ControlPlane.since(t))
                        + "; total " + seconds(ControlPlane.since(t0)));
            } catch (RuntimeException | Error e) {
                if (k != null) {
                    k.close();
                }
                cp.close();
                throw e;
            }
            this.controlPlane = cp;
            this.kubelet = k;
        }

        private boolean closed;

        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            long t0 = System.nanoTime();
            operators.forEach(OperatorProcess::kill);
            kubelet.close();
            controlPlane.close();
            log("control plane stopped and deleted in " + seconds(ControlPlane.since(t0)));
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        shared = context.getRoot()
                .getStore(STORE)
                .computeIfAbsent(
                        Shared.class,
                        k -> {
                            Shared s = new Shared();
                            Runtime.getRuntime().addShutdownHook(new Thread(s::close, "real-cluster-shutdown"));
                            return s;
                        },
                        Shared.class);
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        if (shared == null) {
            return;
        }
        StringBuilder b = new StringBuilder("diagnostics for failed test " + context.getDisplayName() + ":\n");
        for (OperatorProcess o : operators) {
            b.append("---- operator ")
                    .append(o.settings().identity())
                    .append(o.isAlive() ? " (running)" : " (exited)")
                    .append(", last 60 lines:\n")
                    .append(o.logTail(60))
                    .append('\n');
        }
        b.append("---- kube-controller-manager, last 20 lines:\n")
                .append(shared.controlPlane.logTail("kube-controller-manager", 20))
                .append('\n');
        System.out.println(b);
    }

    // ---------------------------------------------------------------------------- for the tests

    public ControlPlane controlPlane() {
        return shared.controlPlane;
    }

    public KubernetesClient admin() {
        return shared.controlPlane.admin();
    }

    public Kubectl kubectl() {
        return shared.controlPlane.kubectl();
    }

    public ProcessKubelet kubelet() {
        return shared.kubelet;
    }

    /** The kubeconfig of ServiceAccount schemaguard-system/schemaguard-operator (a TokenRequest token). */
    public Path operatorKubeconfig() {
        return shared.operatorKubeconfig;
    }

    /** A new namespace {@code <prefix>-<n>}, returned once its ServiceAccount "default" exists (pods need it). */
    public String namespace(String prefix) {
        String name = prefix + "-" + NAMES.incrementAndGet();
        KubernetesClient admin = admin();
        admin.namespaces()
                .resource(new NamespaceBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .endMetadata()
                        .build())
                .create();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (admin.serviceAccounts().inNamespace(name).withName("default").get() == null) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("ServiceAccount default did not appear in namespace " + name);
            }
            ControlPlane.sleep(50);
        }
        return name;
    }

    /**
     * Deletes every BackupSchedule in {@code namespace} (their backups stay; a schedule does not own them):
     * the control plane is shared by every IT class, and a schedule left behind fires into the next class's
     * operator, a Job it did not expect. Suspending is not enough: a suspended schedule still scans for orphans.
     */
    public void deleteSchedules(String namespace) {
        admin().resources(BackupSchedule.class).inNamespace(namespace).delete();
    }

    /** Starts the operator as installed by deploy/: ServiceAccount schemaguard-system/schemaguard-operator, all namespaces. */
    public OperatorProcess startOperator(String identity) {
        return startOperator(new OperatorProcess.Settings(
                identity, operatorKubeconfig(), OPERATOR_NAMESPACE, List.of(), RUNNER_IMAGE));
    }

    public OperatorProcess startOperator(OperatorProcess.Settings settings) {
        OperatorProcess o = OperatorProcess.start(settings);
        operators.add(o);
        shared.operators.add(o);
        Duration leading = o.awaitLeading(admin(), Duration.ofSeconds(90));
        log("operator " + settings.identity() + " (pid " + o.pid() + ") leading after " + seconds(leading));
        return o;
    }

    /**
     * Stops an operator (SIGTERM) and removes its Lease, so the next test's operator leads at once
     * instead of waiting 15 s for the Lease to expire (JOSDK does not release it on shutdown).
     */
    public void stopOperator(OperatorProcess o) {
        if (o == null) {
            return;
        }
        o.close();
        admin().leases()
                .inNamespace(o.settings().operatorNamespace())
                .withName(OperatorProcess.LEASE)
                .delete();
    }

    /**
     * A second installation restricted to {@code watched}, as the Helm chart makes it with
     * {@code watchNamespaces}: in {@code operatorNamespace}, the ServiceAccount and leader-election
     * Role of deploy/, and one RoleBinding to the ClusterRole in each watched namespace (no
     * ClusterRoleBinding). Returns a kubeconfig for that ServiceAccount.
     */
    public Path installRestricted(String operatorNamespace, List<String> watched) {
        StringBuilder yaml = new StringBuilder();
        yaml.append("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ")
                .append(operatorNamespace)
                .append('\n');
        for (String file : List.of("deploy/020-serviceaccount.yaml", "deploy/040-leader-election-role.yaml")) {
            yaml.append("---\n")
                    .append(read(Path.of(file))
                            .replace("namespace: " + OPERATOR_NAMESPACE, "namespace: " + operatorNamespace))
                    .append('\n');
        }
        for (String ns : watched) {
            yaml.append("""
                    ---
                    apiVersion: rbac.authorization.k8s.io/v1
                    kind: RoleBinding
                    metadata:
                      name: schemaguard-operator
                      namespace: %s
                    roleRef:
                      apiGroup: rbac.authorization.k8s.io
                      kind: ClusterRole
                      name: schemaguard-operator
                    subjects:
                      - kind: ServiceAccount
                        name: schemaguard-operator
                        namespace: %s
                    """.formatted(ns, operatorNamespace));
        }
        kubectl().apply(yaml.toString()).orThrow();
        return controlPlane()
                .serviceAccountKubeconfig(operatorNamespace, OPERATOR_SERVICE_ACCOUNT, Duration.ofHours(1));
    }

    // ------------------------------------------------------------------------------- the project

    /** crds/ and the RBAC of deploy/ (its top-level manifests but the CRD copy and the Deployment), with kubectl. */
    private static void installProject(ControlPlane cp) {
        List<String> args = new ArrayList<>(List.of("apply"));
        try (Stream<Path> crds = Files.list(Path.of("crds"));
                Stream<Path> deploy = Files.list(Path.of("deploy"))) {
            crds.filter(p -> p.toString().endsWith(".yml") || p.toString().endsWith(".yaml"))
                    .sorted()
                    .forEach(p -> args.addAll(List.of("-f", p.toString())));
            deploy.sorted()
                    .filter(p -> Files.isRegularFile(p) && p.toString().endsWith(".yaml"))
                    .filter(p -> {
                        String text = read(p);
                        return !text.contains("kind: Deployment")
                                && !text.contains("kind: \"CustomResourceDefinition\"")
                                && !text.contains("kind: CustomResourceDefinition");
                    })
                    .forEach(p -> args.addAll(List.of("-f", p.toString())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Kubectl kubectl = cp.kubectl();
        Kubectl.Result applied = kubectl.run(null, args.toArray(String[]::new)).orThrow();
        log("kubectl " + String.join(" ", args) + "\n" + applied.stdout().strip());
        kubectl.run(null, "wait", "--for=condition=Established", "crd", "--all", "--timeout=60s")
                .orThrow();
    }

    /** This checkout's build as the image the operator names: `schemaguard` is src/main/scripts/schemaguard. */
    static ProcessImage projectImage() {
        Path target = Path.of("target").toAbsolutePath();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SCHEMAGUARD_HOME", target.toString());
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("LANG", "C.UTF-8");
        env.put("HOME", "/tmp");
        env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin"));
        // The image has the migration lint's parser at /usr/lib/schemaguard; the pods here are told the build
        // this JVM's lint loads rather than left to look for one. Without one, a lint in a pod reports why.
        try {
            env.put("SCHEMAGUARD_PG_QUERY_LIB", PgQueryParser.library().toString());
        } catch (IllegalStateException notBuilt) {
            log("no libpg_query for the pods: " + notBuilt.getMessage());
        }
        return new ProcessImage(
                RUNNER_IMAGE,
                Map.of("schemaguard", Path.of("src/main/scripts/schemaguard").toAbsolutePath()),
                List.of("schemaguard"),
                List.of("operator"),
                Map.copyOf(env));
    }

    static ProcessImage shellImage() {
        return new ProcessImage(
                SHELL_IMAGE,
                Map.of("sh", Path.of("/bin/sh")),
                List.of("sh"),
                List.of(),
                Map.of("PATH", System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin")));
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String seconds(Duration d) {
        return String.format("%.1f s", d.toMillis() / 1000.0);
    }

    static void log(String message) {
        System.out.println("[real-cluster] " + message);
    }
}
