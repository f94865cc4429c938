package io.schemaguard.testing;

import com.azure.core.util.BinaryData;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.common.StorageSharedKeyCredential;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Azurite, Microsoft's Azure Storage emulator, as its own Node.js process on a loopback port: its Blob
 * service checks Shared Key signatures as Azure does, so wrong keys are refused. Installed from npm by
 * scripts/build-azurite.sh (SCHEMAGUARD_AZURITE, set by scripts/test.sh). Data lives on disk, so a
 * killed server restarts with what it had committed.
 */
public final class AzuriteServer implements ObjectStorageServer {
    /** Azurite's built-in development account and its published key. */
    public static final String ACCOUNT = "devstoreaccount1";

    public static final String KEY =
            "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static final Duration AUTOSAVE = Duration.ofSeconds(5);

    private final Path root;
    private final int port;
    private Process process;
    private BlobServiceClient client;

    private AzuriteServer(Path root, int port) {
        this.root = root;
        this.port = port;
    }

    public static Path wrapper() {
        String path = System.getenv("SCHEMAGUARD_AZURITE");
        if (path == null || path.isBlank()) {
            Path cached =
                    Path.of(System.getProperty("user.home"), ".cache/schemaguard/azurite/3.37.0/bin/azurite-blob");
            return Files.isExecutable(cached) ? cached : null;
        }
        return Path.of(path);
    }

    public static AzuriteServer start() {
        Path wrapper = wrapper();
        if (wrapper == null || !Files.isExecutable(wrapper)) {
            throw new IllegalStateException("Azurite is missing: install it with scripts/build-azurite.sh and set"
                    + " SCHEMAGUARD_AZURITE (scripts/test.sh does both)");
        }
        try {
            AzuriteServer server = new AzuriteServer(Files.createTempDirectory("schemaguard-azurite-"), Ports.free());
            Files.createDirectories(server.root.resolve("data"));
            server.launch();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void launch() throws IOException {
        process = new ProcessBuilder(
                        wrapper().toString(),
                        "--blobHost",
                        "127.0.0.1",
                        "--blobPort",
                        String.valueOf(port),
                        "--location",
                        root.resolve("data").toString(),
                        "--disableTelemetry",
                        "--silent")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        root.resolve("azurite.log").toFile()))
                .start();
        Ports.awaitOpen(port, Duration.ofSeconds(60), process, "Azurite");
    }

    /** The account's Blob endpoint, as Azurite addresses it (account in the path). */
    public String endpoint() {
        return "http://127.0.0.1:" + port + "/" + ACCOUNT;
    }

    @Override
    public String scheme() {
        return "azure";
    }

    @Override
    public List<String> runnerArgs() {
        return List.of("--endpoint", endpoint());
    }

    @Override
    public List<String> runnerArgsForClosedPort(int closedPort) {
        return List.of("--endpoint", "http://127.0.0.1:" + closedPort + "/" + ACCOUNT);
    }

    @Override
    public Map<String, String> runnerEnv() {
        return Map.of("AZURE_STORAGE_ACCOUNT", ACCOUNT, "AZURE_STORAGE_KEY", KEY);
    }

    @Override
    public Map<String, String> wrongCredentialsEnv() {
        // a well-formed key of the right account that is not its key
        return Map.of("AZURE_STORAGE_ACCOUNT", ACCOUNT, "AZURE_STORAGE_KEY", KEY.replace('E', 'F'));
    }

    private synchronized BlobServiceClient client() {
        if (client == null) {
            client = new BlobServiceClientBuilder()
                    .endpoint(endpoint())
                    .credential(new StorageSharedKeyCredential(ACCOUNT, KEY))
                    .buildClient();
        }
        return client;
    }

    private BlobContainerClient container(String name) {
        return client().getBlobContainerClient(name);
    }

    /**
     * Creates the container and waits past Azurite's metadata autosave (LokiJS, every 5 s), so a server
     * killed later still has it when restarted, as Azure itself would.
     */
    @Override
    public void createBucket(String bucket) {
        container(bucket).create();
        Ports.sleep(AUTOSAVE.toMillis() + 1000);
    }

    @Override
    public List<String> keys(String bucket) {
        return container(bucket).listBlobs().stream()
                .map(BlobItem::getName)
                .sorted()
                .toList();
    }

    @Override
    public byte[] get(String bucket, String key) {
        return container(bucket).getBlobClient(key).downloadContent().toBytes();
    }

    @Override
    public void put(String bucket, String key, byte[] content) {
        container(bucket).getBlobClient(key).upload(BinaryData.fromBytes(content), true);
    }

    @Override
    public void delete(String bucket, String key) {
        container(bucket).getBlobClient(key).delete();
    }

    @Override
    public void kill() {
        if (process != null) {
            // the wrapper execs node, so this is Azurite itself
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
