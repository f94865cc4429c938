package io.schemaguard.testing;

import java.io.IOException;
import java.util.Map;

/**
 * Starts one of the test suite's object storage servers for a benchmark script, with a bucket: prints
 * the runner's location, options and environment for it, one per line ({@code LOCATION=}, {@code ARG=},
 * {@code ENV=}), then {@code READY}, and stops the server when its stdin closes. The benchmark thereby
 * writes to exactly the servers the tests prove, started the same way.
 */
public final class StorageServerMain {

    private StorageServerMain() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: StorageServerMain s3proxy|azurite|fake-gcs|seaweedfs BUCKET");
            System.exit(2);
        }
        try (ObjectStorageServer server = start(args[0])) {
            server.createBucket(args[1]);
            System.out.println("LOCATION=" + server.location(args[1], "bench"));
            server.runnerArgs().forEach(a -> System.out.println("ARG=" + a));
            for (Map.Entry<String, String> e : server.runnerEnv().entrySet()) {
                System.out.println("ENV=" + e.getKey() + "=" + e.getValue());
            }
            System.out.println("READY");
            System.out.flush();
            while (System.in.read() >= 0) {
                // until the script closes our stdin
            }
        }
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
