package io.schemaguard.testing;

import com.google.cloud.NoCredentials;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.BucketInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;

/**
 * fake-gcs-server, a Google Cloud Storage emulator speaking the JSON API (resumable uploads included),
 * as its own process on a loopback port. Built from the Go module proxy by scripts/build-fake-gcs.sh
 * (SCHEMAGUARD_FAKE_GCS, set by scripts/test.sh). Its filesystem backend writes each finalized object
 * to disk, so a killed server restarts with them; resumable sessions live in its memory and die with it,
 * as an unfinalized upload is never an object in GCS either. It checks no credentials at all.
 */
public final class FakeGcsServer implements ObjectStorageServer {
    private static final String VERSION = "v1.56.1";

    private final Path root;
    private final int port;
    private Process process;
    private Storage client;

    private FakeGcsServer(Path root, int port) {
        this.root = root;
        this.port = port;
    }

    public static Path binary() {
        String path = System.getenv("SCHEMAGUARD_FAKE_GCS");
        if (path == null || path.isBlank()) {
            Path cached = Path.of(
                    System.getProperty("user.home"), ".cache/schemaguard/fake-gcs-server", VERSION, "fake-gcs-server");
            return Files.isExecutable(cached) ? cached : null;
        }
        return Path.of(path);
    }

    public static FakeGcsServer start() {
        Path binary = binary();
        if (binary == null || !Files.isExecutable(binary)) {
            throw new IllegalStateException(
                    "fake-gcs-server is missing: build it with scripts/build-fake-gcs.sh and set"
                            + " SCHEMAGUARD_FAKE_GCS (scripts/test.sh does both)");
        }
        try {
            FakeGcsServer server = new FakeGcsServer(Files.createTempDirectory("schemaguard-fake-gcs-"), Ports.free());
            Files.createDirectories(server.root.resolve("data"));
            server.launch();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void launch() throws IOException {
        process = new ProcessBuilder(
                        binary().toString(),
                        "-scheme",
                        "http",
                        "-host",
                        "127.0.0.1",
                        "-port",
                        String.valueOf(port),
                        "-backend",
                        "filesystem",
                        "-filesystem-root",
                        root.resolve("data").toString(),
                        // the upload session URLs it hands out, and the host its public-host routes answer to
                        "-external-url",
                        endpoint(),
                        "-public-host",
                        "127.0.0.1:" + port,
                        "-log-level",
                        "warn")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        root.resolve("fake-gcs-server.log").toFile()))
                .start();
        Ports.awaitOpen(port, Duration.ofSeconds(30), process, "fake-gcs-server");
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    @Override
    public String scheme() {
        return "gs";
    }

    @Override
    public List<String> runnerArgs() {
        return List.of("--endpoint", endpoint());
    }

    @Override
    public List<String> runnerArgsForClosedPort(int closedPort) {
        return List.of("--endpoint", "http://127.0.0.1:" + closedPort);
    }

    /** No key: with an --endpoint the runner sends no credentials, and the emulator asks for none. */
    @Override
    public Map<String, String> runnerEnv() {
        return Map.of();
    }

    /** There are none: the emulator accepts every request whatever it carries (FakeGcsStorageTest says so). */
    @Override
    public Map<String, String> wrongCredentialsEnv() {
        throw new UnsupportedOperationException("fake-gcs-server does not check credentials");
    }

    private synchronized Storage client() {
        if (client == null) {
            client = StorageOptions.http()
                    .setHost(endpoint())
                    .setProjectId("test")
                    .setCredentials(NoCredentials.getInstance())
                    .build()
                    .getService();
        }
        return client;
    }

    @Override
    public void createBucket(String bucket) {
        client().create(BucketInfo.of(bucket));
    }

    @Override
    public List<String> keys(String bucket) {
        return StreamSupport.stream(client().list(bucket).iterateAll().spliterator(), false)
                .map(Blob::getName)
                .sorted()
                .toList();
    }

    @Override
    public byte[] get(String bucket, String key) {
        return client().readAllBytes(BlobId.of(bucket, key));
    }

    @Override
    public void put(String bucket, String key, byte[] content) {
        client().create(BlobInfo.newBuilder(bucket, key).build(), content);
    }

    @Override
    public void delete(String bucket, String key) {
        client().delete(BlobId.of(bucket, key));
    }

    @Override
    public void kill() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void restart() {
        kill();
        try {
            launch();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        kill();
        Files2.deleteTree(root);
    }
}
