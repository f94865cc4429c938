package io.schemaguard.kubectl.cli;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.schemaguard.kubectl.JobRun;
import java.io.InputStream;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
        name = "logs",
        mixinStandardHelpOptions = true,
        description = "The runner's log of a resource's current or last step (its newest Job's newest pod).")
final class LogsCommand implements Callable<Integer> {
    @ParentCommand
    PluginCommand plugin;

    @Parameters(paramLabel = "[KIND/]NAME")
    String resource;

    @Option(
            names = {"-f", "--follow"},
            description = "Keep streaming until the pod ends.")
    boolean follow;

    @Override
    public Integer call() throws Exception {
        HasMetadata owner = StatusCommand.find(plugin, Kinds.ref(resource));
        List<JobRun> jobs = plugin.jobsOf(owner);
        if (jobs.isEmpty()) {
            throw new UserError(owner.getKind() + " " + owner.getMetadata().getName() + " has no Jobs (yet)");
        }
        JobRun job = jobs.get(jobs.size() - 1);
        Pod pod = plugin
                .client()
                .pods()
                .inNamespace(plugin.namespace())
                .withLabel("job-name", job.name())
                .list()
                .getItems()
                .stream()
                .max(Comparator.comparing(
                        p -> Objects.requireNonNullElse(p.getMetadata().getCreationTimestamp(), "")))
                .orElseThrow(() -> new UserError("Job " + job.name() + " has no pod (yet)"));
        System.err.println("# Job " + job.name() + ", pod " + pod.getMetadata().getName());
        var p = plugin.client()
                .pods()
                .inNamespace(plugin.namespace())
                .withName(pod.getMetadata().getName());
        if (follow) {
            try (InputStream in = p.watchLog().getOutput()) {
                in.transferTo(System.out);
            }
        } else {
            System.out.print(p.getLog());
        }
        System.out.flush();
        return 0;
    }
}
