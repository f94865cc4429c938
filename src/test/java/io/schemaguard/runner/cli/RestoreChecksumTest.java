package io.schemaguard.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.schemaguard.contract.RunnerResult;
import io.schemaguard.testing.PostgresServer;
import io.schemaguard.testing.Runner;
import io.schemaguard.testing.S3Server;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The restore reads the object once, hashing it as it streams into pg_restore/psql, and holds the
 * stream's last bytes back until SHA-256 and size match the manifest. These objects are damaged so
 * that nothing but the checksum can tell: uncompressed archives with one letter of one row changed,
 * or cut short at a line boundary. Restoring them must leave every kind of target exactly as it was:
 * not created, still empty, or (with --replace) its old rows untouched.
 */
class RestoreChecksumTest {
    static PostgresServer pg;
    static S3Server s3;
    static String source;
    static String bucket;

    @BeforeAll
    static void aDatabaseAndThreeBackups() {
        pg = PostgresServer.shared();
        s3 = S3Server.shared();
        source = pg.createDatabase("ledger");
        pg.execute(
                source,
                "CREATE TABLE ledger (id int PRIMARY KEY, note text)",
                "INSERT INTO ledger SELECT g, 'entry-' || lpad(g::text, 6, '0') FROM generate_series(1, 20000) g",
                "CREATE TABLE tags (name text)",
                "INSERT INTO tags VALUES ('a'), ('b')");
        bucket = "checksum-" + System.nanoTime();
        s3.createBucket(bucket);
        backup("custom-none", "--format", "custom", "--compression", "none");
        backup("plain-none", "--format", "plain", "--compression", "none");
        backup("custom-zstd", "--format", "custom");
    }

    private static void backup(String prefix, String... options) {
        List<String> args = new ArrayList<>(List.of(
                "backup",
                "--database",
                pg.url(source),
                "--to",
                "s3://" + bucket + "/" + prefix,
                "--endpoint",
                s3.endpoint(),
                "--path-style",
                "--exact-counts"));
        args.addAll(List.of(options));
        Runner.Result r = Runner.run(env(), args.toArray(String[]::new));
        assertThat(r.exitCode()).as(r.toString()).isZero();
    }

    static Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("PGPASSWORD", PostgresServer.PASSWORD);
        for (String kv : s3.env()) {
            env.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        }
        return env;
    }

    /** A copy of the backup under {@code prefix} whose dump object is {@code damage}d; returns its location. */
    private static String damaged(String prefix, UnaryOperator<byte[]> damage) {
        String to = "damaged-" + System.nanoTime();
        s3.createBucket(to);
        for (String key : s3.keys(bucket)) {
            if (key.startsWith(prefix + "/")) {
                byte[] b = s3.get(bucket, key);
                s3.put(to, key, key.contains("/dump.") ? damage.apply(b) : b);
            }
        }
        return "s3://" + to + "/" + prefix;
    }

    /** One letter of one row changed: the archive still parses and loads, with a wrong value. */
    static byte[] oneRowChanged(byte[] b) {
        int at = indexOf(b, "entry-012345".getBytes(StandardCharsets.US_ASCII));
        assertThat(at).as("the row is stored as text").isPositive();
        byte[] copy = b.clone();
        copy[at + 4] = 'z';
        return copy;
    }

    /** Cut just after a row, half-way through the table's data: a shorter, well-formed prefix. */
    static byte[] cutAfterARow(byte[] b) {
        int at = indexOf(b, "10000\tentry-010000\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(at).as("the row is stored as text").isPositive();
        return Arrays.copyOf(b, at + "10000\tentry-010000\n".length());
    }

    static byte[] lastBytesCut(byte[] b) {
        return Arrays.copyOf(b, b.length - 16);
    }

    private static Runner.Result restore(String from, String target, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "restore",
                "--from",
                from,
                "latest",
                "--database",
                pg.url(target),
                "--endpoint",
                s3.endpoint(),
                "--path-style"));
        args.addAll(List.of(more));
        return Runner.run(env(), args.toArray(String[]::new));
    }

    private static void refusedAsCorrupt(Runner.Result r) {
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(5);
        assertThat(RunnerResult.parse(r.terminationMessage()).reason()).isEqualTo("ChecksumMismatch");
    }

    @Test
    void aChangedRowInAnUncompressedArchiveIsNeverCommitted() throws Exception {
        String from = damaged("custom-none", RestoreChecksumTest::oneRowChanged);

        String created = "never_created_" + System.nanoTime();
        refusedAsCorrupt(restore(from, created));
        assertThat(databaseExists(created))
                .as("the database the restore created is gone")
                .isFalse();

        String empty = pg.createDatabase("stays_empty");
        refusedAsCorrupt(restore(from, empty));
        assertThat(tables(empty)).as("still empty").isEmpty();

        String occupied = pg.createDatabase("stays_as_it_was");
        pg.execute(
                occupied,
                "CREATE TABLE ledger (id int PRIMARY KEY, note text)",
                "INSERT INTO ledger VALUES (1, 'mine')");
        String before = ledger(occupied);
        Runner.Result replaced = restore(from, occupied, "--replace", "--confirm", occupied);
        refusedAsCorrupt(replaced);
        assertThat(replaced.stderr()).contains("is corrupt");
        assertThat(tables(occupied)).containsExactly("public.ledger");
        assertThat(ledger(occupied)).as("the old rows, untouched").isEqualTo(before);

        // the same object undamaged restores, so the refusals above were the checksum's
        String fine = "undamaged_" + System.nanoTime();
        Runner.Result ok = restore("s3://" + bucket + "/custom-none", fine);
        assertThat(ok.exitCode()).as(ok.toString()).isZero();
        assertThat(ledger(fine)).isEqualTo(ledger(source));
    }

    @Test
    void aPlainDumpCutAfterARowIsNeverCommitted() throws Exception {
        // psql --single-transaction commits whatever it read when its input ends: the held-back tail stops that
        String from = damaged("plain-none", RestoreChecksumTest::cutAfterARow);

        String created = "never_created_" + System.nanoTime();
        refusedAsCorrupt(restore(from, created));
        assertThat(databaseExists(created)).isFalse();

        String empty = pg.createDatabase("plain_stays_empty");
        refusedAsCorrupt(restore(from, empty));
        assertThat(tables(empty)).isEmpty();

        String changed = damaged("plain-none", RestoreChecksumTest::oneRowChanged);
        String target = pg.createDatabase("plain_changed");
        refusedAsCorrupt(restore(changed, target));
        assertThat(tables(target)).isEmpty();
    }

    @Test
    void aCompressedObjectCutShortOrChangedLeavesAReplacedTargetAsItWas() throws Exception {
        String occupied = pg.createDatabase("zstd_stays");
        pg.execute(
                occupied,
                "CREATE TABLE ledger (id int PRIMARY KEY, note text)",
                "INSERT INTO ledger VALUES (2, 'kept')");
        String before = ledger(occupied);
        for (UnaryOperator<byte[]> damage : List.<UnaryOperator<byte[]>>of(RestoreChecksumTest::lastBytesCut, b -> {
            byte[] copy = b.clone();
            copy[copy.length / 2] ^= 0x01;
            return copy;
        })) {
            Runner.Result r = restore(damaged("custom-zstd", damage), occupied, "--replace", "--confirm", occupied);
            refusedAsCorrupt(r);
            assertThat(tables(occupied)).containsExactly("public.ledger");
            assertThat(ledger(occupied)).isEqualTo(before);

            String created = "never_created_" + System.nanoTime();
            refusedAsCorrupt(restore(damaged("custom-zstd", damage), created));
            assertThat(databaseExists(created)).isFalse();
        }
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    static List<String> tables(String db) throws Exception {
        List<String> names = new ArrayList<>();
        try (Connection c = pg.connect(db);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT schemaname || '.' || tablename FROM pg_tables"
                        + " WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }

    /** Row count and an order-independent checksum of the ledger table. */
    static String ledger(String db) throws Exception {
        try (Connection c = pg.connect(db);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT count(*), md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM ledger x")) {
            rs.next();
            return rs.getLong(1) + ":" + rs.getString(2);
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
