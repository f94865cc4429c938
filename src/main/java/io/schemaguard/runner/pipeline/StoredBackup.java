package io.schemaguard.runner.pipeline;

import io.schemaguard.api.CompressionAlgorithm;
import io.schemaguard.contract.FailureReason;
import io.schemaguard.runner.RunnerException;
import io.schemaguard.runner.Streams;
import io.schemaguard.runner.crypto.BackupCipher;
import io.schemaguard.runner.storage.BackupCatalog;
import io.schemaguard.runner.storage.BackupManifest;
import io.schemaguard.runner.storage.ObjectStore;
import io.schemaguard.runner.storage.StorageException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/** A complete backup in a store, found by id, folder or {@code latest}, and checked against its manifest. */
public record StoredBackup(BackupCatalog.Entry entry, BackupManifest manifest, String dumpKey) {

    static final String LATEST = "latest";

    public static StoredBackup resolve(ObjectStore store, String ref, String namespace, String database) {
        try {
            BackupCatalog catalog = new BackupCatalog(store);
            BackupCatalog.Entry entry = LATEST.equals(ref) ? catalog.latest(namespace, database) : catalog.find(ref);
            if (!entry.complete()) {
                throw new RunnerException(
                        FailureReason.ManifestInvalid,
                        "backup " + entry.folder() + " is incomplete: " + entry.problem());
            }
            BackupManifest m = entry.manifest();
            // The manifest, not the folder, says whose backup it is: a restore of the wrong database is refused.
            if (database != null && !database.equals(m.database())) {
                throw new RunnerException(
                        FailureReason.BackupNotFound,
                        "backup " + entry.folder() + " is of database '" + m.database() + "', not '" + database
                                + "': nothing was restored");
            }
            if (namespace != null && m.namespace() != null && !namespace.equals(m.namespace())) {
                throw new RunnerException(
                        FailureReason.BackupNotFound,
                        "backup " + entry.folder() + " is of namespace '" + m.namespace() + "', not '" + namespace
                                + "': nothing was restored");
            }
            String dumpKey = entry.folder() + "/" + m.dumpObject();
            if (entry.objects().stream().noneMatch(o -> o.key().equals(dumpKey))) {
                throw new RunnerException(
                        FailureReason.BackupNotFound,
                        "manifest of " + entry.folder() + " names " + m.dumpObject() + ", which is missing");
            }
            return new StoredBackup(entry, m, dumpKey);
        } catch (StorageException e) {
            throw RunnerException.from(e);
        }
    }

    public CompressionAlgorithm compression() {
        return CompressionAlgorithm.parse(manifest.compression());
    }

    public String url(ObjectStore store) {
        return store.location().url(dumpKey);
    }

    /**
     * Reads the whole object once and compares its SHA-256 and size with the manifest: proof that the
     * bytes are exactly those uploaded (and verified) at backup time. Cheaper than {@link #verify}
     * (no decompression); a restore relies on it, since decoding errors surface during the restore's
     * own decompression (zstd frame checksums) and roll its transaction back.
     */
    public void verifyChecksum(ObjectStore store) {
        Streams.Hashed actual;
        try (InputStream raw = store.open(dumpKey)) {
            actual = Streams.hash(raw);
        } catch (StorageException e) {
            throw RunnerException.from(e);
        } catch (IOException e) {
            throw new RunnerException(
                    FailureReason.StorageError, "cannot read " + url(store) + ": " + e.getMessage(), e);
        }
        checkDigest(actual.sha256(), actual.size());
    }

    /** Throws {@link FailureReason#ChecksumMismatch} unless the stored object's SHA-256 and size are the manifest's. */
    void checkDigest(String sha256, long size) {
        if (!sha256.equals(manifest.sha256()) || size != manifest.sizeBytes()) {
            throw new RunnerException(
                    FailureReason.ChecksumMismatch,
                    "backup " + entry.folder()
                            + " is corrupt: stored object has sha256 " + sha256 + " and " + size
                            + " bytes, manifest says " + manifest.sha256() + " and " + manifest.sizeBytes() + " bytes");
        }
    }

    /** How to decode this backup's dump with {@code key}; refuses a missing or different key before any read. */
    public DumpDecoding decoding(Optional<BackupCipher> key) {
        return DumpDecoding.forManifest(manifest, entry.folder(), key);
    }

    /**
     * Reads the whole object once, hashing the stored bytes while decrypting (when it was encrypted)
     * and decompressing them: SHA-256 and size must match the manifest, every encrypted segment must
     * authenticate, and the stream must decode (zstd frames carry their own checksum) to the recorded
     * dump size. Stored bytes that differ are {@link FailureReason#ChecksumMismatch}; right bytes that
     * do not decrypt are {@link FailureReason#DecryptionFailed}.
     */
    public void verify(ObjectStore store, Optional<BackupCipher> key) {
        DumpDecoding decoding = decoding(key);
        MessageDigest sha = Streams.sha256();
        AtomicLong stored = new AtomicLong();
        long rawSize;
        IOException decodeFailure = null;
        FailureRecordingStream decrypted = null;
        try (FailureRecordingStream raw = new FailureRecordingStream(store.open(dumpKey));
                InputStream counted = Streams.counting(new DigestInputStream(raw, sha), stored)) {
            // the decoders are closed before the rest is hashed, so they must not close the stored stream
            InputStream shielded = new FilterInputStream(counted) {
                @Override
                public void close() {}
            };
            try (FailureRecordingStream plain = new FailureRecordingStream(decoding.decrypted(shielded));
                    InputStream decoded = decoding.decompressed(plain)) {
                decrypted = plain;
                rawSize = Streams.drain(decoded);
            } catch (IOException e) {
                if (raw.failure != null) {
                    throw e; // storage failed under the decoder: a storage error, not a corrupt backup
                }
                decodeFailure = e;
                rawSize = -1;
            }
            // bytes after the last frame, or after a segment that failed, would otherwise go unhashed
            Streams.drain(counted);
        } catch (StorageException e) {
            throw RunnerException.from(e);
        } catch (IOException e) {
            if (e.getCause() instanceof StorageException se) {
                throw RunnerException.from(se); // a resumed read that could not go on: the storage's own answer
            }
            throw new RunnerException(
                    FailureReason.StorageError, "cannot read " + url(store) + ": " + e.getMessage(), e);
        }
        String sha256 = Streams.hex(sha.digest());
        checkDigest(sha256, stored.get());
        if (decodeFailure != null) {
            if (decrypted != null && decrypted.failure instanceof BackupCipher.DecryptionException d) {
                throw new RunnerException(
                        FailureReason.DecryptionFailed,
                        "backup " + entry.folder() + " matches its checksum but does not decrypt with key "
                                + decoding.cipher().fingerprint() + ": " + d.getMessage(),
                        d);
            }
            throw new RunnerException(
                    FailureReason.ChecksumMismatch,
                    "backup " + entry.folder() + " is corrupt: the object does not decode ("
                            + decodeFailure.getMessage() + ")",
                    decodeFailure);
        }
        if (rawSize != manifest.rawSizeBytes()) {
            throw new RunnerException(
                    FailureReason.ChecksumMismatch,
                    "backup " + entry.folder() + " decodes to " + rawSize + " bytes, manifest says "
                            + manifest.rawSizeBytes());
        }
    }
}
