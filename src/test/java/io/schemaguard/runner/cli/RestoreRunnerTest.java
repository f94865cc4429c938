package io.schemaguard.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.schemaguard.contract.RunnerResult;
import io.schemaguard.runner.storage.BackupManifest;
import io.schemaguard.testing.Ports;
import io.schemaguard.testing.PostgresServer;
import io.schemaguard.testing.Runner;
import io.schemaguard.testing.S3Server;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restores compared by content, not exit codes: a database with several schemas, sequences, enums,
 * views, indexes, a large object, unicode identifiers and NULL-heavy rows comes back with an
 * identical {@code pg_dump --schema-only} and equal per-table checksums; and every fault leaves the
 * target as the runner says it does.
 */
class RestoreRunnerTest {
    static PostgresServer pg;
    static S3Server s3;
    static String source;
    static String bucket;
    static String backupId;

    @BeforeAll
    static void richDatabaseAndItsBackup() {
        pg = PostgresServer.shared();
        s3 = S3Server.shared();
        source = pg.createDatabase("rich");
        pg.execute(
                source,
                "CREATE SCHEMA sales",
                "CREATE SCHEMA \"inventário\"",
                "CREATE TYPE sales.order_state AS ENUM ('new', 'paid', 'shipped', 'cancelled')",
                "CREATE SEQUENCE sales.invoice_no START 1000 INCREMENT 7",
                "CREATE TABLE sales.orders (id bigserial PRIMARY KEY, customer_reference text, state sales.order_state"
                        + " NOT NULL DEFAULT 'new', total numeric(12,2), note text, tags text[], created timestamptz,"
                        + " invoice int DEFAULT nextval('sales.invoice_no'))",
                "CREATE INDEX orders_customer_idx ON sales.orders (customer_reference) WHERE customer_reference IS NOT NULL",
                "INSERT INTO sales.orders (customer_reference, state, total, note, tags, created)"
                        + " SELECT CASE WHEN g % 4 = 0 THEN NULL ELSE 'ref-' || g END,"
                        + " (ARRAY['new','paid','shipped','cancelled'])[1 + g % 4]::sales.order_state,"
                        + " CASE WHEN g % 5 = 0 THEN NULL ELSE g * 1.5 END, CASE WHEN g % 2 = 0 THEN NULL ELSE 'ñandú ☃ ' || g END,"
                        + " CASE WHEN g % 3 = 0 THEN NULL ELSE ARRAY['a', 'b'] END,"
                        + " CASE WHEN g % 6 = 0 THEN NULL ELSE timestamptz '2026-01-01' + g * interval '1 minute' END"
                        + " FROM generate_series(1, 5000) g",
                "CREATE TABLE \"inventário\".\"Artículos ü\" (\"código\" text PRIMARY KEY, \"cantidad ☃\" int, sparse1 text,"
                        + " sparse2 text, sparse3 jsonb)",
                "INSERT INTO \"inventário\".\"Artículos ü\" SELECT 'art-' || g, CASE WHEN g % 2 = 0 THEN g END, NULL, NULL,"
                        + " CASE WHEN g % 10 = 0 THEN jsonb_build_object('g', g) END FROM generate_series(1, 2000) g",
                "CREATE VIEW sales.paid_orders AS SELECT id, total FROM sales.orders WHERE state = 'paid'",
                "CREATE MATERIALIZED VIEW sales.totals AS SELECT state, count(*) AS n FROM sales.orders GROUP BY state",
                "CREATE TABLE public.documents (id int PRIMARY KEY, content oid)",
                "INSERT INTO public.documents VALUES (1, lo_from_bytea(0, convert_to(repeat('large object ', 5000), 'UTF8')))",
                "SELECT setval('sales.invoice_no', 424242)",
                "CREATE TABLE public.bulk (id int, payload text)",
                "INSERT INTO public.bulk SELECT g, md5(g::text) || repeat(md5((g * 3)::text), 6) FROM generate_series(1, 250000) g",
                "ANALYZE");
        bucket = "restore-" + System.nanoTime();
        s3.createBucket(bucket);
        Runner.Result r = Runner.run(
                env(),
                "backup",
                "--database",
                pg.url(source),
                "--to",
                "s3://" + bucket,
                "--endpoint",
                s3.endpoint(),
                "--path-style",
                "--exact-counts",
                "--namespace",
                "shop");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        backupId = RunnerResult.parse(r.terminationMessage()).backupId();
    }

    static Map<String, String> env(String... extra) {
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

    private static Runner.Result restore(String target, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "restore",
                "--from",
                "s3://" + bucket,
                backupId,
                "--database",
                pg.url(target),
                "--endpoint",
                s3.endpoint(),
                "--path-style"));
        args.addAll(List.of(more));
        return Runner.run(env(), args.toArray(String[]::new));
    }

    @Test
    void aRichDatabaseComesBackIdentical() throws Exception {
        String target = "rich_restored_" + System.nanoTime();
        Runner.Result r = restore(target);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        RunnerResult result = RunnerResult.parse(r.terminationMessage());
        assertThat(result.rowCheck()).isEqualTo("exact");
        assertThat(result.restoredTables()).isEqualTo(4);
        assertThat(result.restoredRows()).isEqualTo(5000 + 2000 + 1 + 250000);
        assertThat(schema(target)).isEqualTo(schema(source));
        assertThat(contents(target)).isEqualTo(contents(source));
    }

    @Test
    void latestPicksTheNewestBackupOfTheNamedDatabase() {
        String target = "rich_latest_" + System.nanoTime();
        Runner.Result r = Runner.run(
                env(),
                "restore",
                "--from",
                "s3://" + bucket,
                "latest",
                "--source-database",
                source,
                "--database",
                pg.url(target),
                "--endpoint",
                s3.endpoint(),
                "--path-style");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(RunnerResult.parse(r.terminationMessage()).backupId()).isEqualTo(backupId);
    }

    @Test
    void aNonEmptyTargetIsRefusedUnlessReplacedAndReplacingTakesASafetyBackupFirst() throws Exception {
        String target = pg.createDatabase("occupied");
        pg.execute(target, "CREATE TABLE keep_me (id int)", "INSERT INTO keep_me VALUES (1), (2)");
        Runner.Result refused = restore(target);
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(RunnerResult.parse(refused.terminationMessage()).reason()).isEqualTo("TargetNotEmpty");
        assertThat(refused.stderr()).contains("already has 1 user tables");
        assertThat(count(target, "keep_me")).isEqualTo(2);

        Runner.Result replaced = restore(target, "--replace", "--confirm", target);
        assertThat(replaced.exitCode()).as(replaced.toString()).isZero();
        String safety = RunnerResult.parse(replaced.terminationMessage()).safetyBackupId();
        assertThat(safety).isNotNull();
        assertThat(replaced.stdout()).contains("safety backup " + safety);
        assertThat(s3.keys(bucket)).anyMatch(k -> k.contains(safety) && k.endsWith("manifest.json"));
        Map<String, String> restored = contents(target);
        assertThat(restored.remove("public.keep_me"))
                .as("objects not in the backup are left alone")
                .startsWith("2:");
        assertThat(restored).isEqualTo(contents(source));
    }

    @Test
    void aRestoreFailingHalfWayLeavesTheTargetAsItWasAndTheSafetyBackupExists() throws Exception {
        String target = pg.createDatabase("halfway");
        // a view of the target on a table the restore must drop and recreate: the clean step fails
        pg.execute(
                target,
                "CREATE SCHEMA sales",
                "CREATE TABLE sales.orders (id int, total numeric)",
                "INSERT INTO sales.orders VALUES (1, 10), (2, 20)",
                "CREATE VIEW public.depends_on_orders AS SELECT * FROM sales.orders");
        Runner.Result r = restore(target, "--replace", "--confirm", target);
        assertThat(r.exitCode()).isEqualTo(3);
        RunnerResult result = RunnerResult.parse(r.terminationMessage());
        assertThat(result.reason()).isEqualTo("RestoreFailed");
        assertThat(result.message()).contains("depend").contains("rolled back");
        assertThat(count(target, "sales.orders"))
                .as("rolled back: the old rows are still there")
                .isEqualTo(2);
        assertThat(r.stderr()).containsPattern("safety backup \\S+ stored at");
        assertThat(s3.keys(bucket)).anyMatch(k -> k.contains("/" + target + "/") && k.endsWith("manifest.json"));
    }

    @Test
    void aCorruptObjectOrAMissingManifestIsRefusedBeforeTheTargetIsTouched() throws Exception {
        String corruptBucket = "corrupt-" + System.nanoTime();
        s3.createBucket(corruptBucket);
        for (String key : s3.keys(bucket)) {
            if (key.contains(backupId)) {
                byte[] b = s3.get(bucket, key);
                if (key.contains("dump.")) {
                    b[b.length / 3] ^= 0x40;
                }
                s3.put(corruptBucket, key, b);
            }
        }
        String target = "never_created_" + System.nanoTime();
        Runner.Result corrupt = Runner.run(
                env(),
                "restore",
                "--from",
                "s3://" + corruptBucket,
                backupId,
                "--database",
                pg.url(target),
                "--endpoint",
                s3.endpoint(),
                "--path-style");
        assertThat(corrupt.exitCode()).isEqualTo(5);
        assertThat(RunnerResult.parse(corrupt.terminationMessage()).reason()).isEqualTo("ChecksumMismatch");
        assertThat(databaseExists(target)).as("nothing touched").isFalse();

        s3.delete(
                corruptBucket,
                s3.keys(corruptBucket).stream()
                        .filter(k -> k.endsWith("manifest.json"))
                        .findFirst()
                        .orElseThrow());
        Runner.Result noManifest = Runner.run(
                env(),
                "restore",
                "--from",
                "s3://" + corruptBucket,
                backupId,
                "--database",
                pg.url(target),
                "--endpoint",
                s3.endpoint(),
                "--path-style");
        assertThat(RunnerResult.parse(noManifest.terminationMessage()).reason()).isEqualTo("ManifestInvalid");
        assertThat(databaseExists(target)).isFalse();
    }

    @Test
    void storageGoingDownMidReadRollsTheRestoreBack() throws Exception {
        try (S3Server own = S3Server.start()) {
            own.createBucket("mirror");
            for (String key : s3.keys(bucket)) {
                if (key.contains(backupId)) {
                    own.put("mirror", key, s3.get(bucket, key));
                }
            }
            Map<String, String> env =
                    env("AWS_ACCESS_KEY_ID=" + S3Server.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY=" + S3Server.SECRET_KEY);
            String target = pg.createDatabase("cut_mid_read");
            Path log = Files.createTempFile("termination-", ".log");
            Process p = Runner.start(
                    env,
                    List.of(
                            "restore",
                            "--from",
                            "s3://mirror",
                            backupId,
                            "--database",
                            pg.url(target),
                            "--endpoint",
                            own.endpoint(),
                            "--path-style"),
                    log);
            BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream()));
            String line = CompletableFuture.supplyAsync(() -> {
                        try {
                            for (String l = err.readLine(); l != null; l = err.readLine()) {
                                if (l.contains(": restoring ")) {
                                    return l;
                                }
                            }
                        } catch (IOException e) {
                            // fall through
                        }
                        return "";
                    })
                    .get(2, TimeUnit.MINUTES);
            assertThat(line).contains("restoring");
            own.kill();
            Runner.Result r = Runner.await(p, log);
            assertThat(r.exitCode()).as(r.toString()).isNotZero();
            // the cause is the storage, not PostgreSQL: a storage reason and its exit code, 4
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(4);
            assertThat(RunnerResult.parse(r.terminationMessage()).reason()).isIn("StorageUnreachable", "StorageError");
            // killed before the stream opened ("unreachable") or while it flowed ("failed mid-restore")
            assertThat(r.stderr())
                    .containsAnyOf("unreachable", "reading the backup from storage failed mid-restore")
                    .doesNotContain("pg_restore failed");
            assertThat(userTables(target))
                    .as("one transaction: nothing half-restored")
                    .isZero();
            Files.deleteIfExists(log);
        }
    }

    @Test
    void missingRolesAreNamedAndNoOwnerGetsPastThem() throws Exception {
        String db = pg.createDatabase("owned");
        String role = "ghost_" + System.nanoTime();
        pg.execute(
                db,
                "CREATE ROLE " + role,
                "CREATE TABLE owned_by_ghost (id int)",
                "INSERT INTO owned_by_ghost VALUES (7)",
                "ALTER TABLE owned_by_ghost OWNER TO " + role);
        String ownedBucket = "owned-" + System.nanoTime();
        s3.createBucket(ownedBucket);
        Runner.Result backup = Runner.run(
                env(),
                "backup",
                "--database",
                pg.url(db),
                "--to",
                "s3://" + ownedBucket,
                "--endpoint",
                s3.endpoint(),
                "--path-style");
        assertThat(backup.exitCode()).as(backup.toString()).isZero();
        pg.execute(db, "ALTER TABLE owned_by_ghost OWNER TO postgres", "DROP ROLE " + role);

        String target = "owned_copy_" + System.nanoTime();
        Runner.Result refused = Runner.run(
                env(),
                "restore",
                "--from",
                "s3://" + ownedBucket,
                "latest",
                "--database",
                pg.url(target),
                "--endpoint",
                s3.endpoint(),
                "--path-style");
        assertThat(RunnerResult.parse(refused.terminationMessage()).reason()).isEqualTo("PrerequisitesMissing");
        assertThat(refused.stderr()).contains("roles " + role + " do not exist");
        assertThat(userTables(target)).isZero();

        Runner.Result noOwner = Runner.run(
                env(),
                "restore",
                "--from",
                "s3://" + ownedBucket,
                "latest",
                "--database",
                pg.url(target),
                "--endpoint",
                s3.endpoint(),
                "--path-style",
                "--no-owner");
        assertThat(noOwner.exitCode()).as(noOwner.toString()).isZero();
        assertThat(count(target, "owned_by_ghost")).isEqualTo(1);
    }

    @Test
    void plainAndDirectoryBackupsRestoreToo(@TempDir Path dir) throws Exception {
        for (String format : List.of("plain", "directory")) {
            Path to = dir.resolve(format);
            Runner.Result b = Runner.run(
                    env(),
                    "backup",
                    "--database",
                    pg.url(source),
                    "--to",
                    to.toString(),
                    "--format",
                    format,
                    "--exact-counts",
                    "--work-dir",
                    dir.toString());
            assertThat(b.exitCode()).as(b.toString()).isZero();
            String target = "rich_" + format + "_" + System.nanoTime();
            List<String> args = new ArrayList<>(List.of(
                    "restore",
                    "--from",
                    to.toString(),
                    "latest",
                    "--database",
                    pg.url(target),
                    "--work-dir",
                    dir.toString()));
            if (format.equals("directory")) {
                args.addAll(List.of("--jobs", "2"));
            }
            Runner.Result r = Runner.run(env(), args.toArray(String[]::new));
            assertThat(r.exitCode()).as(format + r).isZero();
            assertThat(RunnerResult.parse(r.terminationMessage()).rowCheck()).isEqualTo("exact");
            assertThat(contents(target)).as(format).isEqualTo(contents(source));
            assertThat(schema(target)).as(format).isEqualTo(schema(source));
        }
    }

    @Test
    void verificationByRestoreProvesABackupAndAFailedOneKeepsTheDumpAndSaysSo() throws Exception {
        String verifyBucket = "verify-" + System.nanoTime();
        s3.createBucket(verifyBucket);
        Runner.Result ok = Runner.run(
                env(),
                "backup",
                "--database",
                pg.url(source),
                "--to",
                "s3://" + verifyBucket,
                "--endpoint",
                s3.endpoint(),
                "--path-style",
                "--verify",
                "restore");
        assertThat(ok.exitCode()).as(ok.toString()).isZero();
        RunnerResult passed = RunnerResult.parse(ok.terminationMessage());
        assertThat(passed.verification()).isEqualTo("Passed");
        assertThat(passed.verificationMessage()).contains("4 tables and 257001 rows match the source");
        var manifest = BackupManifest.fromJson(s3.get(
                verifyBucket,
                s3.keys(verifyBucket).stream()
                        .filter(k -> k.endsWith("manifest.json"))
                        .findFirst()
                        .orElseThrow()));
        assertThat(manifest.verification().result()).isEqualTo("Passed");
        assertThat(manifest.hasExactCounts()).isTrue();
        try (Connection c = pg.connect("postgres");
                Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery("SELECT count(*) FROM pg_database WHERE datname LIKE 'schemaguard_verify_%'")) {
            rs.next();
            assertThat(rs.getInt(1)).as("scratch databases are dropped").isZero();
        }

        int closed = Ports.free();
        Runner.Result failed = Runner.run(
                env(),
                "backup",
                "--database",
                pg.url(source),
                "--to",
                "s3://" + verifyBucket,
                "--endpoint",
                s3.endpoint(),
                "--path-style",
                "--verify",
                "restore",
                "--verify-server",
                "postgresql://postgres@127.0.0.1:" + closed);
        assertThat(failed.exitCode()).isEqualTo(5);
        RunnerResult result = RunnerResult.parse(failed.terminationMessage());
        assertThat(result.reason()).isEqualTo("VerificationFailed");
        assertThat(result.message()).contains("unreachable");
        Runner.Result listed = Runner.run(
                env(), "list", "--from", "s3://" + verifyBucket, "--endpoint", s3.endpoint(), "--path-style");
        assertThat(listed.stdout()).contains("complete, restore-verified").contains("VERIFICATION FAILED");
        assertThat(s3.keys(verifyBucket).stream().filter(k -> k.contains("dump.")))
                .as("the dump is kept")
                .hasSize(2);
    }

    // --- comparisons -------------------------------------------------------------------------

    /** pg_dump --schema-only, minus the random \restrict key lines newer pg_dump versions print. */
    static String schema(String db) {
        return pg.client("pg_dump", List.of("--schema-only", "--no-password", "-d", db), null)
                .lines()
                .filter(l -> !l.startsWith("\\restrict") && !l.startsWith("\\unrestrict"))
                .collect(Collectors.joining("\n"));
    }

    /** Row count and an order-independent checksum of every user table, plus large objects and sequences. */
    static Map<String, String> contents(String db) throws Exception {
        Map<String, String> result = new TreeMap<>();
        try (Connection c = pg.connect(db);
                Statement s = c.createStatement()) {
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT format('%I.%I', schemaname, tablename) FROM pg_tables"
                    + " WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1")) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
            for (String t : tables) {
                try (ResultSet rs = s.executeQuery("SELECT count(*), md5(coalesce(string_agg(x::text, '|' ORDER BY"
                        + " x::text), '')) FROM " + t + " x")) {
                    rs.next();
                    result.put(t, rs.getLong(1) + ":" + rs.getString(2));
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT count(*), md5(coalesce(string_agg(md5(lo_get(oid)), ','"
                    + " ORDER BY oid), '')) FROM pg_largeobject_metadata")) {
                rs.next();
                result.put("large objects", rs.getLong(1) + ":" + rs.getString(2));
            }
            try (ResultSet rs = s.executeQuery("SELECT last_value FROM sales.invoice_no")) {
                rs.next();
                result.put("sales.invoice_no", rs.getString(1));
            } catch (SQLException e) {
                result.put("sales.invoice_no", "absent");
            }
        }
        return result;
    }

    static long count(String db, String table) throws Exception {
        try (Connection c = pg.connect(db);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static int userTables(String db) throws Exception {
        try (Connection c = pg.connect(db);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog',"
                        + " 'information_schema')")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    static boolean databaseExists(String db) throws Exception {
        try (Connection c = pg.connect("postgres");
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_database WHERE datname = '" + db + "'")) {
            rs.next();
            return rs.getInt(1) == 1;
        }
    }
}
