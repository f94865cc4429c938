package io.schemaguard.kubectl.cli;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.schemaguard.api.SafeMigration;
import io.schemaguard.api.SafeMigrationStatus.FindingStatus;
import io.schemaguard.kubectl.Approval;
import io.schemaguard.kubectl.MigrationTree;
import io.schemaguard.kubectl.Style;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
        name = "approve",
        mixinStandardHelpOptions = true,
        description = "Shows each statement that blocks a SafeMigration and asks before adding its hash to"
                + " spec.safety.approvedStatements.")
final class ApproveCommand implements Callable<Integer> {
    @ParentCommand
    PluginCommand plugin;

    @Parameters(paramLabel = "SAFEMIGRATION")
    String name;

    @Option(names = "--all", description = "Approve every blocking statement (one question, or none with --yes).")
    boolean all;

    @Option(
            names = {"-y", "--yes"},
            description = "Do not ask (for scripts); without --all it approves every statement.")
    boolean yes;

    @Override
    public Integer call() throws IOException {
        var context = ResourceDefinitionContext.fromResourceType(SafeMigration.class);
        // Read and written untyped, so fields this plugin's model does not know survive the update.
        GenericKubernetesResource raw = plugin.client()
                .genericKubernetesResources(context)
                .inNamespace(plugin.namespace())
                .withName(name)
                .get();
        if (raw == null) {
            plugin.require(SafeMigration.class, name); // CRD missing or not found, said as such
        }
        SafeMigration m = Serialization.unmarshal(Serialization.asJson(raw), SafeMigration.class);
        var refusal = Approval.refusal(m);
        if (refusal.isPresent()) {
            throw new UserError(refusal.get());
        }
        List<FindingStatus> blocking = Approval.blocking(m);
        if (blocking.isEmpty()) {
            System.out.println("SafeMigration " + name + " has no unapproved blocking statements (phase "
                    + m.getStatus().getPhase() + ").");
            return 0;
        }
        Style style = PluginCommand.style();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        List<String> approved = new ArrayList<>();
        System.out.println("SafeMigration " + name + ": " + blocking.size() + " blocking statement(s)");
        for (FindingStatus f : blocking) {
            System.out.println();
            System.out.println("  " + MigrationTree.finding(f, style));
            if (f.getStatement() != null) {
                f.getStatement().strip().lines().forEach(l -> System.out.println("    | " + l));
            }
            if (f.getLosses() != null && !f.getLosses().isEmpty()) {
                System.out.println("    removes: " + String.join(", ", f.getLosses()));
            }
            if (!all && !yes && !ask(in, "  Approve this statement? [y/N] ")) {
                continue;
            }
            approved.add(f.getStatementHash());
        }
        if (all && !yes && !ask(in, "\nApprove all " + approved.size() + " statement(s)? [y/N] ")) {
            approved.clear();
        }
        if (approved.isEmpty()) {
            System.out.println("Nothing approved; SafeMigration " + name + " unchanged.");
            return 0;
        }
        write(raw, approved, context);
        System.out.println("Approved " + approved.size() + " statement(s) of SafeMigration " + name
                + "; the operator plans generation " + (m.getMetadata().getGeneration() + 1) + " next.");
        return 0;
    }

    @SuppressWarnings("unchecked")
    private void write(GenericKubernetesResource raw, List<String> approved, ResourceDefinitionContext context) {
        Map<String, Object> spec =
                (Map<String, Object>) raw.getAdditionalProperties().get("spec");
        Map<String, Object> safety = (Map<String, Object>) spec.computeIfAbsent("safety", k -> new LinkedHashMap<>());
        safety.put("approvedStatements", Approval.merge((List<String>) safety.get("approvedStatements"), approved));
        try {
            // A PUT with the resourceVersion read above: an edit in between fails instead of being overwritten.
            plugin.client()
                    .genericKubernetesResources(context)
                    .inNamespace(plugin.namespace())
                    .resource(raw)
                    .update();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                throw new UserError("SafeMigration " + name + " was changed by someone else while you were"
                        + " approving; nothing was written: run approve again to see its current findings");
            }
            throw e;
        }
    }

    private static boolean ask(BufferedReader in, String question) throws IOException {
        System.out.print(question);
        System.out.flush();
        String answer = in.readLine();
        if (answer == null) {
            System.out.println();
            throw new UserError("no answer on stdin (use --yes to approve without asking)");
        }
        if (System.console() == null) {
            System.out.println(answer); // piped answers are not echoed: show what was answered
        }
        return answer.strip().equalsIgnoreCase("y") || answer.strip().equalsIgnoreCase("yes");
    }
}
