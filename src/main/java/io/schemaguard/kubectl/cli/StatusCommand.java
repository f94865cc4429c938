package io.schemaguard.kubectl.cli;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesListBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.schemaguard.api.BackupSchedule;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.DatabaseRestore;
import io.schemaguard.api.SafeMigration;
import io.schemaguard.contract.JobLabels;
import io.schemaguard.kubectl.MigrationTree;
import io.schemaguard.kubectl.Overview;
import io.schemaguard.kubectl.Style;
import io.schemaguard.kubectl.Times;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = "The namespace's Schemaguard resources, or one resource in detail (a SafeMigration as a tree).")
final class StatusCommand implements Callable<Integer> {
    @ParentCommand
    PluginCommand plugin;

    @Parameters(arity = "0..1", paramLabel = "[KIND/]NAME", description = "e.g. smig/add-column or add-column")
    String resource;

    @Option(
            names = {"-o", "--output"},
            description = "json or yaml (the resources as the API server has them)")
    String output;

    @Override
    public Integer call() {
        if (output != null && !output.equals("json") && !output.equals("yaml")) {
            throw UserError.usage("--output must be json or yaml, not '" + output + "'");
        }
        var c = plugin.client();
        String ns = plugin.namespace();
        Instant now = Instant.now();
        Style style = PluginCommand.style();
        if (resource == null) {
            var migrations = sorted(
                    c.resources(SafeMigration.class).inNamespace(ns).list().getItems());
            var schedules = sorted(
                    c.resources(BackupSchedule.class).inNamespace(ns).list().getItems());
            var backups = sorted(
                    c.resources(DatabaseBackup.class).inNamespace(ns).list().getItems());
            var restores = sorted(
                    c.resources(DatabaseRestore.class).inNamespace(ns).list().getItems());
            if (output != null) {
                List<HasMetadata> all = new ArrayList<>();
                all.addAll(migrations);
                all.addAll(schedules);
                all.addAll(backups);
                all.addAll(restores);
                print(new KubernetesListBuilder().withItems(all).build());
                return 0;
            }
            System.out.print(Overview.render(ns, migrations, schedules, backups, restores, now, style));
            return 0;
        }
        HasMetadata found = find(plugin, Kinds.ref(resource));
        if (output != null) {
            print(found);
            return 0;
        }
        if (found instanceof SafeMigration m) {
            DatabaseBackup backup = m.getStatus() == null
                            || m.getStatus().getCurrentRun() == null
                            || m.getStatus().getCurrentRun().getBackup() == null
                    ? null
                    : plugin.get(
                            DatabaseBackup.class, m.getStatus().getCurrentRun().getBackup());
            var steps = MigrationTree.steps(m, plugin.jobsOf(m), backup, now);
            System.out.print(MigrationTree.render(m, steps, style));
        } else if (found instanceof BackupSchedule s) {
            var backups = sorted(c.resources(DatabaseBackup.class)
                    .inNamespace(ns)
                    .withLabel(
                            JobLabels.SCHEDULE,
                            JobLabels.labelValue(s.getMetadata().getName()))
                    .list()
                    .getItems());
            System.out.print(Overview.schedule(s, backups, now, style));
        } else if (found instanceof DatabaseBackup b) {
            System.out.print(Overview.render(ns, List.of(), List.of(), List.of(b), List.of(), now, style));
            var st = b.getStatus();
            if (st != null) {
                System.out.println("  location: " + (st.getLocation() == null ? "-" : st.getLocation()));
                System.out.println("  job:      " + (st.getJobName() == null ? "-" : st.getJobName()));
                System.out.println("  message:  " + Waiter.message(b));
            }
        } else if (found instanceof DatabaseRestore r) {
            System.out.print(Overview.render(ns, List.of(), List.of(), List.of(), List.of(r), now, style));
            var st = r.getStatus();
            if (st != null) {
                System.out.println("  job:      " + (st.getJobName() == null ? "-" : st.getJobName()));
                System.out.println("  duration: " + Times.between(st.getStartedAt(), st.getCompletedAt(), now));
                System.out.println("  message:  " + Waiter.message(r));
            }
        }
        return 0;
    }

    /** The resource named, of the kind given, or the first kind that has one by that name. */
    static HasMetadata find(PluginCommand plugin, Kinds.Ref ref) {
        var c = plugin.client();
        String ns = plugin.namespace();
        if (ref.kind() != null) {
            return plugin.require(ref.kind(), ref.name());
        }
        KubernetesClientException forbidden = null;
        for (var kind : Kinds.ALL) {
            try {
                HasMetadata r = plugin.get(kind, ref.name());
                if (r != null) {
                    return r;
                }
            } catch (KubernetesClientException e) {
                if (e.getCode() != 403) {
                    throw e;
                }
                forbidden = e;
            }
        }
        if (forbidden != null) {
            throw forbidden;
        }
        throw new UserError("no SafeMigration, BackupSchedule, DatabaseBackup or DatabaseRestore \"" + ref.name()
                + "\" in namespace " + ns);
    }

    static <T extends HasMetadata> List<T> sorted(List<T> items) {
        return items.stream()
                .sorted(Comparator.comparing(r -> r.getMetadata().getName()))
                .toList();
    }

    /** As {@code kubectl get -o json|yaml} prints it: indented, without managedFields. */
    private void print(io.fabric8.kubernetes.api.model.KubernetesResource o) {
        if (o instanceof HasMetadata r && r.getMetadata() != null) {
            r.getMetadata().setManagedFields(null);
        }
        if (o instanceof io.fabric8.kubernetes.api.model.KubernetesList list) {
            list.getItems().forEach(i -> i.getMetadata().setManagedFields(null));
        }
        try {
            System.out.print(
                    output.equals("json")
                            ? Serialization.jsonMapper()
                                            .writerWithDefaultPrettyPrinter()
                                            .writeValueAsString(o) + "\n"
                            : Serialization.asYaml(o));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UserError("cannot print as JSON: " + e.getOriginalMessage());
        }
    }
}
