package io.schemaguard.runner.storage;

import io.schemaguard.testing.ObjectStorageServer;
import io.schemaguard.testing.S3Server;

/** The backend suite on S3Proxy, the S3 server the rest of the runner tests use. */
class S3ProxyStorageTest extends StorageBackendSuite {
    @Override
    protected ObjectStorageServer startServer() {
        return S3Server.start();
    }
}
