package io.schemaguard.kubectl.cli;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.schemaguard.kubectl.ErrorMessages;
import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * Entry point of {@code kubectl schemaguard} (src/main/scripts/kubectl-schemaguard): errors are one line
 * on stderr, exit 2 for a wrong command line, 1 for anything else, never a stack trace.
 */
public final class KubectlMain {
    private KubectlMain() {}

    static {
        // Fabric8 and Vert.x log through JBoss LogManager on this classpath; it must be the JUL manager
        // before the first logger, or its SLF4J binding prints warnings (the script passes it too).
        System.setProperty("java.util.logging.manager", "org.jboss.logmanager.LogManager");
    }

    /** Held: JUL keeps loggers weakly, and a collected one forgets its level. */
    private static final java.util.logging.Logger FABRIC8_VERSIONS =
            java.util.logging.Logger.getLogger("io.fabric8.kubernetes.client.dsl.internal.VersionUsageUtils");

    public static void main(String[] args) {
        // Fabric8 warns on every v1alpha1 type it touches: noise on a user's terminal, not news.
        FABRIC8_VERSIONS.setLevel(java.util.logging.Level.OFF);
        System.exit(run(args));
    }

    public static int run(String... args) {
        CommandLine cli = new CommandLine(new PluginCommand());
        cli.setParameterExceptionHandler((e, a) -> {
            PrintWriter err = e.getCommandLine().getErr();
            err.println("error: " + e.getMessage().replaceFirst("^Error: ", "") + " (see: kubectl schemaguard "
                    + e.getCommandLine()
                            .getCommandSpec()
                            .qualifiedName(" ")
                            .replaceFirst("^kubectl-schemaguard ?", "")
                            .replaceFirst("^(.+)$", "$1 ")
                    + "--help)");
            return CommandLine.ExitCode.USAGE;
        });
        cli.setExecutionExceptionHandler((e, c, p) -> {
            PrintWriter err = c.getErr();
            if (e instanceof UserError u) {
                err.println("error: " + u.getMessage());
                return u.exitCode;
            }
            if (e instanceof KubernetesClientException k) {
                err.println("error: " + message(k, c));
                return 1;
            }
            err.println("error: " + e);
            return 1;
        });
        return cli.execute(args);
    }

    static String message(KubernetesClientException k, CommandLine c) {
        var status = k.getStatus();
        String statusMessage = status == null ? null : status.getMessage();
        String name = status == null || status.getDetails() == null
                ? null
                : status.getDetails().getName();
        String resource = k.getFullResourceName() != null ? k.getFullResourceName() : k.getResourcePlural();
        if (resource == null && status != null && status.getDetails() != null) {
            resource = status.getDetails().getKind();
        }
        if (k.getCode() <= 0) {
            Throwable cause = k.getCause() == null ? k : k.getCause();
            while (cause.getCause() != null) {
                cause = cause.getCause();
            }
            statusMessage = cause.getMessage() == null ? cause.toString() : cause.getMessage();
        }
        String ns = PluginCommand.current == null ? "?" : PluginCommand.current.namespaceOrNull();
        return ErrorMessages.of(
                k.getCode(),
                statusMessage,
                name,
                resource == null ? "the resource" : resource.replaceFirst("\\..*$", ""),
                ns);
    }
}
