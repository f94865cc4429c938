package io.schemaguard.runner.storage;

import io.schemaguard.testing.FakeGcsServer;
import io.schemaguard.testing.ObjectStorageServer;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * The backend suite on Google Cloud Storage, through fake-gcs-server (the JSON API, resumable uploads
 * included). What the emulator cannot show is said here rather than passed: GcsErrorClassificationTest
 * covers the answers it never gives.
 */
class FakeGcsStorageTest extends StorageBackendSuite {
    @Override
    protected ObjectStorageServer startServer() {
        return FakeGcsServer.start();
    }

    /**
     * A resumable session is known only to the client holding its URL (GCS has no call that lists them),
     * so the orphan scan has none to find: GcsObjectStore.unfinished() is empty by design.
     */
    @Override
    protected boolean listsUnfinishedUploads() {
        return false;
    }

    /** fake-gcs-server accepts any request, signed or not, so there is no refusal here to classify. */
    @Test
    @Override
    @Disabled("fake-gcs-server checks no credentials, so it cannot refuse wrong ones;"
            + " GcsErrorClassificationTest covers 401/403 and a refused key")
    void wrongCredentialsAreAccessDenied() {}
}
