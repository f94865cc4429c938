package io.schemaguard.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.schemaguard.contract.RunnerResult;
import io.schemaguard.testing.PostgresServer;
import io.schemaguard.testing.Runner;
import io.schemaguard.testing.S3Server;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * S3 server-side encryption settings on a real S3 server: S3Proxy implements no server-side
 * encryption and answers 501 NotImplemented, which must end as a configuration error naming the
 * setting, with nothing written; settings no S3 service accepts are refused in one line before anything
 * is sent. (A server that does encrypt at rest is SeaweedFS's suite's to show.)
 */
class ServerSideEncryptionRunnerTest {
    static PostgresServer pg;
    static S3Server s3;
    static String source;
    static String bucket;

    @BeforeAll
    static void aDatabase() {
        pg = PostgresServer.shared();
        s3 = S3Server.shared();
        source = pg.createDatabase("sse");
        pg.execute(source, "CREATE TABLE t (id int)", "INSERT INTO t SELECT generate_series(1, 1000)");
        bucket = "sse-" + System.nanoTime();
        s3.createBucket(bucket);
    }

    private static Runner.Result backup(String prefix, String... options) {
        Map<String, String> env = new HashMap<>();
        env.put("PGPASSWORD", PostgresServer.PASSWORD);
        for (String kv : s3.env()) {
            env.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        }
        List<String> args = new ArrayList<>(List.of(
                "backup",
                "--database",
                pg.url(source),
                "--to",
                "s3://" + bucket + "/" + prefix,
                "--endpoint",
                s3.endpoint(),
                "--path-style"));
        args.addAll(List.of(options));
        return Runner.run(env, args.toArray(String[]::new));
    }

    @Test
    void aServerWithoutServerSideEncryptionIsAConfigurationErrorNamingTheSetting() {
        Runner.Result r = backup("sse-s3", "--sse", "AES256");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        RunnerResult result = RunnerResult.parse(r.terminationMessage());
        assertThat(result.reason()).isEqualTo("StorageUnsupported");
        assertThat(result.message())
                .contains("does not implement", "server-side encryption AES256", "--sse")
                .doesNotContain("\n");
        assertThat(s3.keys(bucket)).noneMatch(k -> k.startsWith("sse-s3/"));
    }

    @Test
    void settingsNoS3ServiceAcceptsAreOneLineBeforeAnythingIsWritten() {
        for (String[] options : List.of(
                new String[] {"--sse", "aes"}, new String[] {"--sse", "AES256", "--sse-kms-key-id", "alias/x"})) {
            Runner.Result r = backup("refused", options);
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
            RunnerResult result = RunnerResult.parse(r.terminationMessage());
            assertThat(result.reason()).isEqualTo("InvalidArguments");
            assertThat(result.message()).doesNotContain("\n").containsAnyOf("server-side encryption", "KMS key id");
        }
        assertThat(s3.keys(bucket)).noneMatch(k -> k.startsWith("refused/"));
    }
}
