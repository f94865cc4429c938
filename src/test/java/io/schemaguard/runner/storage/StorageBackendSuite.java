package io.schemaguard.runner.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.schemaguard.contract.FailureReason;
import io.schemaguard.contract.RunnerResult;
import io.schemaguard.runner.Streams;
import io.schemaguard.runner.pipeline.Compressors;
import io.schemaguard.testing.ObjectStorageServer;
import io.schemaguard.testing.Ports;
import io.schemaguard.testing.PostgresServer;
import io.schemaguard.testing.Runner;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
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
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The runner's storage cases, run on each backend by a subclass that starts its real server: a
 * backup in several parts restored to equal table contents, listed and verified; wrong credentials;
 * a missing bucket or container and an endpoint where nothing listens; a flipped byte found by
 * {@code verify}; the server killed mid-upload leaving nothing that looks like a backup; and the orphan
 * scan seeing what a killed upload left. The real PostgreSQL, pg_dump and pg_restore, as everywhere.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class StorageBackendSuite {

    private PostgresServer pg;
    private ObjectStorageServer storage;
    private String database;

    /** Starts this backend's server (a fresh one each call: the kill test takes its own). */
    protected abstract ObjectStorageServer startServer();

    @BeforeAll
    void servers() {
        pg = PostgresServer.shared();
        storage = startServer();
        database = pg.createDatabase("suite");
        pg.execute(
                database,
                "CREATE TABLE orders (id bigserial PRIMARY KEY, customer_reference text, total numeric(12,2), note text)",
                "INSERT INTO orders (customer_reference, total, note) SELECT 'ref-' || g, g * 1.25,"
                        + " CASE WHEN g % 3 = 0 THEN NULL ELSE md5(g::text) END FROM generate_series(1, 20000) g",
                // incompressible, so even after zstd the dump needs several 5 MiB parts or blocks
                "CREATE TABLE attachments (id int PRIMARY KEY, body bytea)",
                "INSERT INTO attachments SELECT g, decode(string_agg(md5(random()::text || x), ''), 'hex')"
                        + " FROM generate_series(1, 400) g, generate_series(1, 3000) x GROUP BY g",
                "ANALYZE");
    }

    @AfterAll
    void stop() {
        if (storage != null) {
            storage.close();
        }
    }

    private Map<String, String> env(ObjectStorageServer server, Map<String, String> credentials) {
        Map<String, String> env = new HashMap<>(credentials);
        env.put("PGPASSWORD", PostgresServer.PASSWORD);
        return env;
    }

    private Runner.Result run(ObjectStorageServer server, Map<String, String> credentials, List<String> args) {
        List<String> all = new ArrayList<>(args);
        all.addAll(server.runnerArgs());
        return Runner.run(env(server, credentials), all.toArray(String[]::new));
    }

    private Runner.Result run(String... args) {
        return run(storage, storage.runnerEnv(), List.of(args));
    }

    private String newBucket(String hint) {
        String bucket = hint + "-" + System.nanoTime();
        storage.createBucket(bucket);
        return bucket;
    }

    @Test
    void aBackupInSeveralPartsRestoresToEqualTables() throws Exception {
        String bucket = newBucket("parts");
        String location = storage.location(bucket, "team");
        Runner.Result r = run(
                "backup", "--database", pg.url(database), "--to", location, "--part-size", "5MiB", "--exact-counts");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        RunnerResult result = RunnerResult.parse(r.terminationMessage());
        assertThat(r.stderr()).containsPattern("stored [0-9.]+ MiB in [4-9] parts");

        List<String> keys = storage.keys(bucket);
        String dumpKey = keys.stream()
                .filter(k -> k.endsWith("dump.pgdump.zst"))
                .findFirst()
                .orElseThrow();
        assertThat(keys).contains(dumpKey.replace("dump.pgdump.zst", "manifest.json"));
        assertThat(result.location()).isEqualTo(storage.scheme() + "://" + bucket + "/" + dumpKey);
        byte[] stored = storage.get(bucket, dumpKey);
        assertThat(stored.length).isGreaterThan(3 * 5 * 1024 * 1024);
        assertThat(result.sha256())
                .isEqualTo(Streams.hash(new ByteArrayInputStream(stored)).sha256());
        assertThat(Compressors.decompress(
                                io.schemaguard.api.CompressionAlgorithm.ZSTD, new ByteArrayInputStream(stored))
                        .readNBytes(5))
                .as("a pg_dump custom archive")
                .isEqualTo("PGDMP".getBytes());

        Runner.Result listed = run("list", "--from", location);
        assertThat(listed.exitCode()).as(listed.toString()).isZero();
        assertThat(listed.stdout()).contains(result.backupId()).contains("complete");
        Runner.Result verified = run("verify", "--from", location, result.backupId());
        assertThat(verified.exitCode()).as(verified.toString()).isZero();
        assertThat(verified.stdout()).startsWith("OK ");

        String target = "suite_restored_" + System.nanoTime();
        Runner.Result restored = run("restore", "--from", location, result.backupId(), "--database", pg.url(target));
        assertThat(restored.exitCode()).as(restored.toString()).isZero();
        assertThat(RunnerResult.parse(restored.terminationMessage()).rowCheck()).isEqualTo("exact");
        assertThat(contents(target)).isEqualTo(contents(database));

        // delete takes exactly this backup's objects, and a second delete finds nothing left to take
        String folder = dumpKey.substring(0, dumpKey.lastIndexOf('/') + 1);
        Runner.Result deleted = run("delete", "--from", location, result.backupId());
        assertThat(deleted.exitCode()).as(deleted.toString()).isZero();
        assertThat(deleted.stdout()).startsWith("deleted ");
        assertThat(storage.keys(bucket)).noneMatch(k -> k.startsWith(folder));
        Runner.Result again = run("delete", "--from", location, result.backupId());
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(again.stdout()).startsWith("nothing to delete");
    }

    @Test
    void wrongCredentialsAreAccessDenied() {
        Runner.Result r = run(
                storage,
                storage.wrongCredentialsEnv(),
                List.of("backup", "--database", pg.url(database), "--to", storage.location(newBucket("badkey"), "")));
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(FailureReason.StorageAccessDenied.exitCode());
        assertThat(RunnerResult.parse(r.terminationMessage()).reason()).isEqualTo("StorageAccessDenied");
        assertThat(r.stderr()).contains("access denied").contains("check the storage credentials");
        assertThat(r.stderr().lines().filter(l -> l.contains(" error: ")).count())
                .as("one error line")
                .isEqualTo(1);
    }

    @Test
    void aMissingBucketAndAnEndpointWhereNothingListensAreNamed() {
        Runner.Result missing =
                run("backup", "--database", pg.url(database), "--to", storage.location("no-such-bucket", ""));
        assertThat(RunnerResult.parse(missing.terminationMessage()).reason())
                .as(missing.toString())
                .isEqualTo("BucketNotFound");
        assertThat(missing.stderr()).contains("'no-such-bucket' does not exist");

        List<String> args = new ArrayList<>(
                List.of("backup", "--database", pg.url(database), "--to", storage.location("x-bucket", "")));
        args.addAll(storage.runnerArgsForClosedPort(Ports.free()));
        long start = System.nanoTime();
        Runner.Result unreachable = Runner.run(env(storage, storage.runnerEnv()), args.toArray(String[]::new));
        assertThat(RunnerResult.parse(unreachable.terminationMessage()).reason())
                .as(unreachable.toString())
                .isEqualTo("StorageUnreachable");
        assertThat(unreachable.stderr()).contains("unreachable");
        assertThat(Duration.ofNanos(System.nanoTime() - start))
                .as("named after a few quick retries, not minutes of them")
                .isLessThan(Duration.ofSeconds(90));
    }

    @Test
    void verifyFindsAFlippedByte() {
        String bucket = newBucket("flip");
        String location = storage.location(bucket, "");
        Runner.Result r = run("backup", "--database", pg.url(database), "--to", location);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        String id = RunnerResult.parse(r.terminationMessage()).backupId();
        String dumpKey = storage.keys(bucket).stream()
                .filter(k -> k.contains("dump."))
                .findFirst()
                .orElseThrow();
        byte[] bytes = storage.get(bucket, dumpKey);
        bytes[bytes.length / 2] ^= 0x01;
        storage.put(bucket, dumpKey, bytes);

        Runner.Result verified = run("verify", "--from", location, id);
        assertThat(verified.exitCode()).as(verified.toString()).isEqualTo(FailureReason.ChecksumMismatch.exitCode());
        assertThat(RunnerResult.parse(verified.terminationMessage()).reason()).isEqualTo("ChecksumMismatch");
    }

    @Test
    void storageKilledMidUploadLeavesNothingThatLooksLikeABackup() throws Exception {
        try (ObjectStorageServer own = startServer()) {
            own.createBucket("cut");
            String location = own.location("cut", "p");
            Path log = Files.createTempFile("termination-", ".log");
            List<String> args = new ArrayList<>(List.of(
                    "backup",
                    "--database",
                    pg.url(database),
                    "--to",
                    location,
                    "--part-size",
                    "5MiB",
                    "--compression-level",
                    "12",
                    "--compression-threads",
                    "0",
                    "--progress-interval",
                    "100ms"));
            args.addAll(own.runnerArgs());
            Process p = Runner.start(env(own, own.runnerEnv()), args, log);
            // cut as soon as the first part is on its way, so later parts and the commit must fail
            awaitLine(p, Pattern.compile("stored ([5-9]|[1-9][0-9])\\.[0-9] MiB"), Duration.ofSeconds(60));
            own.kill();
            Runner.Result r = Runner.await(p, log);
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(FailureReason.StorageUnreachable.exitCode());
            assertThat(RunnerResult.parse(r.terminationMessage()).reason()).isIn("StorageUnreachable", "StorageError");

            own.restart();
            assertThat(own.keys("cut"))
                    .as("no object may look complete")
                    .noneMatch(k -> k.endsWith("manifest.json"))
                    .noneMatch(k -> k.contains("dump."));
            List<String> listArgs = new ArrayList<>(List.of("list", "--from", location));
            listArgs.addAll(own.runnerArgs());
            Runner.Result listed = Runner.run(env(own, own.runnerEnv()), listArgs.toArray(String[]::new));
            assertThat(listed.exitCode()).as(listed.toString()).isZero();
            assertThat(listed.stdout().lines().skip(1).toList()).allMatch(l -> l.contains("INCOMPLETE"));
            Files.deleteIfExists(log);
        }
    }

    /**
     * Whether the store can list uploads that were started and never finished (S3 multipart uploads,
     * Azure's uncommitted blocks). GCS cannot: its resumable sessions are invisible and expire.
     */
    protected boolean listsUnfinishedUploads() {
        return true;
    }

    @Test
    void anUploadAKilledRunnerLeftIsFoundByTheOrphanScanAndAborted() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                listsUnfinishedUploads(), "this store cannot list unfinished uploads");
        String bucket = newBucket("leaks");
        String location = storage.location(bucket, "");
        Path log = Files.createTempFile("termination-", ".log");
        List<String> args = new ArrayList<>(List.of(
                "backup",
                "--database",
                pg.url(database),
                "--to",
                location,
                "--namespace",
                "leaks",
                "--part-size",
                "5MiB",
                "--compression-level",
                "12",
                "--compression-threads",
                "0",
                "--progress-interval",
                "100ms"));
        args.addAll(storage.runnerArgs());
        Process p = Runner.start(env(storage, storage.runnerEnv()), args, log);
        awaitLine(p, Pattern.compile("stored ([5-9]|[1-9][0-9])\\.[0-9] MiB"), Duration.ofSeconds(60));
        // the first part is on its way: wait until the store shows the upload, then kill the runner
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Runner.Result scan;
        do {
            scan = run("orphans", "--from", location, "--namespace", "leaks", "--known=");
            assertThat(System.nanoTime()).as("the upload never showed: " + scan).isLessThan(deadline);
        } while (!scan.stdout().contains("1 unfinished uploads") && p.isAlive());
        p.destroyForcibly().waitFor();
        Files.deleteIfExists(log);
        assertThat(scan.stdout()).contains("UNFINISHED leaks/").contains("1 unfinished uploads");
        assertThat(storage.keys(bucket)).as("nothing visible").noneMatch(k -> k.contains("dump."));

        Runner.Result young = run(
                "orphans", "--from", location, "--namespace", "leaks", "--known=", "--abort-unfinished-after", "1h");
        assertThat(young.stdout()).as("a young upload may still be running").contains("(0 aborted)");
        Runner.Result old = run(
                "orphans", "--from", location, "--namespace", "leaks", "--known=", "--abort-unfinished-after", "0s");
        assertThat(old.stdout()).as(old.toString()).contains("ABORTED  leaks/").contains("(1 aborted)");
        assertThat(run("orphans", "--from", location, "--namespace", "leaks", "--known=")
                        .stdout())
                .contains("0 unfinished uploads");
    }

    private static String awaitLine(Process p, Pattern marker, Duration timeout) throws Exception {
        var reader = new BufferedReader(new InputStreamReader(p.getErrorStream()));
        var future = CompletableFuture.supplyAsync(() -> {
            try {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    if (marker.matcher(line).find()) {
                        return line;
                    }
                }
                return "";
            } catch (IOException e) {
                return "";
            }
        });
        return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Per-table row count and content hash, so two databases compare by content. */
    private Map<String, String> contents(String db) throws Exception {
        Map<String, String> result = new TreeMap<>();
        try (Connection c = pg.connect(db);
                Statement s = c.createStatement()) {
            for (String table : List.of("orders", "attachments")) {
                try (ResultSet rs =
                        s.executeQuery("SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
                                + " FROM " + table + " t")) {
                    rs.next();
                    result.put(table, rs.getLong(1) + ":" + rs.getString(2));
                }
            }
        }
        return result;
    }
}
