package io.schemaguard.runner.storage;

import com.azure.storage.blob.models.BlobHttpHeaders;
import com.azure.storage.blob.specialized.BlockBlobClient;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A block blob fed from the part pool: each part is a staged block, and the blob exists only once
 * the block list is committed. Block ids carry a per-upload nonce, so two writers of one key (which
 * the backup's writer token rules out anyway) cannot commit each other's blocks.
 */
final class AzureBlockSink extends PartPoolSink<String> {

    private static final BlobHttpHeaders OCTETS = new BlobHttpHeaders().setContentType("application/octet-stream");

    private final AzureBlobObjectStore store;
    private final BlockBlobClient blob;
    private final String nonce = UUID.randomUUID().toString().substring(0, 8);

    AzureBlockSink(AzureBlobObjectStore store, String key) {
        super(key, store.settings(), "azure-block-upload");
        this.store = store;
        this.blob =
                store.container().getBlobClient(store.location().fullKey(key)).getBlockBlobClient();
    }

    @Override
    protected void putWhole(byte[] body, int length) {
        try {
            blob.uploadWithResponse(
                    new ByteArrayInputStream(body, 0, length), length, OCTETS, null, null, null, null, null, null);
        } catch (RuntimeException e) {
            throw store.classify(e, "upload " + store.location().url(key));
        }
    }

    @Override
    protected void begin() {
        // nothing to start: staging the first block is the start
    }

    @Override
    protected String uploadPart(int number, byte[] buffer, int length) {
        // ids must be base64 and of one length within a blob
        String id = Base64.getEncoder()
                .encodeToString(String.format("%s-%06d", nonce, number).getBytes(StandardCharsets.US_ASCII));
        try {
            // a ByteArrayInputStream can be reset, so the SDK's retries resend the same block
            blob.stageBlock(id, new ByteArrayInputStream(buffer, 0, length), length);
            return id;
        } catch (RuntimeException e) {
            throw store.classify(
                    e, "upload block " + number + " of " + store.location().url(key));
        }
    }

    @Override
    protected void complete(List<String> blockIds) {
        try {
            blob.commitBlockListWithResponse(blockIds, OCTETS, Map.of(), null, null, null, null);
        } catch (RuntimeException e) {
            throw store.classify(e, "upload " + store.location().url(key));
        }
    }

    @Override
    protected void discard() {
        // Staged blocks cannot be deleted; uncommitted, they are invisible and dropped by the service after
        // seven days, and the orphan scan (unfinished/abandon) clears them sooner.
    }
}
