package io.schemaguard.testing.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The control plane's own kubectl, for doing what a person does: {@code kubectl apply -f}. */
public final class Kubectl {
    private final Path binary;
    private final Path kubeconfig;

    /** How a kubectl call ended; {@code stderr} is what the person at the terminal reads. */
    public record Result(int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }

        public Result orThrow() {
            if (exitCode != 0) {
                throw new IllegalStateException("kubectl failed (exit " + exitCode + "): " + stderr + stdout);
            }
            return this;
        }
    }

    Kubectl(Path binary, Path kubeconfig) {
        this.binary = binary;
        this.kubeconfig = kubeconfig;
    }

    /** {@code kubectl apply -f -} with {@code manifest} (YAML, one or more documents) on stdin. */
    public Result apply(String manifest) {
        return run(manifest, "apply", "-f", "-");
    }

    public Result run(String stdin, String... args) {
        List<String> command = new ArrayList<>();
        command.add(binary.toString());
        command.add("--kubeconfig=" + kubeconfig);
        command.addAll(List.of(args));
        try {
            ProcessBuilder pb = new ProcessBuilder(command);
            pb.environment().remove("KUBECONFIG");
            Process p = pb.start();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p, true));
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p, false));
            try (var in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!p.waitFor(2, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException("kubectl " + String.join(" ", args) + " did not finish in 2 minutes");
            }
            return new Result(p.exitValue(), out.join(), err.join());
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
