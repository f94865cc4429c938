package io.schemaguard.testing;

import java.util.List;
import java.util.Map;

/**
 * A real object storage server the runner is tested against, as its own process on a loopback port
 * (S3Proxy, SeaweedFS, Azurite, a GCS emulator): what {@code StorageBackendSuite} needs to run the
 * same cases on every backend. Bucket means the S3 or GCS bucket, or the Azure container.
 */
public interface ObjectStorageServer extends AutoCloseable {

    /** The location scheme the runner uses for it: {@code s3}, {@code azure} or {@code gs}. */
    String scheme();

    /** The runner's location of {@code bucket} with an optional prefix, e.g. {@code azure://c/team}. */
    default String location(String bucket, String prefix) {
        return scheme() + "://" + bucket + (prefix == null || prefix.isEmpty() ? "" : "/" + prefix);
    }

    /** Options every runner command needs to reach this server (its endpoint, path-style, ...). */
    List<String> runnerArgs();

    /** The same options aimed at {@code port} on loopback, where nothing listens. */
    List<String> runnerArgsForClosedPort(int port);

    /** Environment with valid credentials for the runner. */
    Map<String, String> runnerEnv();

    /** Environment with credentials this server refuses (right account, wrong secret). */
    Map<String, String> wrongCredentialsEnv();

    void createBucket(String bucket);

    List<String> keys(String bucket);

    byte[] get(String bucket, String key);

    void put(String bucket, String key, byte[] content);

    void delete(String bucket, String key);

    /** Kills the server process abruptly (SIGKILL), as a crash or a network cut would. */
    void kill();

    /** Starts the server again on the same port and data. */
    void restart();

    @Override
    void close();
}
