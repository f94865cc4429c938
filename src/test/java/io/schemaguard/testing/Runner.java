package io.schemaguard.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Starts the runner as its own process with the project's runtime classpath, as a Job's container
 * does: credentials only in the environment, the result in a termination-message file.
 */
public final class Runner {

    /** How a run ended. */
    public record Result(int exitCode, String stdout, String stderr, String terminationMessage) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr + "\n--- termination\n"
                    + terminationMessage;
        }
    }

    private Runner() {}

    public static List<String> javaCommand() {
        try {
            String cp = Path.of("target/classes").toAbsolutePath() + ":"
                    + Files.readString(Path.of("target/runner-classpath.txt")).strip();
            return List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m",
                    "-XX:+UseSerialGC",
                    "-cp",
                    cp,
                    "io.schemaguard.runner.cli.RunnerMain");
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "target/runner-classpath.txt is written by the build (generate-test-resources)", e);
        }
    }

    public static Process start(Map<String, String> env, List<String> args, Path terminationLog) {
        return start(null, env, args, terminationLog);
    }

    /** In {@code workingDirectory} (null: this one), for commands that report paths relative to it. */
    public static Process start(
            Path workingDirectory, Map<String, String> env, List<String> args, Path terminationLog) {
        List<String> command = new ArrayList<>(javaCommand());
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command);
        if (workingDirectory != null) {
            pb.directory(workingDirectory.toFile());
        }
        pb.environment().keySet().removeIf(k -> k.startsWith("PG") || k.startsWith("AWS_") || k.equals("DATABASE_URL"));
        pb.environment().putAll(env);
        if (terminationLog != null) {
            pb.environment().put("SCHEMAGUARD_TERMINATION_LOG", terminationLog.toString());
        }
        try {
            return pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Result run(Map<String, String> env, String... args) {
        return runIn(null, env, args);
    }

    public static Result runIn(Path workingDirectory, Map<String, String> env, String... args) {
        try {
            Path log = Files.createTempFile("termination-", ".log");
            try {
                Process p = start(workingDirectory, env, List.of(args), log);
                return await(p, log);
            } finally {
                Files.deleteIfExists(log);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Result await(Process p, Path terminationLog) {
        return await(p, terminationLog, true);
    }

    /**
     * With {@code readStderr} false, stderr is left to a reader of the caller's (its result is empty):
     * two readers of one pipe would each get part of it.
     */
    public static Result await(Process p, Path terminationLog, boolean readStderr) {
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p, true));
        CompletableFuture<String> err = readStderr
                ? CompletableFuture.supplyAsync(() -> read(p, false))
                : CompletableFuture.completedFuture("");
        try {
            p.getOutputStream().close();
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException("runner did not finish in 10 minutes");
            }
            String message = terminationLog != null && Files.exists(terminationLog)
                    ? Files.readString(terminationLog).strip()
                    : "";
            return new Result(p.exitValue(), out.join(), err.join(), message);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String read(Process p, boolean stdout) {
        try {
            return new String(
                    (stdout ? p.getInputStream() : p.getErrorStream()).readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
