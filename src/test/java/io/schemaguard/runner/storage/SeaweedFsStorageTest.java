package io.schemaguard.runner.storage;

import io.schemaguard.testing.ObjectStorageServer;
import io.schemaguard.testing.SeaweedFsServer;

/** The backend suite on SeaweedFS's S3 gateway, a second S3 implementation beside S3Proxy. */
class SeaweedFsStorageTest extends StorageBackendSuite {
    @Override
    protected ObjectStorageServer startServer() {
        return SeaweedFsServer.start();
    }
}
