package io.schemaguard.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * S3Proxy (filesystem backend) as its own process on a loopback port, speaking SigV4 over HTTP, so
 * tests talk to a real S3-compatible server. The jar comes from Maven Central via the build
 * (target/test-tools/s3proxy.jar). It can be killed and restarted on the same port and data, to
 * test what a failure mid-upload leaves behind.
 */
public final class S3Server implements ObjectStorageServer {
    public static final String ACCESS_KEY = "schemaguard-test";
    public static final String SECRET_KEY = "schemaguard-test-secret";
    public static final String REGION = "us-east-1";
    private static S3Server shared;

    private final Path root;
    private final Path dataDir;
    private final int port;
    private Process process;
    private S3Client client;

    private S3Server(Path root, int port) {
        this.root = root;
        this.dataDir = root.resolve("data");
        this.port = port;
    }

    public static synchronized S3Server shared() {
        if (shared == null) {
            shared = start();
            S3Server s = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(s::close));
        }
        return shared;
    }

    public static S3Server start() {
        return start("127.0.0.1");
    }

    /** Listening on {@code bindAddress} (0.0.0.0: also the host's address, for pods on a real node); clients here use loopback. */
    public static S3Server start(String bindAddress) {
        try {
            Path root = Files.createTempDirectory("schemaguard-s3-");
            S3Server server = new S3Server(root, Ports.free());
            Files.createDirectories(server.dataDir);
            Files.writeString(
                    root.resolve("s3proxy.conf"),
                    String.join(
                            "\n",
                            "s3proxy.endpoint=http://" + bindAddress + ":" + server.port,
                            "s3proxy.authorization=aws-v2-or-v4",
                            "s3proxy.identity=" + ACCESS_KEY,
                            "s3proxy.credential=" + SECRET_KEY,
                            "jclouds.provider=filesystem-nio2",
                            "jclouds.filesystem.basedir=" + server.dataDir,
                            ""));
            server.launch();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void launch() throws IOException {
        Path jar = Path.of("target/test-tools/s3proxy.jar").toAbsolutePath();
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: it is copied from Maven Central by the build"
                    + " (mvn generate-test-resources)");
        }
        process = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx256m",
                        "-jar",
                        jar.toString(),
                        "--properties",
                        root.resolve("s3proxy.conf").toString())
                .redirectErrorStream(true)
                .redirectOutput(root.resolve("s3proxy.log").toFile())
                .start();
        Ports.awaitOpen(port, Duration.ofSeconds(60), process, "S3Proxy");
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
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
    public java.util.Map<String, String> runnerEnv() {
        return java.util.Map.of(
                "AWS_ACCESS_KEY_ID", ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", SECRET_KEY, "AWS_REGION", REGION);
    }

    @Override
    public java.util.Map<String, String> wrongCredentialsEnv() {
        return java.util.Map.of(
                "AWS_ACCESS_KEY_ID", ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", "not-the-secret", "AWS_REGION", REGION);
    }

    public int port() {
        return port;
    }

    /** Environment a runner needs to reach this server. */
    public List<String> env() {
        return List.of(
                "AWS_ACCESS_KEY_ID=" + ACCESS_KEY, "AWS_SECRET_ACCESS_KEY=" + SECRET_KEY, "AWS_REGION=" + REGION);
    }

    public synchronized S3Client client() {
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

    public void createBucket(String bucket) {
        client().createBucket(b -> b.bucket(bucket));
    }

    public List<String> keys(String bucket) {
        return client().listObjectsV2Paginator(b -> b.bucket(bucket)).contents().stream()
                .map(S3Object::key)
                .sorted()
                .toList();
    }

    public byte[] get(String bucket, String key) {
        return client().getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray();
    }

    public void put(String bucket, String key, byte[] content) {
        client().putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(content));
    }

    public void delete(String bucket, String key) {
        client().deleteObject(b -> b.bucket(bucket).key(key));
    }

    /** The last {@code lines} of S3Proxy's own log (what it said when a client's request failed). */
    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(root.resolve("s3proxy.log"));
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Kills the server process abruptly (SIGKILL), as a crash or a network cut would. */
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

    /** Starts the server again on the same port and data directory. */
    public void restart() {
        kill();
        try {
            launch();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void close() {
        if (client != null) {
            client.close();
            client = null;
        }
        kill();
        Files2.deleteTree(root);
    }
}
