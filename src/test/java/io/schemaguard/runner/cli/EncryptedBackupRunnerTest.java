package io.schemaguard.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.schemaguard.contract.RunnerResult;
import io.schemaguard.runner.crypto.BackupCipher;
import io.schemaguard.testing.PostgresServer;
import io.schemaguard.testing.Runner;
import io.schemaguard.testing.S3Server;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Client-side encryption end to end on real PostgreSQL, pg_dump/pg_restore and S3Proxy: storage holds
 * only ciphertext, the manifest names the algorithm and the key's fingerprint but never the key,
 * verify and restore decrypt as they stream, and a missing key, another key, altered ciphertext or
 * ciphertext whose manifest was rewritten to match end in one line with a reason, nothing restored.
 */
class EncryptedBackupRunnerTest {
    static PostgresServer pg;
    static S3Server s3;
    static String source;
    static String bucket;
    static final String KEY = newKey();
    static final String OTHER_KEY = newKey();
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void aDatabaseAndItsEncryptedBackups() {
        pg = PostgresServer.shared();
        s3 = S3Server.shared();
        source = pg.createDatabase("vault");
        pg.execute(
                source,
                "CREATE TABLE secrets (id int PRIMARY KEY, note text)",
                "INSERT INTO secrets SELECT g, 'card-' || lpad(g::text, 8, '0') FROM generate_series(1, 30000) g",
                "CREATE TABLE tags (name text)",
                "INSERT INTO tags VALUES ('a'), ('b')");
        bucket = "encrypted-" + System.nanoTime();
        s3.createBucket(bucket);
        // uncompressed, so the rows would be readable in the object if it were not encrypted
        backup("custom-none", KEY, "--format", "custom", "--compression", "none");
        backup("plain-zstd", KEY, "--format", "plain");
    }

    private static String newKey() {
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        return Base64.getEncoder().encodeToString(k);
    }

    private static void backup(String prefix, String key, String... options) {
        List<String> args = new ArrayList<>(List.of(
                "backup",
                "--database",
                pg.url(source),
                "--to",
                "s3://" + bucket + "/" + prefix,
                "--endpoint",
                s3.endpoint(),
                "--path-style",
                "--exact-counts",
                "--verify",
                "restore"));
        args.addAll(List.of(options));
        Runner.Result r = Runner.run(env(key), args.toArray(String[]::new));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stderr()).contains("verification passed");
    }

    static Map<String, String> env(String key) {
        Map<String, String> env = new HashMap<>();
        env.put("PGPASSWORD", PostgresServer.PASSWORD);
        for (String kv : s3.env()) {
            env.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        }
        if (key != null) {
            env.put(BackupCipher.KEY_ENV, key);
        }
        return env;
    }

    private static Runner.Result run(String key, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--endpoint", s3.endpoint(), "--path-style"));
        return Runner.run(env(key), all.toArray(String[]::new));
    }

    private static Runner.Result restore(String from, String target, String key) {
        return run(key, "restore", "--from", from, "latest", "--database", pg.url(target));
    }

    private static String keyOf(String bucketName, String prefix, String part) {
        return s3.keys(bucketName).stream()
                .filter(k -> k.startsWith(prefix + "/") && k.contains(part))
                .findFirst()
                .orElseThrow();
    }

    private static ObjectNode manifest(String bucketName, String prefix) throws Exception {
        return (ObjectNode) JSON.readTree(s3.get(bucketName, keyOf(bucketName, prefix, "/manifest.json")));
    }

    /** A copy of the backup under {@code prefix}, its dump object {@code damage}d; optionally its manifest made to match. */
    private static String copy(String prefix, UnaryOperator<byte[]> damage, boolean rewriteManifest) throws Exception {
        String to = "enc-copy-" + System.nanoTime();
        s3.createBucket(to);
        byte[] damaged = null;
        for (String key : s3.keys(bucket)) {
            if (key.startsWith(prefix + "/") && !key.endsWith("/manifest.json")) {
                byte[] b = s3.get(bucket, key);
                if (key.contains("/dump.")) {
                    b = damage.apply(b);
                    damaged = b;
                }
                s3.put(to, key, b);
            }
        }
        ObjectNode m = manifest(bucket, prefix);
        if (rewriteManifest) {
            // what someone with write access to the bucket could do: a checksum that matches their bytes
            m.put(
                    "sha256",
                    HexFormat.of()
                            .formatHex(MessageDigest.getInstance("SHA-256").digest(damaged)));
            m.put("sizeBytes", damaged.length);
        }
        s3.put(to, keyOf(bucket, prefix, "/manifest.json"), JSON.writeValueAsBytes(m));
        return "s3://" + to + "/" + prefix;
    }

    private static String reason(Runner.Result r) {
        return RunnerResult.parse(r.terminationMessage()).reason();
    }

    @Test
    void storageHoldsCiphertextAndTheManifestNamesTheKeyButNeverHoldsIt() throws Exception {
        byte[] dump = s3.get(bucket, keyOf(bucket, "custom-none", "/dump."));
        assertThat(RestoreChecksumTest.indexOf(dump, "card-00012345".getBytes(StandardCharsets.US_ASCII)))
                .as("no row is readable in the stored object")
                .isNegative();
        // the same kind of backup unencrypted does show the row, so the check above can fail
        backup("custom-none-clear", null, "--format", "custom", "--compression", "none");
        byte[] clear = s3.get(bucket, keyOf(bucket, "custom-none-clear", "/dump."));
        assertThat(RestoreChecksumTest.indexOf(clear, "card-00012345".getBytes(StandardCharsets.US_ASCII)))
                .isPositive();
        assertThat(manifest(bucket, "custom-none-clear").has("encryption")).isFalse();

        ObjectNode m = manifest(bucket, "custom-none");
        assertThat(m.path("encryption").path("algorithm").asText()).isEqualTo(BackupCipher.ALGORITHM);
        assertThat(m.path("encryption").path("keyFingerprint").asText())
                .isEqualTo(BackupCipher.fromBase64(KEY).fingerprint())
                .hasSize(16);
        String text =
                new String(s3.get(bucket, keyOf(bucket, "custom-none", "/manifest.json")), StandardCharsets.UTF_8);
        assertThat(text).doesNotContain(KEY);
        assertThat(m.path("rawSizeBytes").asLong())
                .isLessThan(m.path("sizeBytes").asLong());
    }

    @Test
    void verifyAndRestoreDecryptAsTheyStreamToEqualTables() throws Exception {
        for (String prefix : List.of("custom-none", "plain-zstd")) {
            Runner.Result v = run(KEY, "verify", "--from", "s3://" + bucket + "/" + prefix, "latest");
            assertThat(v.exitCode()).as(v.toString()).isZero();
            assertThat(v.stdout()).startsWith("OK ");

            String target = "decrypted_" + System.nanoTime();
            Runner.Result r = restore("s3://" + bucket + "/" + prefix, target, KEY);
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(contents(target)).isEqualTo(contents(source));
        }
    }

    @Test
    void noKeyOrAnotherKeyIsRefusedBeforeAnythingIsReadOrTouched() throws Exception {
        String from = "s3://" + bucket + "/custom-none";
        for (String key : new String[] {null, OTHER_KEY}) {
            Runner.Result v = run(key, "verify", "--from", from, "latest");
            assertThat(v.exitCode()).as(v.toString()).isEqualTo(5);
            assertThat(reason(v)).isEqualTo("DecryptionFailed");

            String target = "never_decrypted_" + System.nanoTime();
            Runner.Result r = restore(from, target, key);
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(5);
            assertThat(reason(r)).isEqualTo("DecryptionFailed");
            assertThat(RunnerResult.parse(r.terminationMessage()).message())
                    .contains(BackupCipher.fromBase64(KEY).fingerprint())
                    .doesNotContain("\n");
            assertThat(databaseExists(target)).as("not even created").isFalse();
        }
    }

    @Test
    void alteredCiphertextIsCorruptAndCiphertextWithARewrittenManifestDoesNotDecrypt() throws Exception {
        UnaryOperator<byte[]> flip = b -> {
            byte[] c = b.clone();
            c[c.length / 2] ^= 0x01;
            return c;
        };
        String altered = copy("custom-none", flip, false);
        Runner.Result v = run(KEY, "verify", "--from", altered, "latest");
        assertThat(reason(v)).as(v.toString()).isEqualTo("ChecksumMismatch");
        String target = "altered_" + System.nanoTime();
        Runner.Result r = restore(altered, target, KEY);
        assertThat(reason(r)).as(r.toString()).isEqualTo("ChecksumMismatch");
        assertThat(databaseExists(target)).isFalse();

        // the checksum is the bucket's to rewrite; the authentication tag is not
        String forged = copy("custom-none", flip, true);
        Runner.Result fv = run(KEY, "verify", "--from", forged, "latest");
        assertThat(fv.exitCode()).as(fv.toString()).isEqualTo(5);
        assertThat(reason(fv)).isEqualTo("DecryptionFailed");
        String forgedTarget = pg.createDatabase("forged_target");
        Runner.Result fr = restore(forged, forgedTarget, KEY);
        assertThat(reason(fr)).as(fr.toString()).isEqualTo("DecryptionFailed");
        assertThat(tables(forgedTarget)).as("nothing committed").isEmpty();

        // cut at a segment boundary with a matching manifest: the missing last segment is noticed
        String cut = copy("custom-none", b -> Arrays.copyOf(b, b.length - (b.length % (1 << 20))), true);
        Runner.Result cv = run(KEY, "verify", "--from", cut, "latest");
        assertThat(reason(cv)).as(cv.toString()).isEqualTo("DecryptionFailed");
    }

    @Test
    void aKeyThatIsNotThirtyTwoBytesIsOneLineBeforeAnythingRuns() {
        Runner.Result r = Runner.run(
                env("c2hvcnQ="),
                "backup",
                "--database",
                pg.url(source),
                "--to",
                "s3://" + bucket + "/short-key",
                "--endpoint",
                s3.endpoint(),
                "--path-style");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(reason(r)).isEqualTo("InvalidArguments");
        assertThat(RunnerResult.parse(r.terminationMessage()).message()).contains("is 5 bytes, not 32");
        assertThat(s3.keys(bucket)).noneMatch(k -> k.startsWith("short-key/"));
    }

    /** Every table's rows, in order, as text: equal contents give equal strings. */
    private static String contents(String db) throws Exception {
        StringBuilder out = new StringBuilder();
        try (Connection c = pg.connect(db);
                Statement st = c.createStatement()) {
            for (String table : List.of("secrets", "tags")) {
                try (ResultSet rs = st.executeQuery("SELECT count(*), md5(coalesce(string_agg(x::text, '|' ORDER BY"
                        + " x::text), '')) FROM " + table + " x")) {
                    rs.next();
                    out.append(table)
                            .append(' ')
                            .append(rs.getLong(1))
                            .append(':')
                            .append(rs.getString(2))
                            .append('\n');
                }
            }
        }
        return out.toString();
    }

    private static List<String> tables(String db) throws Exception {
        List<String> names = new ArrayList<>();
        try (Connection c = pg.connect(db);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT schemaname || '.' || tablename FROM pg_tables"
                        + " WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }

    private static boolean databaseExists(String db) throws Exception {
        try (Connection c = pg.connect("postgres");
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_database WHERE datname = '" + db + "'")) {
            rs.next();
            return rs.getInt(1) == 1;
        }
    }
}
