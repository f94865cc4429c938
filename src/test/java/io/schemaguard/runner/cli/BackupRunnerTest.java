package io.schemaguard.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.schemaguard.api.CompressionAlgorithm;
import io.schemaguard.contract.FailureReason;
import io.schemaguard.contract.RunnerResult;
import io.schemaguard.runner.Streams;
import io.schemaguard.runner.pipeline.Compressors;
import io.schemaguard.runner.storage.BackupManifest;
import io.schemaguard.testing.Ports;
import io.schemaguard.testing.PostgresServer;
import io.schemaguard.testing.Runner;
import io.schemaguard.testing.S3Server;
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
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runner end to end against a real PostgreSQL server, a real S3-compatible server process and
 * the real pg_dump / pg_restore / psql: what is stored restores to the same data, and every failure
 * is a clean, classified failure that leaves nothing that looks like a backup.
 */
class BackupRunnerTest {
    static PostgresServer pg;
    static S3Server s3;
    static String database;

    @BeforeAll
    static void servers() {
        pg = PostgresServer.shared();
        s3 = S3Server.shared();
        database = pg.createDatabase("shop");
        pg.execute(
                database,
                "CREATE TABLE orders (id bigserial PRIMARY KEY, customer text NOT NULL, total numeric(12,2),"
                        + " created_at timestamptz DEFAULT now(), note text)",
                "INSERT INTO orders (customer, total, note) SELECT 'customer-' || g, g * 1.25,"
                        + " CASE WHEN g % 3 = 0 THEN NULL ELSE md5(g::text) END FROM generate_series(1, 20000) g",
                // incompressible payload so the dump needs several 5 MiB multipart parts even after zstd
                "CREATE TABLE attachments (id int PRIMARY KEY, body bytea)",
                "INSERT INTO attachments SELECT g, decode(string_agg(md5(random()::text || x), ''), 'hex')"
                        + " FROM generate_series(1, 400) g, generate_series(1, 3000) x GROUP BY g",
                "CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 100",
                "ANALYZE");
    }

    private static Map<String, String> env(String... extra) {
        Map<String, String> env = new HashMap<>();
        env.put("PGPASSWORD", PostgresServer.PASSWORD);
        for (String kv : s3.env()) {
            env.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        }
        for (String kv : extra) {
            env.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        }
        return env;
    }

    private static String newBucket(String hint) {
        String bucket = hint + "-" + System.nanoTime();
        s3.createBucket(bucket);
        return bucket;
    }

    @Test
    void backupToS3InSeveralPartsRestoresToIdenticalData() throws Exception {
        String bucket = newBucket("multipart");
        Runner.Result r = Runner.run(
                env(),
                "backup",
                "--database",
                pg.url(database),
                "--to",
                "s3://" + bucket + "/team",
                "--endpoint",
                s3.endpoint(),
                "--path-style",
                "--part-size",
                "5MiB",
                "--namespace",
                "shop-prod");
        assertThat(r.exitCode()).as(r.toString()).isZero();

        RunnerResult result = RunnerResult.parse(r.terminationMessage());
        assertThat(result).isNotNull();
        assertThat(result.succeeded()).isTrue();
        List<String> keys = s3.keys(bucket);
        assertThat(keys).hasSize(2);
        String dumpKey = keys.stream()
                .filter(k -> k.endsWith("dump.pgdump.zst"))
                .findFirst()
                .orElseThrow();
        assertThat(dumpKey).matches("team/shop-prod/" + database + "/\\d{8}T\\d{6}Z-[0-9a-f]{8}/dump\\.pgdump\\.zst");
        assertThat(result.location()).isEqualTo("s3://" + bucket + "/" + dumpKey);

        byte[] stored = s3.get(bucket, dumpKey);
        assertThat(stored.length).as("several 5 MiB parts").isGreaterThan(3 * 5 * 1024 * 1024);
        assertThat(r.stderr()).containsPattern("stored [0-9.]+ MiB in [4-9] parts");
        assertThat(result.sha256())
                .isEqualTo(Streams.hash(new ByteArrayInputStream(stored)).sha256());
        assertThat(result.sizeBytes()).isEqualTo(stored.length);

        BackupManifest manifest =
                BackupManifest.fromJson(s3.get(bucket, dumpKey.replace("dump.pgdump.zst", "manifest.json")));
        assertThat(manifest.sha256()).isEqualTo(result.sha256());
        assertThat(manifest.database()).isEqualTo(database);
        assertThat(manifest.format()).isEqualTo("custom");
        assertThat(manifest.compression()).isEqualTo("zstd");
        assertThat(manifest.serverVersion())
                .startsWith(pg.client("postgres", List.of("--version"), null).replaceAll("\\D*(\\d+).*\\s*", "$1"));
        assertThat(manifest.tables()).extracting(BackupManifest.TableRows::name).contains("orders", "attachments");
        assertThat(manifest.tables())
                .filteredOn(t -> t.name().equals("orders"))
                .first()
                .extracting(BackupManifest.TableRows::rowEstimate)
                .isEqualTo(20000L);

        // the object is a complete, real dump: pg_restore it and compare contents
        byte[] dump = Compressors.decompress(CompressionAlgorithm.ZSTD, new ByteArrayInputStream(stored))
                .readAllBytes();
        String restored = pg.createDatabase("restored");
        pg.client("pg_restore", List.of("--exit-on-error", "--no-owner", "-d", restored), dump);
        assertThat(fingerprint(restored)).isEqualTo(fingerprint(database));

        Runner.Result listed = Runner.run(
                env(), "list", "--from", "s3://" + bucket + "/team", "--endpoint", s3.endpoint(), "--path-style");
        assertThat(listed.exitCode()).as(listed.toString()).isZero();
        assertThat(listed.stdout())
                .contains(manifest.backupId())
                .contains("complete")
                .contains(result.sha256().substring(0, 12));

        Runner.Result verified = Runner.run(
                env(),
                "verify",
                "--from",
                "s3://" + bucket + "/team",
                "--endpoint",
                s3.endpoint(),
                "--path-style",
                manifest.backupId());
        assertThat(verified.exitCode()).as(verified.toString()).isZero();
        assertThat(verified.stdout()).startsWith("OK ");
    }

    @Test
    void everyFormatAndCompressionToADirectoryRestores(@TempDir Path dir) throws Exception {
        record Case(String format, String compression, String ext) {}
        for (Case c : List.of(
                new Case("plain", "gzip", "dump.sql.gz"),
                new Case("custom", "none", "dump.pgdump"),
                new Case("directory", "zstd", "dump.tar.zst"))) {
            Path target = dir.resolve(c.format() + "-" + c.compression());
            List<String> args = new ArrayList<>(List.of(
                    "backup",
                    "--database",
                    pg.url(database),
                    "--to",
                    target.toString(),
                    "--format",
                    c.format(),
                    "--compression",
                    c.compression()));
            if (c.format().equals("directory")) {
                args.addAll(List.of("--jobs", "2", "--work-dir", dir.toString()));
            }
            Runner.Result r = Runner.run(env(), args.toArray(String[]::new));
            assertThat(r.exitCode()).as(c + " " + r).isZero();
            Path dump;
            try (var files = Files.walk(target)) {
                dump = files.filter(p -> p.getFileName().toString().equals(c.ext()))
                        .findFirst()
                        .orElseThrow();
            }
            Runner.Result verified = Runner.run(
                    env(),
                    "verify",
                    "--from",
                    target.toString(),
                    dump.getParent().getFileName().toString());
            assertThat(verified.exitCode()).as(verified.toString()).isZero();

            String restored = pg.createDatabase("restored_" + c.format());
            byte[] raw = Compressors.decompress(CompressionAlgorithm.parse(c.compression()), Files.newInputStream(dump))
                    .readAllBytes();
            switch (c.format()) {
                case "plain" -> pg.client("psql", List.of("-v", "ON_ERROR_STOP=1", "-q", "-d", restored), raw);
                case "custom" -> pg.client("pg_restore", List.of("--exit-on-error", "-d", restored), raw);
                default -> {
                    Path untarred = dir.resolve("untar-" + System.nanoTime());
                    Files.createDirectories(untarred);
                    try (var tar = new TarArchiveInputStream(new ByteArrayInputStream(raw))) {
                        for (var e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                            Files.copy(tar, untarred.resolve(e.getName()));
                        }
                    }
                    pg.client(
                            "pg_restore",
                            List.of("--exit-on-error", "-j", "2", "-d", restored, untarred.toString()),
                            null);
                }
            }
            assertThat(fingerprint(restored)).as(c.toString()).isEqualTo(fingerprint(database));
            assertThat(Files.list(dump.getParent()).map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder(c.ext(), "manifest.json");
        }
        try (var leftovers = Files.list(dir)) {
            assertThat(leftovers.filter(p -> p.getFileName().toString().startsWith("pg_dump-")))
                    .as("directory-format scratch space is removed")
                    .isEmpty();
        }
    }

    @Test
    void wrongDatabasePasswordFailsCleanly() {
        String bucket = newBucket("badpw");
        Runner.Result r = Runner.run(
                env("PGPASSWORD=wrong"),
                "backup",
                "--database",
                pg.url(database),
                "--to",
                "s3://" + bucket,
                "--endpoint",
                s3.endpoint(),
                "--path-style");
        assertThat(r.exitCode()).isEqualTo(FailureReason.AuthenticationFailed.exitCode());
        RunnerResult result = RunnerResult.parse(r.terminationMessage());
        assertThat(result.reason()).isEqualTo("AuthenticationFailed");
        assertThat(result.message())
                .contains("authentication failed for user 'postgres'")
                .doesNotContain("wrong");
        assertThat(r.stderr().lines().filter(l -> l.contains("error:"))).hasSize(1);
        assertThat(s3.keys(bucket)).isEmpty();
    }

    @Test
    void wrongStorageCredentialsFailCleanly() {
        Runner.Result r = Runner.run(
                env("AWS_SECRET_ACCESS_KEY=not-the-secret"),
                "backup",
                "--database",
                pg.url(database),
                "--to",
                "s3://" + newBucket("badkey"),
                "--endpoint",
                s3.endpoint(),
                "--path-style");
        assertThat(r.exitCode()).isEqualTo(4);
        assertThat(RunnerResult.parse(r.terminationMessage()).reason()).isEqualTo("StorageAccessDenied");
        assertThat(r.stderr()).contains("access denied").contains("check the storage credentials");
    }

    @Test
    void missingBucketUnreachableStorageAndUnreachableDatabaseAreNamed() {
        Runner.Result noBucket = Runner.run(
                env(),
                "backup",
                "--database",
                pg.url(database),
                "--to",
                "s3://no-such-bucket",
                "--endpoint",
                s3.endpoint(),
                "--path-style");
        assertThat(RunnerResult.parse(noBucket.terminationMessage()).reason()).isEqualTo("BucketNotFound");
        assertThat(noBucket.stderr()).contains("bucket 'no-such-bucket' does not exist");

        int closedPort = Ports.free();
        Runner.Result noStorage = Runner.run(
                env(),
                "backup",
                "--database",
                pg.url(database),
                "--to",
                "s3://x-bucket",
                "--endpoint",
                "http://127.0.0.1:" + closedPort,
                "--path-style");
        assertThat(RunnerResult.parse(noStorage.terminationMessage()).reason()).isEqualTo("StorageUnreachable");
        assertThat(noStorage.stderr()).contains("unreachable");

        Runner.Result noDatabase = Runner.run(
                env(),
                "backup",
                "--database",
                "postgresql://postgres@127.0.0.1:" + closedPort + "/x",
                "--to",
                "s3://x-bucket",
                "--endpoint",
                s3.endpoint(),
                "--path-style");
        assertThat(noDatabase.exitCode()).isEqualTo(3);
        assertThat(RunnerResult.parse(noDatabase.terminationMessage()).reason()).isEqualTo("DatabaseUnreachable");
        assertThat(noDatabase.stderr()).contains("connection refused");

        Runner.Result noSuchDb = Runner.run(
                env(),
                "backup",
                "--database",
                pg.url("does_not_exist"),
                "--to",
                "s3://x-bucket",
                "--endpoint",
                s3.endpoint(),
                "--path-style");
        assertThat(RunnerResult.parse(noSuchDb.terminationMessage()).reason()).isEqualTo("DatabaseNotFound");
    }

    @Test
    void aFullDiskIsNamedAndLeavesNoPartialFile(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(
                "root".equals(System.getProperty("user.name")),
                "mounting a tiny tmpfs needs root (CI and sessions run as root)");
        Path tiny = dir.resolve("tiny");
        Files.createDirectories(tiny);
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", tiny.toString())
                .inheritIO()
                .start();
        assertThat(mount.waitFor()).isZero();
        try {
            Runner.Result r = Runner.run(env(), "backup", "--database", pg.url(database), "--to", tiny.toString());
            assertThat(r.exitCode()).isEqualTo(4);
            assertThat(RunnerResult.parse(r.terminationMessage()).reason()).isEqualTo("StorageFull");
            assertThat(r.stderr()).contains("no space left on device");
            try (var files = Files.walk(tiny)) {
                assertThat(files.filter(Files::isRegularFile))
                        .as("no partial or complete dump remains")
                        .isEmpty();
            }
        } finally {
            new ProcessBuilder("umount", tiny.toString()).inheritIO().start().waitFor();
        }
    }

    @Test
    void passwordOnTheCommandLineIsRefused() {
        Runner.Result r = Runner.run(
                env(),
                "backup",
                "--database",
                "postgresql://postgres:" + PostgresServer.PASSWORD + "@127.0.0.1:" + pg.port() + "/" + database,
                "--to",
                "s3://x",
                "--endpoint",
                s3.endpoint());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(RunnerResult.parse(r.terminationMessage()).reason()).isEqualTo("InvalidArguments");
        assertThat(r.stderr()).contains("PGPASSWORD");
    }

    @Test
    void pgDumpOlderThanTheServerIsRefusedBeforeDumping(@TempDir Path fakeBin) throws Exception {
        // A pg_dump that claims to be 9.6: the runner must refuse it from the version alone.
        Path fake = fakeBin.resolve("pg_dump");
        Files.writeString(fake, "#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n");
        fake.toFile().setExecutable(true);
        String bucket = newBucket("oldtool");
        Runner.Result r = Runner.run(
                env(),
                "backup",
                "--database",
                pg.url(database),
                "--to",
                "s3://" + bucket,
                "--endpoint",
                s3.endpoint(),
                "--path-style",
                "--pg-bin",
                fakeBin.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(RunnerResult.parse(r.terminationMessage()).reason()).isEqualTo("PgToolTooOld");
        assertThat(r.stderr()).contains("pg_dump 9.6 is older than the server");
        assertThat(s3.keys(bucket)).isEmpty();
    }

    @Test
    void verifyDetectsAFlippedByteAndAMissingManifest() {
        String bucket = newBucket("corrupt");
        Runner.Result r = Runner.run(
                env(),
                "backup",
                "--database",
                pg.url(database),
                "--to",
                "s3://" + bucket,
                "--endpoint",
                s3.endpoint(),
                "--path-style");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        String id = RunnerResult.parse(r.terminationMessage()).backupId();
        String dumpKey = s3.keys(bucket).stream()
                .filter(k -> k.contains("dump."))
                .findFirst()
                .orElseThrow();

        byte[] bytes = s3.get(bucket, dumpKey);
        bytes[bytes.length / 2] ^= 0x01;
        s3.put(bucket, dumpKey, bytes);
        Runner.Result verified = Runner.run(
                env(), "verify", "--from", "s3://" + bucket, "--endpoint", s3.endpoint(), "--path-style", id);
        assertThat(verified.exitCode()).isEqualTo(FailureReason.ChecksumMismatch.exitCode());
        assertThat(RunnerResult.parse(verified.terminationMessage()).reason()).isEqualTo("ChecksumMismatch");

        s3.delete(bucket, dumpKey.replace(dumpKey.substring(dumpKey.lastIndexOf('/') + 1), "manifest.json"));
        Runner.Result listed =
                Runner.run(env(), "list", "--from", "s3://" + bucket, "--endpoint", s3.endpoint(), "--path-style");
        assertThat(listed.stdout()).contains(id).contains("INCOMPLETE").doesNotContain("complete\n");
        Runner.Result incomplete = Runner.run(
                env(), "verify", "--from", "s3://" + bucket, "--endpoint", s3.endpoint(), "--path-style", id);
        assertThat(RunnerResult.parse(incomplete.terminationMessage()).reason()).isEqualTo("ManifestInvalid");
    }

    @Test
    void storageKilledMidUploadLeavesNoCompleteBackup() throws Exception {
        try (S3Server own = S3Server.start()) {
            own.createBucket("cut");
            Map<String, String> env = env();
            env.putAll(Map.of("AWS_ACCESS_KEY_ID", S3Server.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", S3Server.SECRET_KEY));
            Path log = Files.createTempFile("termination-", ".log");
            // zstd level 12 keeps the upload going for a couple of seconds; the storage is cut as soon
            // as the first 5 MiB part is on its way, so later parts and the completion must fail.
            Process p = Runner.start(
                    env,
                    List.of(
                            "backup",
                            "--database",
                            pg.url(database),
                            "--to",
                            "s3://cut/p",
                            "--endpoint",
                            own.endpoint(),
                            "--path-style",
                            "--part-size",
                            "5MiB",
                            "--compression-level",
                            "12",
                            "--compression-threads",
                            "0",
                            "--progress-interval",
                            "100ms"),
                    log);
            String progress =
                    awaitLine(p, Pattern.compile("stored ([5-9]|[1-9][0-9])\\.[0-9] MiB"), Duration.ofSeconds(60));
            assertThat(progress).contains("progress:");
            own.kill();
            Runner.Result r = Runner.await(p, log);
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(4);
            assertThat(RunnerResult.parse(r.terminationMessage()).reason()).isIn("StorageUnreachable", "StorageError");

            own.restart();
            assertThat(own.keys("cut"))
                    .as("no object may look complete")
                    .noneMatch(k -> k.endsWith("manifest.json"))
                    .noneMatch(k -> k.contains("dump."));
            Runner.Result listed =
                    Runner.run(env, "list", "--from", "s3://cut/p", "--endpoint", own.endpoint(), "--path-style");
            // what a killed upload leaves (its writer's token) lists as INCOMPLETE, never as a backup
            assertThat(listed.stdout().lines().skip(1).toList()).allMatch(l -> l.contains("INCOMPLETE"));
            Files.deleteIfExists(log);
        }
    }

    /** Reads stderr until a line containing {@code marker}; the rest of the output is drained by await(). */
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

    /** Per-table row count and content hash, ordered, so two databases compare by content. */
    static Map<String, String> fingerprint(String db) throws Exception {
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
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM big_orders")) {
                rs.next();
                result.put("big_orders", Long.toString(rs.getLong(1)));
            }
        }
        return result;
    }
}
