package io.schemaguard.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Loopback ports for test servers. They are picked at random below the kernel's ephemeral range:
 * outgoing connections (the API server has many, to etcd and to itself) take their local ports from
 * that range, so a port picked there can be taken between the pick and the server's bind.
 */
public final class Ports {
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private Ports() {}

    public static int free() {
        int[] range = listenRange();
        for (int i = 0; i < 2000; i++) {
            int port = range[0] + ThreadLocalRandom.current().nextInt(range[1] - range[0] + 1);
            if (HANDED_OUT.add(port) && canBind(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port in " + range[0] + "-" + range[1]);
    }

    /** The ports to pick from: below the ephemeral range if there is room, else above it. */
    static int[] listenRange() {
        int low = 32768;
        int high = 60999;
        // Read as a stream: Files.readString trusts the size procfs reports and returns one byte.
        try (InputStream in = Files.newInputStream(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))) {
            String[] r = new String(in.readAllBytes(), StandardCharsets.US_ASCII)
                    .trim()
                    .split("\\s+");
            low = Integer.parseInt(r[0]);
            high = Integer.parseInt(r[1]);
        } catch (IOException | RuntimeException e) {
            // not Linux: keep the kernel's usual defaults
        }
        if (low - 1 - 15000 >= 1000) {
            return new int[] {15000, low - 1};
        }
        if (65535 - high - 1 >= 1000) {
            return new int[] {high + 1, 65535};
        }
        return new int[] {15000, 65535};
    }

    private static boolean canBind(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress("127.0.0.1", port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public static boolean open(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public static void awaitOpen(int port, Duration timeout, Process process, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (open(port)) {
                return;
            }
            if (process != null && !process.isAlive()) {
                throw new IllegalStateException(
                        what + " exited with code " + process.exitValue() + " before listening");
            }
            sleep(100);
        }
        throw new IllegalStateException(what + " did not listen on port " + port + " within " + timeout);
    }

    public static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
