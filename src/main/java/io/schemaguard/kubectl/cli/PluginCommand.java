package io.schemaguard.kubectl.cli;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.schemaguard.contract.JobLabels;
import io.schemaguard.kubectl.JobRun;
import io.schemaguard.kubectl.Style;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kubectl schemaguard}: the user's kubeconfig, context and namespace, as kubectl reads them. */
@Command(
        name = "kubectl-schemaguard",
        mixinStandardHelpOptions = true,
        versionProvider = PluginCommand.Version.class,
        description = "Day-two commands for Schemaguard: status, approve, backup now, restore, logs.",
        subcommands = {
            StatusCommand.class,
            ApproveCommand.class,
            BackupCommand.class,
            RestoreCommand.class,
            LogsCommand.class
        })
public final class PluginCommand {
    /** The one invocation of this process, for the error handler's namespace. */
    static PluginCommand current;

    @Option(
            names = {"-n", "--namespace"},
            description = "Namespace (default: the kubeconfig context's, else default).",
            scope = picocli.CommandLine.ScopeType.INHERIT)
    String namespace;

    @Option(
            names = "--kubeconfig",
            description = "Path to the kubeconfig (default: $KUBECONFIG, else ~/.kube/config).",
            scope = picocli.CommandLine.ScopeType.INHERIT)
    String kubeconfig;

    @Option(
            names = "--context",
            description = "The kubeconfig context to use.",
            scope = picocli.CommandLine.ScopeType.INHERIT)
    String context;

    private KubernetesClient client;
    private String resolvedNamespace;

    public PluginCommand() {
        current = this;
    }

    KubernetesClient client() {
        if (client == null) {
            if (kubeconfig != null) {
                // Fabric8 reads the kubeconfig's path from this property before $KUBECONFIG, as kubectl's flag does.
                System.setProperty(Config.KUBERNETES_KUBECONFIG_FILE, kubeconfig);
            }
            Config config = Config.autoConfigure(context);
            // kubectl answers at once when the server is unreachable; Fabric8 would retry ten times.
            config.setRequestRetryBackoffLimit(1);
            resolvedNamespace =
                    namespace != null ? namespace : config.getNamespace() != null ? config.getNamespace() : "default";
            client = new KubernetesClientBuilder().withConfig(config).build();
        }
        return client;
    }

    String namespace() {
        client();
        return resolvedNamespace;
    }

    String namespaceOrNull() {
        return resolvedNamespace != null ? resolvedNamespace : namespace;
    }

    /**
     * The resource, or null when there is none by that name. Fabric8 answers null for any 404, also for a
     * type the API server does not know; a list of one tells the two apart (it fails then: no CRD).
     */
    <T extends HasMetadata> T get(Class<T> kind, String name) {
        T r = client().resources(kind).inNamespace(namespace()).withName(name).get();
        if (r == null) {
            client().resources(kind)
                    .inNamespace(namespace())
                    .list(new io.fabric8.kubernetes.api.model.ListOptionsBuilder()
                            .withLimit(1L)
                            .build());
        }
        return r;
    }

    <T extends HasMetadata> T require(Class<T> kind, String name) {
        T r = get(kind, name);
        if (r == null) {
            throw new UserError(HasMetadata.getKind(kind) + " \"" + name + "\" not found in namespace " + namespace());
        }
        return r;
    }

    static Style style() {
        return Style.detect(System.console() != null, System.getenv("NO_COLOR"));
    }

    /** The runner Jobs of one resource: labelled with its kind, annotated with its exact name. */
    List<JobRun> jobsOf(HasMetadata owner) {
        return client()
                .batch()
                .v1()
                .jobs()
                .inNamespace(namespace())
                .withLabelSelector(JobLabels.selector(owner.getKind()))
                .list()
                .getItems()
                .stream()
                .filter(j -> j.getMetadata().getAnnotations() != null
                        && owner.getMetadata()
                                .getName()
                                .equals(j.getMetadata().getAnnotations().get(JobLabels.OWNER_NAME_ANNOTATION)))
                .map(PluginCommand::run)
                .sorted(Comparator.comparing(j -> Objects.requireNonNullElse(j.createdAt(), "")))
                .toList();
    }

    static JobRun run(Job j) {
        String outcome = null;
        if (j.getStatus() != null && j.getStatus().getConditions() != null) {
            for (var c : j.getStatus().getConditions()) {
                if ("True".equals(c.getStatus()) && "Complete".equals(c.getType())) {
                    outcome = "Succeeded";
                } else if ("True".equals(c.getStatus()) && "Failed".equals(c.getType())) {
                    outcome = "Failed";
                }
            }
        }
        var labels = j.getMetadata().getLabels();
        return new JobRun(
                labels == null ? null : labels.get(JobLabels.COMPONENT),
                j.getMetadata().getName(),
                j.getMetadata().getCreationTimestamp(),
                j.getStatus() == null ? null : j.getStatus().getStartTime(),
                j.getStatus() == null ? null : j.getStatus().getCompletionTime(),
                outcome);
    }

    static final class Version implements picocli.CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = PluginCommand.class.getPackage().getImplementationVersion();
            return new String[] {"kubectl-schemaguard " + (v == null ? "(development build)" : v)};
        }
    }
}
