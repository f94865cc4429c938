package io.schemaguard.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.postgresql.Driver;

/**
 * A throwaway PostgreSQL cluster from the Debian package's binaries, on a free loopback port, with
 * password (SCRAM) authentication so wrong-password paths are real. When the tests run as root the
 * server runs as the unprivileged user {@code scripts/test-setup.sh} creates, since PostgreSQL
 * refuses root. One cluster serves the whole test JVM; each test takes its own database.
 */
public final class PostgresServer {
    public static final String SUPERUSER = "postgres";
    public static final String PASSWORD = "s3cret-Pw";
    private static final String RUN_AS = System.getenv().getOrDefault("SCHEMAGUARD_PG_USER", "schemaguard-pg");
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static PostgresServer shared;

    private final Path binDir;
    private final Path root;
    private final Path dataDir;
    private final int port;
    /** Beside loopback, e.g. the host's address for pods on a real node; null for loopback only. */
    private String extraListenAddress;

    private PostgresServer(Path binDir, Path root, int port) {
        this.binDir = binDir;
        this.root = root;
        this.dataDir = root.resolve("data");
        this.port = port;
    }

    /** The JVM-wide server, started on first use and stopped when the JVM exits. */
    public static synchronized PostgresServer shared() {
        if (shared == null) {
            shared = start();
            PostgresServer s = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(s::stop));
        }
        return shared;
    }

    public static PostgresServer start() {
        return start(null);
    }

    /**
     * Listening on loopback and {@code extraListenAddress} (null: loopback only), with password logins
     * from any address allowed: pods on a real node connect from their own addresses.
     */
    public static PostgresServer start(String extraListenAddress) {
        Path bin = binDir();
        try {
            Path root = Files.createTempDirectory("schemaguard-pg-");
            PostgresServer server = new PostgresServer(bin, root, Ports.free());
            server.extraListenAddress = extraListenAddress;
            server.init();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Path binDir() {
        try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            return versions.map(v -> v.resolve("bin"))
                    .filter(b -> Files.isExecutable(b.resolve("initdb")))
                    .max(Comparator.comparingInt(
                            b -> Integer.parseInt(b.getParent().getFileName().toString())))
                    .orElseThrow();
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException(
                    "PostgreSQL server binaries not found under /usr/lib/postgresql:" + " run scripts/test-setup.sh",
                    e);
        }
    }

    private void init() throws IOException {
        Path pwFile = root.resolve("pwfile");
        Files.writeString(pwFile, PASSWORD + "\n");
        if (isRoot()) {
            UserPrincipal owner =
                    root.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(RUN_AS);
            Files.setOwner(root, owner);
            Files.setOwner(pwFile, owner);
        }
        run(
                Duration.ofMinutes(2),
                binDir.resolve("initdb").toString(),
                "-D",
                dataDir.toString(),
                "-U",
                SUPERUSER,
                "--auth=scram-sha-256",
                "--pwfile=" + pwFile,
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync");
        Files.writeString(
                dataDir.resolve("postgresql.auto.conf"),
                String.join(
                        "\n",
                        "listen_addresses = '127.0.0.1" + (extraListenAddress == null ? "" : "," + extraListenAddress)
                                + "'",
                        "port = " + port,
                        "unix_socket_directories = '" + root + "'",
                        "fsync = off",
                        "synchronous_commit = off",
                        "full_page_writes = off",
                        "max_connections = 100",
                        "shared_buffers = 128MB",
                        "max_wal_size = 2GB",
                        ""),
                StandardCharsets.UTF_8);
        if (extraListenAddress != null) {
            Files.writeString(
                    dataDir.resolve("pg_hba.conf"),
                    "host all all 0.0.0.0/0 scram-sha-256\n",
                    StandardCharsets.UTF_8,
                    StandardOpenOption.APPEND);
        }
        run(
                Duration.ofMinutes(2),
                binDir.resolve("pg_ctl").toString(),
                "-D",
                dataDir.toString(),
                "-l",
                root.resolve("server.log").toString(),
                "-w",
                "-t",
                "60",
                "start");
    }

    public int port() {
        return port;
    }

    public String host() {
        return "127.0.0.1";
    }

    /** A {@code postgresql://} URL without password (the runner refuses passwords on its command line). */
    public String url(String database) {
        return "postgresql://" + SUPERUSER + "@127.0.0.1:" + port + "/" + database;
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** Creates a fresh database with a unique name built from {@code hint}. */
    public String createDatabase(String hint) {
        String name = (hint.replaceAll("[^a-z0-9_]", "_") + "_" + DATABASES.incrementAndGet()).toLowerCase();
        execute("postgres", "CREATE DATABASE " + name);
        return name;
    }

    public void execute(String database, String... statements) {
        try (Connection c = connect(database);
                Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("SQL failed on " + database + ": " + e.getMessage(), e);
        }
    }

    public Connection connect(String database) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", SUPERUSER);
        p.setProperty("password", PASSWORD);
        // The driver directly, not DriverManager: Quarkus tests load classes in their own class
        // loader, and DriverManager hides drivers registered by another one.
        return new Driver().connect(jdbcUrl(database), p);
    }

    /** Runs a client program (pg_restore, psql, ...) of this server's version against it. */
    public String client(String program, List<String> args, byte[] stdin) {
        List<String> command = new ArrayList<>();
        command.add(binDir.resolve(program).toString());
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("PGHOST", "127.0.0.1");
        pb.environment().put("PGPORT", Integer.toString(port));
        pb.environment().put("PGUSER", SUPERUSER);
        pb.environment().put("PGPASSWORD", PASSWORD);
        try {
            Process p = pb.start();
            if (stdin != null) {
                try (var in = p.getOutputStream()) {
                    in.write(stdin);
                }
            } else {
                p.getOutputStream().close();
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IllegalStateException(program + " " + args + " failed: " + out);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Stops the server at once, as a crash would ({@code -m immediate}: no checkpoint, sessions cut). */
    public synchronized void crash() {
        run(
                Duration.ofMinutes(1),
                binDir.resolve("pg_ctl").toString(),
                "-D",
                dataDir.toString(),
                "-m",
                "immediate",
                "-w",
                "stop");
    }

    /** Starts it again on the same port and data after {@link #crash} (with crash recovery). */
    public synchronized void startAgain() {
        run(
                Duration.ofMinutes(2),
                binDir.resolve("pg_ctl").toString(),
                "-D",
                dataDir.toString(),
                "-l",
                root.resolve("server.log").toString(),
                "-w",
                "-t",
                "60",
                "start");
    }

    public synchronized void stop() {
        if (Files.exists(dataDir.resolve("postmaster.pid"))) {
            try {
                run(
                        Duration.ofMinutes(1),
                        binDir.resolve("pg_ctl").toString(),
                        "-D",
                        dataDir.toString(),
                        "-m",
                        "immediate",
                        "-w",
                        "stop");
            } catch (RuntimeException e) {
                System.err.println("warning: could not stop PostgreSQL: " + e.getMessage());
            }
        }
        Files2.deleteTree(root);
    }

    private void run(Duration timeout, String... command) {
        List<String> full = new ArrayList<>();
        if (isRoot()) {
            full.addAll(List.of("runuser", "-u", RUN_AS, "--"));
        }
        full.addAll(List.of(command));
        try {
            Process p = new ProcessBuilder(full)
                    .redirectErrorStream(true)
                    .directory(root.toFile())
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " timed out");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed (" + p.exitValue() + "): " + out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }
}
