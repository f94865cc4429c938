package io.schemaguard.runner.storage;

import io.schemaguard.testing.AzuriteServer;
import io.schemaguard.testing.ObjectStorageServer;

/** The backend suite on Azure Blob Storage, through Azurite (the emulator Microsoft publishes). */
class AzuriteStorageTest extends StorageBackendSuite {
    @Override
    protected ObjectStorageServer startServer() {
        return AzuriteServer.start();
    }
}
