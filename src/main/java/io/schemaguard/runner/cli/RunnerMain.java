package io.schemaguard.runner.cli;

import io.schemaguard.contract.FailureReason;
import io.schemaguard.contract.RunnerResult;
import io.schemaguard.runner.Console;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Entry point of the runner: a plain Java main that never starts Quarkus or the operator, so a Job's
 * container is busy dumping within a second of starting.
 */
public final class RunnerMain {
    private RunnerMain() {}

    public static void main(String[] args) {
        // The AWS SDK logs through SLF4J, bound to JBoss LogManager on this classpath; the binding
        // only works when JBoss LogManager is the JUL manager, which must be set before first use.
        System.setProperty("java.util.logging.manager", "org.jboss.logmanager.LogManager");
        System.exit(run(args));
    }

    public static int run(String... args) {
        CommandLine cli = new CommandLine(new SchemaguardCli());
        cli.setParameterExceptionHandler((e, a) -> invalidArguments(cli, e));
        return cli.execute(args);
    }

    private static int invalidArguments(CommandLine root, ParameterException e) {
        if (e.getCommandLine().getCommand() instanceof LintCommand) {
            return LintCommand.usageError(e.getMessage()); // a CI tool: its own exit code, no termination message
        }
        if (e instanceof UnmatchedArgumentException u
                && u.getCommandLine() == root
                && !u.isUnknownOption()
                && !u.getUnmatched().isEmpty()) {
            // A word the top level does not know is a mistyped (or, from an older image, a newer)
            // command: the full usage would bury the one line that matters.
            String word = u.getUnmatched().get(0);
            List<String> near = u.getSuggestions();
            String message = "unknown command '" + word + "'"
                    + (near.isEmpty() ? "" : "; did you mean " + String.join(" or ", near) + "?");
            Console.error(message);
            System.err.println(
                    "commands: " + String.join(", ", root.getSubcommands().keySet()) + " (schemaguard COMMAND --help)");
            RunnerCommand.writeTerminationMessage(RunnerResult.failed(FailureReason.InvalidArguments, message));
            return FailureReason.InvalidArguments.exitCode();
        }
        Console.error(e.getMessage());
        e.getCommandLine().usage(System.err);
        RunnerCommand.writeTerminationMessage(RunnerResult.failed(FailureReason.InvalidArguments, e.getMessage()));
        return FailureReason.InvalidArguments.exitCode();
    }
}
