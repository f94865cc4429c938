package io.schemaguard.operator.jobs;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SeccompProfileBuilder;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.schemaguard.api.DatabaseConnection;
import io.schemaguard.api.Defaults;
import io.schemaguard.api.SslMode;
import io.schemaguard.api.VerificationServer;
import io.schemaguard.operator.OperatorConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What every runner pod has in common: hardening, resources, and the database connection passed as
 * environment variables, with secrets only as {@code secretKeyRef} (the kubelet reads them, the
 * operator never does).
 */
public final class RunnerPods {
    public static final String CONTAINER = "runner";
    public static final String TERMINATION_LOG = "/dev/termination-log";
    public static final String TMP_VOLUME = "tmp";
    public static final String DEFAULT_PASSWORD_KEY = "password";
    public static final String DEFAULT_URI_KEY = "uri";

    private RunnerPods() {}

    /** PG* variables for host/port/name/user, PGPASSWORD from its Secret; or DATABASE_URL from a Secret. */
    public static List<EnvVar> databaseEnv(DatabaseConnection db) {
        List<EnvVar> env = new ArrayList<>();
        if (db.getUriSecretRef() != null) {
            env.add(secretEnv("DATABASE_URL", db.getUriSecretRef().toKubernetes(DEFAULT_URI_KEY)));
        } else {
            env.add(plainEnv("PGHOST", db.getHost()));
            env.add(plainEnv("PGPORT", Integer.toString(db.getPort() == null ? Defaults.POSTGRES_PORT : db.getPort())));
            env.add(plainEnv("PGDATABASE", db.getName()));
            env.add(plainEnv("PGUSER", db.getUser()));
            if (db.getPasswordSecretRef() != null) {
                env.add(secretEnv("PGPASSWORD", db.getPasswordSecretRef().toKubernetes(DEFAULT_PASSWORD_KEY)));
            }
        }
        if (db.getSslMode() != null) {
            env.add(plainEnv("PGSSLMODE", db.getSslMode().libpqName()));
        }
        return env;
    }

    /** Environment every runner gets: where to leave its result, and a writable HOME. */
    /** {@code postgresql://user@host:port?sslmode=...} of a second server; its password goes by secretKeyRef. */
    public static String serverUrl(VerificationServer server) {
        return "postgresql://" + server.getUser() + "@" + server.getHost() + ":"
                + (server.getPort() == null ? Defaults.POSTGRES_PORT : server.getPort()) + "?sslmode="
                + ((server.getSslMode() == null ? SslMode.PREFER : server.getSslMode()).libpqName());
    }

    public static List<EnvVar> commonEnv(String namespace) {
        return List.of(
                plainEnv("SCHEMAGUARD_TERMINATION_LOG", TERMINATION_LOG),
                plainEnv("SCHEMAGUARD_NAMESPACE", namespace),
                plainEnv("HOME", "/tmp"));
    }

    /**
     * Non-root, with {@code fsGroup} so the runner can write to a PVC (a {@code local} volume's root is
     * root's until the kubelet gives it to the group); {@code OnRootMismatch} so the kubelet changes the
     * volume only while its root is not the group's yet, instead of walking every backup kept on it
     * before each pod starts (the default, {@code Always}).
     */
    public static PodSecurityContext podSecurity(long uid) {
        return new PodSecurityContextBuilder()
                .withRunAsNonRoot(true)
                .withRunAsUser(uid)
                .withRunAsGroup(uid)
                .withFsGroup(uid)
                .withFsGroupChangePolicy("OnRootMismatch")
                .withSeccompProfile(
                        new SeccompProfileBuilder().withType("RuntimeDefault").build())
                .build();
    }

    public static SecurityContext containerSecurity() {
        return new SecurityContextBuilder()
                .withRunAsNonRoot(true)
                .withAllowPrivilegeEscalation(false)
                .withReadOnlyRootFilesystem(true)
                .withPrivileged(false)
                .withCapabilities(new Capabilities(null, List.of("ALL")))
                .build();
    }

    public static ResourceRequirements resources(ResourceRequirements override, OperatorConfig.Runner runner) {
        if (override != null && (override.getLimits() != null || override.getRequests() != null)) {
            return override;
        }
        ResourceRequirementsBuilder b = new ResourceRequirementsBuilder()
                .withRequests(Map.of(
                        "cpu", new Quantity(runner.cpuRequest()), "memory", new Quantity(runner.memoryRequest())))
                .addToLimits("memory", new Quantity(runner.memoryLimit()));
        runner.cpuLimit().ifPresent(cpu -> b.addToLimits("cpu", new Quantity(cpu)));
        return b.build();
    }

    public static EnvVar plainEnv(String name, String value) {
        return new EnvVarBuilder().withName(name).withValue(value).build();
    }

    public static EnvVar secretEnv(String name, SecretKeySelector ref) {
        return new EnvVarBuilder()
                .withName(name)
                .withNewValueFrom()
                .withSecretKeyRef(ref)
                .endValueFrom()
                .build();
    }
}
