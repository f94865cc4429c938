package io.schemaguard.testing;

import eu.rekawek.toxiproxy.Proxy;
import eu.rekawek.toxiproxy.ToxiproxyClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Toxiproxy's server as its own process on a loopback port: TCP proxies between the runner and a
 * real server, on which the fault suite puts toxics (resets, cuts, latency, bandwidth). The binary
 * is built from the Go module proxy by scripts/build-toxiproxy.sh and found through
 * SCHEMAGUARD_TOXIPROXY (scripts/test.sh sets it).
 */
public final class Toxiproxy implements AutoCloseable {
    private final Process process;
    private final ToxiproxyClient client;

    private Toxiproxy(Process process, int port) {
        this.process = process;
        this.client = new ToxiproxyClient("127.0.0.1", port);
    }

    /** The server binary, or null when the build did not make one (the suite then says why it cannot run). */
    public static Path binary() {
        String path = System.getenv("SCHEMAGUARD_TOXIPROXY");
        if (path == null || path.isBlank()) {
            Path cached =
                    Path.of(System.getProperty("user.home"), ".cache/schemaguard/toxiproxy/v2.5.0/toxiproxy-server");
            return Files.isExecutable(cached) ? cached : null;
        }
        return Path.of(path);
    }

    public static Toxiproxy start() {
        Path binary = binary();
        if (binary == null || !Files.isExecutable(binary)) {
            throw new IllegalStateException("toxiproxy-server is missing: build it with scripts/build-toxiproxy.sh"
                    + " and set SCHEMAGUARD_TOXIPROXY (scripts/test.sh does both)");
        }
        int port = Ports.free();
        try {
            Path log = Files.createTempFile("toxiproxy-", ".log");
            Process p = new ProcessBuilder(binary.toString(), "-host", "127.0.0.1", "-port", String.valueOf(port))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            Ports.awaitOpen(port, Duration.ofSeconds(20), p, "toxiproxy");
            return new Toxiproxy(p, port);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A new proxy in front of 127.0.0.1:{@code upstreamPort}; its listen port is {@link #port(Proxy)}. */
    public Proxy proxy(String name, int upstreamPort) {
        try {
            return client.createProxy(name, "127.0.0.1:" + Ports.free(), "127.0.0.1:" + upstreamPort);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static int port(Proxy proxy) {
        String listen = proxy.getListen();
        return Integer.parseInt(listen.substring(listen.lastIndexOf(':') + 1));
    }

    /** Removes every toxic of every proxy, so one fault never leaks into the next. */
    public void reset() {
        try {
            client.reset();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
