package io.schemaguard.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.schemaguard.contract.RunnerResult;
import io.schemaguard.testing.PostgresServer;
import io.schemaguard.testing.Runner;
import io.schemaguard.testing.S3Server;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Directory backups with --jobs 2 upload each table's file once pg_dump finished it, against a real
 * PostgreSQL server, S3Proxy and the real pg_dump/pg_restore. The pg_dump worker writing the large
 * table is frozen (SIGSTOP) mid-file, so "finished" is tested by a file that certainly is not: it
 * must stay on disk, not uploaded, however long the others take.
 */
class ParallelDirectoryBackupRunnerTest {
    static PostgresServer pg;
    static S3Server s3;
    static String database;
    static final List<String> TABLES = List.of("big", "medium_a", "medium_b", "small_c", "empty_d");

    @BeforeAll
    static void servers() {
        pg = PostgresServer.shared();
        s3 = S3Server.shared();
        database = pg.createDatabase("wide");
        pg.execute(
                database,
                // large enough that its COPY runs for a while, so its worker is caught mid-file
                "CREATE TABLE big (id int PRIMARY KEY, a text, b text)",
                "INSERT INTO big SELECT g, md5(g::text), md5((g * 7)::text) FROM generate_series(1, 1000000) g",
                "CREATE TABLE medium_a (id int PRIMARY KEY, note text)",
                "INSERT INTO medium_a SELECT g, repeat(md5(g::text), 3) FROM generate_series(1, 20000) g",
                "CREATE TABLE medium_b (id int, note text)",
                "INSERT INTO medium_b SELECT g, 'tab\tand\\backslash ' || g FROM generate_series(1, 20000) g",
                "CREATE TABLE small_c (id int, v numeric)",
                "INSERT INTO small_c SELECT g, g / 3.0 FROM generate_series(1, 10) g",
                "CREATE TABLE empty_d (id int)",
                "SELECT lo_from_bytea(0, 'a large object goes in after pg_dump ends')",
                "ANALYZE");
    }

    @Test
    void aParallelDirectoryBackupUploadsTablesAsTheyFinishAndRestoresEqual(@TempDir Path dir) throws Exception {
        String bucket = newBucket("pardir");
        Runner.Result b = Runner.run(env(), backupArgs(bucket, dir).toArray(String[]::new));
        assertThat(b.exitCode()).as(b.toString()).isZero();
        assertThat(b.stderr())
                .as("every table's file went up while pg_dump ran; toc.dat and the large object after it")
                .contains("pg_dump: 5 data files uploaded while it ran, ");
        assertThat(b.stderr()).doesNotContain("pg_dump: reading"); // --verbose chatter is not echoed
        assertNoScratchLeft(dir);

        String target = "wide_restored_" + System.nanoTime();
        Runner.Result r = Runner.run(env(), restoreArgs(bucket, target, dir).toArray(String[]::new));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(contents(target)).isEqualTo(contents(database));
    }

    @Test
    void aFileIsNotUploadedWhileItsWorkerStillWritesIt(@TempDir Path dir) throws Exception {
        String bucket = newBucket("frozen");
        Running run = Running.start(backupArgs(bucket, dir));
        Frozen frozen = freezeTheWorkerWritingTheLargestFile(run, dir);
        try {
            // the other four tables finish and go up while the big one's worker is stopped
            await(() -> run.count("finished, uploaded and removed") == 4, Duration.ofSeconds(60), run);
            long size = Files.size(frozen.file());
            Thread.sleep(1500); // many polls of the finished queue
            assertThat(frozen.file())
                    .as("a file pg_dump has not finished stays on disk, not uploaded")
                    .exists();
            assertThat(Files.size(frozen.file())).isEqualTo(size);
            assertThat(run.lines()).noneMatch(l -> l.contains(frozen.file().getFileName() + " ("));
        } finally {
            signal("CONT", frozen.pid());
        }
        Runner.Result b = run.await();
        assertThat(b.exitCode()).as(b.toString()).isZero();
        assertThat(b.stderr()).contains(frozen.file().getFileName() + " (").contains("5 data files uploaded");

        String target = "wide_thawed_" + System.nanoTime();
        Runner.Result r = Runner.run(env(), restoreArgs(bucket, target, dir).toArray(String[]::new));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(contents(target)).isEqualTo(contents(database));
    }

    @Test
    void aPgDumpWorkerKilledAfterOtherTablesWentUpLeavesNoCompleteLookingBackup(@TempDir Path dir) throws Exception {
        String bucket = newBucket("killed");
        Running run = Running.start(backupArgs(bucket, dir));
        Frozen frozen = freezeTheWorkerWritingTheLargestFile(run, dir);
        await(() -> run.count("finished, uploaded and removed") == 4, Duration.ofSeconds(60), run);
        signal("KILL", frozen.pid());
        Runner.Result b = run.await();
        assertThat(b.exitCode()).as(b.toString()).isNotZero();
        assertThat(RunnerResult.parse(b.terminationMessage()).reason()).isEqualTo("DumpFailed");
        assertThat(s3.keys(bucket))
                .as("tables already uploaded must not become a backup")
                .noneMatch(k -> k.endsWith("manifest.json"))
                .noneMatch(k -> k.contains("dump."));
        Runner.Result listed = Runner.run(
                env(), "list", "--from", "s3://" + bucket + "/t", "--endpoint", s3.endpoint(), "--path-style");
        assertThat(listed.stdout().lines().skip(1).toList()).allMatch(l -> l.contains("INCOMPLETE"));
        assertNoScratchLeft(dir);
    }

    private record Frozen(long pid, Path file) {}

    /** Waits for a data file past 4 MiB (only the big table's gets there), finds the pg_dump process holding it open and stops it. */
    private static Frozen freezeTheWorkerWritingTheLargestFile(Running run, Path workDir) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            Optional<Path> growing = largestDataFile(workDir);
            if (growing.isPresent() && Files.size(growing.get()) > 4 * 1024 * 1024) {
                for (ProcessHandle h : run.process().descendants().toList()) {
                    if (holdsOpen(h.pid(), growing.get())) {
                        signal("STOP", h.pid());
                        if (holdsOpen(h.pid(), growing.get())) {
                            return new Frozen(h.pid(), growing.get());
                        }
                        signal("CONT", h.pid()); // it closed the file in between: try again
                    }
                }
            }
            if (!run.process().isAlive()) {
                break;
            }
            Thread.sleep(5);
        }
        throw new AssertionError("no pg_dump worker caught writing a data file:\n" + String.join("\n", run.lines()));
    }

    private static Optional<Path> largestDataFile(Path workDir) throws IOException {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.walk(workDir)) {
            s.filter(p -> p.getFileName().toString().matches("\\d+\\.dat")).forEach(files::add);
        }
        Path best = null;
        long bestSize = -1;
        for (Path f : files) {
            try {
                long size = Files.size(f);
                if (size > bestSize) {
                    best = f;
                    bestSize = size;
                }
            } catch (IOException gone) {
                // uploaded and removed meanwhile
            }
        }
        return Optional.ofNullable(best);
    }

    private static boolean holdsOpen(long pid, Path file) {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return fds.anyMatch(fd -> {
                try {
                    return Files.readSymbolicLink(fd).equals(file.toRealPath());
                } catch (IOException e) {
                    return false;
                }
            });
        } catch (IOException e) {
            return false;
        }
    }

    private static void signal(String signal, long pid) throws Exception {
        Process k = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start();
        assertThat(k.waitFor()).as("kill -" + signal + " " + pid).isZero();
    }

    /** A runner whose stderr is read line by line as it runs. */
    private record Running(Process process, Path log, List<String> lines, Thread reader) {
        static Running start(List<String> args) throws IOException {
            Path log = Files.createTempFile("termination-", ".log");
            Process p = Runner.start(env(), args, log);
            List<String> lines = new CopyOnWriteArrayList<>();
            Thread t = new Thread(() -> {
                try (BufferedReader r =
                        new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                    for (String l = r.readLine(); l != null; l = r.readLine()) {
                        lines.add(l);
                    }
                } catch (IOException e) {
                    // the process ended
                }
            });
            t.setDaemon(true);
            t.start();
            return new Running(p, log, lines, t);
        }

        long count(String fragment) {
            return lines.stream().filter(l -> l.contains(fragment)).count();
        }

        Runner.Result await() throws Exception {
            Runner.Result r = Runner.await(process, log, false); // stderr is this reader's alone
            reader.join(10_000);
            Files.deleteIfExists(log);
            return new Runner.Result(r.exitCode(), r.stdout(), String.join("\n", lines), r.terminationMessage());
        }
    }

    private static void await(BooleanSupplier condition, Duration timeout, Running run) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline || !run.process().isAlive()) {
                throw new AssertionError("condition not met; runner said:\n" + String.join("\n", run.lines()));
            }
            Thread.sleep(20);
        }
    }

    private static List<String> backupArgs(String bucket, Path workDir) {
        return List.of(
                "backup",
                "--database",
                pg.url(database),
                "--to",
                "s3://" + bucket + "/t",
                "--endpoint",
                s3.endpoint(),
                "--path-style",
                "--format",
                "directory",
                "--jobs",
                "2",
                "--work-dir",
                workDir.toString(),
                "--progress-interval",
                "0");
    }

    private static List<String> restoreArgs(String bucket, String target, Path workDir) {
        return List.of(
                "restore",
                "--from",
                "s3://" + bucket + "/t",
                "latest",
                "--database",
                pg.url(target),
                "--endpoint",
                s3.endpoint(),
                "--path-style",
                "--work-dir",
                workDir.toString(),
                "--jobs",
                "2");
    }

    private static void assertNoScratchLeft(Path dir) throws IOException {
        try (Stream<Path> leftovers = Files.list(dir)) {
            assertThat(leftovers.filter(p -> p.getFileName().toString().startsWith("pg_dump-")))
                    .as("the scratch folder is removed")
                    .isEmpty();
        }
    }

    private static Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("PGPASSWORD", PostgresServer.PASSWORD);
        for (String kv : s3.env()) {
            env.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        }
        return env;
    }

    private static String newBucket(String hint) {
        String bucket = hint + "-" + System.nanoTime();
        s3.createBucket(bucket);
        return bucket;
    }

    /** Per-table row count and content hash, plus the large objects, so two databases compare by content. */
    private static Map<String, String> contents(String db) throws Exception {
        Map<String, String> result = new TreeMap<>();
        try (Connection c = pg.connect(db);
                Statement s = c.createStatement()) {
            for (String table : TABLES) {
                try (ResultSet rs =
                        s.executeQuery("SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
                                + " FROM " + table + " t")) {
                    rs.next();
                    result.put(table, rs.getLong(1) + ":" + rs.getString(2));
                }
            }
            try (ResultSet rs = s.executeQuery(
                    "SELECT count(*), string_agg(convert_from(lo_get(oid), 'UTF8'), '|') FROM pg_largeobject_metadata")) {
                rs.next();
                result.put("large objects", rs.getLong(1) + ":" + rs.getString(2));
            }
        }
        return result;
    }
}
