package io.schemaguard.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * SeaweedFS ({@code weed server}: master, volume server, filer and S3 gateway in one process) on free
 * loopback ports, with one SigV4 identity, so the runner is tested against a second S3 implementation
 * besides S3Proxy. The binary is built from the Go module proxy by scripts/build-seaweedfs.sh and found
 * through {@value #ENV} (scripts/test.sh sets it). It can be killed and restarted on the same ports and
 * data, like {@link S3Server}. A restart on old data takes about 15 s: the master assigns no file ids
 * until three heartbeat pulses after it became leader (SeaweedFS's warmup, fixed at 5 s a pulse), so
 * volume servers can report first; the readiness wait waits that out with a probe write.
 */
public final class SeaweedFsServer implements ObjectStorageServer {
    public static final String ENV = "SCHEMAGUARD_SEAWEEDFS";
    public static final String ACCESS_KEY = "schemaguard-test";
    public static final String SECRET_KEY = "schemaguard-test-secret";
    public static final String REGION = "us-east-1";
    // Written to at every start: an object PUT only succeeds once the filer and a volume server are up.
    private static final String PROBE_BUCKET = "schemaguard-probe";

    private final Path binary;
    private final Path root;
    private final int s3Port = Ports.free();
    private final int s3GrpcPort = Ports.free();
    private final int masterPort = Ports.free();
    private final int masterGrpcPort = Ports.free();
    private final int volumePort = Ports.free();
    private final int volumeGrpcPort = Ports.free();
    private final int filerPort = Ports.free();
    private final int filerGrpcPort = Ports.free();
    private Process process;
    private S3Client client;

    private SeaweedFsServer(Path binary, Path root) {
        this.binary = binary;
        this.root = root;
    }

    /**
     * The weed binary. Without {@value #ENV} the calling test is skipped on a developer's machine, but
     * fails under CI (CI=true), where scripts/test.sh always builds it.
     */
    public static Path binary() {
        String path = System.getenv(ENV);
        if (path == null || path.isBlank()) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new IllegalStateException(ENV + " is not set under CI (scripts/test.sh exports it)");
            }
            Assumptions.abort(ENV + " is not set: run scripts/build-seaweedfs.sh and export its output");
        }
        Path binary = Path.of(path);
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException(
                    ENV + "=" + path + " is not an executable: rebuild it with" + " scripts/build-seaweedfs.sh");
        }
        return binary;
    }

    public static SeaweedFsServer start() {
        Path binary = binary();
        try {
            SeaweedFsServer server = new SeaweedFsServer(binary, Files.createTempDirectory("schemaguard-seaweedfs-"));
            Files.createDirectories(server.root.resolve("data"));
            Files.writeString(server.root.resolve("s3.json"), """
                    {"identities": [{"name": "schemaguard",
                      "credentials": [{"accessKey": "%s", "secretKey": "%s"}],
                      "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}
                    """.formatted(ACCESS_KEY, SECRET_KEY));
            server.launch();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void launch() {
        List<String> command = new ArrayList<>(List.of(
                binary.toString(),
                "-logtostderr",
                "server",
                "-ip=127.0.0.1",
                "-ip.bind=127.0.0.1",
                "-dir=" + root.resolve("data"),
                "-master.port=" + masterPort,
                "-master.port.grpc=" + masterGrpcPort,
                // a lone master: after a restart it resumes as leader at once instead of after a 10 s election
                "-master.peers=none",
                // it would otherwise report to SeaweedFS's telemetry server, which is not reachable here
                "-master.telemetry=false",
                // small volumes and room for many: every bucket is a collection that grows volumes of its own
                "-master.volumeSizeLimitMB=64",
                "-volume.max=100",
                "-volume.port=" + volumePort,
                "-volume.port.grpc=" + volumeGrpcPort,
                "-filer",
                "-filer.port=" + filerPort,
                "-filer.port.grpc=" + filerGrpcPort,
                "-filer.localSocket=" + root.resolve("filer.sock"),
                "-s3",
                "-s3.port=" + s3Port,
                "-s3.port.grpc=" + s3GrpcPort,
                "-s3.port.iceberg=0",
                "-s3.port.lance=0",
                "-s3.localSocket=" + root.resolve("s3.sock"),
                "-s3.config=" + root.resolve("s3.json"),
                // real S3 answers NoSuchBucket; SeaweedFS would create the bucket on an admin's first PUT
                "-s3.autoCreateBucket=false"));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(root.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        root.resolve("weed.log").toFile()));
        // weed reads ./*.toml and ~/.seaweedfs/*.toml: none but ours; and no AWS_* of the caller's
        builder.environment().put("HOME", root.toString());
        builder.environment().keySet().removeIf(k -> k.startsWith("AWS_"));
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            Ports.awaitOpen(s3Port, Duration.ofSeconds(60), process, "SeaweedFS");
            awaitWritable(Duration.ofSeconds(60));
        } catch (RuntimeException e) {
            throw new IllegalStateException(e.getMessage() + "\nweed's log:\n" + logTail(30), e);
        }
    }

    /** The S3 port opens before the filer and volume server are ready: waits until an object can be stored. */
    private void awaitWritable(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                try {
                    client().createBucket(b -> b.bucket(PROBE_BUCKET));
                } catch (BucketAlreadyOwnedByYouException e) {
                    // from an earlier start on the same data
                }
                client().putObject(b -> b.bucket(PROBE_BUCKET).key("probe"), RequestBody.fromBytes(new byte[] {1}));
                client().deleteObject(b -> b.bucket(PROBE_BUCKET).key("probe"));
                return;
            } catch (SdkException e) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("SeaweedFS exited with code " + process.exitValue(), e);
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("SeaweedFS did not store an object within " + timeout, e);
                }
                Ports.sleep(250);
            }
        }
    }

    public String endpoint() {
        return "http://127.0.0.1:" + s3Port;
    }

    @Override
    public String scheme() {
        return "s3";
    }

    @Override
    public List<String> runnerArgs() {
        return List.of("--endpoint", endpoint(), "--path-style");
    }

    @Override
    public List<String> runnerArgsForClosedPort(int port) {
        return List.of("--endpoint", "http://127.0.0.1:" + port, "--path-style");
    }

    @Override
    public Map<String, String> runnerEnv() {
        return Map.of("AWS_ACCESS_KEY_ID", ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", SECRET_KEY, "AWS_REGION", REGION);
    }

    @Override
    public Map<String, String> wrongCredentialsEnv() {
        return Map.of("AWS_ACCESS_KEY_ID", ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", "not-the-secret", "AWS_REGION", REGION);
    }

    private synchronized S3Client client() {
        if (client == null) {
            client = S3Client.builder()
                    .httpClient(UrlConnectionHttpClient.create())
                    .endpointOverride(URI.create(endpoint()))
                    .region(Region.of(REGION))
                    .forcePathStyle(true)
                    .credentialsProvider(
                            StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                    .build();
        }
        return client;
    }

    @Override
    public void createBucket(String bucket) {
        client().createBucket(b -> b.bucket(bucket));
    }

    @Override
    public List<String> keys(String bucket) {
        return client().listObjectsV2Paginator(b -> b.bucket(bucket)).contents().stream()
                .map(S3Object::key)
                .sorted()
                .toList();
    }

    @Override
    public byte[] get(String bucket, String key) {
        return client().getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray();
    }

    @Override
    public void put(String bucket, String key, byte[] content) {
        client().putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(content));
    }

    @Override
    public void delete(String bucket, String key) {
        client().deleteObject(b -> b.bucket(bucket).key(key));
    }

    /** The last {@code lines} of weed's log. */
    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(root.resolve("weed.log"));
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void kill() {
        if (process != null) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
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
        launch();
    }

    @Override
    public synchronized void close() {
        if (client != null) {
            client.close();
            client = null;
        }
        kill();
        Files2.deleteTree(root);
        // weed serves gRPC on these fixed /tmp paths too, and a SIGKILL leaves them behind
        Map<String, Integer> grpcPorts =
                Map.of("master", masterGrpcPort, "volume", volumeGrpcPort, "filer", filerGrpcPort, "s3", s3GrpcPort);
        grpcPorts.forEach((service, port) -> {
            try {
                Files.deleteIfExists(Path.of("/tmp/seaweedfs-" + service + "-grpc-" + port + ".sock"));
            } catch (IOException e) {
                // best effort, like the temp directory
            }
        });
    }
}
