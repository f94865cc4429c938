package io.schemaguard.runner;

import picocli.CommandLine;

/**
 * Entry point of the runner: a plain Java main that never starts Quarkus or the operator, so a Job's
 * container is busy dumping within a second of starting.
 */
public final class RunnerMain {
    private RunnerMain() {
    }

    public static void main(String[] args) {
        // The AWS SDK logs through SLF4J, bound to JBoss LogManager on this classpath; the binding
        // only works when JBoss LogManager is the JUL manager, which must be set before first use.
        System.setProperty("java.util.logging.manager", "org.jboss.logmanager.LogManager");
        System.exit(run(args));
    }

    public static int run(String... args) {
        CommandLine cli = new CommandLine(new SchemaguardCli());
        cli.setParameterExceptionHandler((e, a) -> {
            Console.error(e.getMessage());
            e.getCommandLine().usage(System.err);
            RunnerCommand.writeTerminationMessage(RunnerResult.failed(FailureReason.InvalidArguments, e.getMessage()));
            return FailureReason.InvalidArguments.exitCode();
        });
        return cli.execute(args);
    }
}
