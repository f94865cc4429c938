package io.schemaguard.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Starts one of the test suite's object storage servers for a benchmark script, with a bucket: prints
 * the runner's location, options and environment for it, one per line ({@code LOCATION=}, {@code ARG=},
 * {@code ENV=}), then {@code READY}, and stops the server once the file {@code STOPFILE} exists (a file,
 * not stdin: a script's other children would inherit a pipe and keep it open) or on SIGTERM. The
 * benchmark thereby writes to exactly the servers the tests prove, started the same way.
 */
public final class StorageServerMain {

    private StorageServerMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: StorageServerMain s3proxy|azurite|fake-gcs|seaweedfs BUCKET STOPFILE");
            System.exit(2);
        }
        ObjectStorageServer server = start(args[0]);
        Thread stop = new Thread(server::close);
        Runtime.getRuntime().addShutdownHook(stop); // SIGTERM still stops the server's own process
        server.createBucket(args[1]);
        System.out.println("LOCATION=" + server.location(args[1], "bench"));
        server.runnerArgs().forEach(a -> System.out.println("ARG=" + a));
        for (Map.Entry<String, String> e : server.runnerEnv().entrySet()) {
            System.out.println("ENV=" + e.getKey() + "=" + e.getValue());
        }
        System.out.println("READY");
        System.out.flush();
        Path stopFile = Path.of(args[2]);
        while (!Files.exists(stopFile)) {
            Thread.sleep(200);
        }
        Runtime.getRuntime().removeShutdownHook(stop);
        server.close();
    }

    private static ObjectStorageServer start(String name) {
        return switch (name) {
            case "s3proxy" -> S3Server.start();
            case "azurite" -> AzuriteServer.start();
            case "fake-gcs" -> FakeGcsServer.start();
            case "seaweedfs" -> SeaweedFsServer.start();
            default -> throw new IllegalArgumentException("unknown storage server " + name);
        };
    }
}
