package io.schemaguard.runner.pipeline;

import io.schemaguard.api.CompressionAlgorithm;
import io.schemaguard.contract.FailureReason;
import io.schemaguard.runner.RunnerException;
import io.schemaguard.runner.crypto.BackupCipher;
import io.schemaguard.runner.storage.BackupManifest;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * How a stored dump object turns back into pg_dump's output: decryption with the backup's key when it
 * was encrypted, then decompression. Built from the manifest and the key this runner was given, so a
 * missing or different key is refused before anything is read or touched.
 *
 * @param cipher null for a backup stored unencrypted
 */
public record DumpDecoding(CompressionAlgorithm compression, BackupCipher cipher, String backupId) {

    /** A dump this runner just wrote, with the cipher it wrote it with (or none). */
    public static DumpDecoding of(CompressionAlgorithm compression, Optional<BackupCipher> cipher, String backupId) {
        return new DumpDecoding(compression, cipher.orElse(null), backupId);
    }

    /**
     * The decoding of {@code m}'s dump with {@code key}: throws {@link FailureReason#DecryptionFailed} when
     * the backup is encrypted and no key, a key of another fingerprint, or an unknown algorithm is at hand.
     */
    public static DumpDecoding forManifest(BackupManifest m, String folder, Optional<BackupCipher> key) {
        CompressionAlgorithm compression = CompressionAlgorithm.parse(m.compression());
        BackupManifest.Encryption e = m.encryption();
        if (e == null) {
            return new DumpDecoding(compression, null, m.backupId());
        }
        if (!BackupCipher.ALGORITHM.equals(e.algorithm())) {
            throw new RunnerException(
                    FailureReason.DecryptionFailed,
                    "backup " + folder + " is encrypted with " + e.algorithm() + ", which this runner cannot decrypt"
                            + " (it knows " + BackupCipher.ALGORITHM + ")");
        }
        if (key.isEmpty()) {
            throw new RunnerException(
                    FailureReason.DecryptionFailed,
                    "backup " + folder + " is encrypted (key " + e.keyFingerprint() + ") and this runner has no key:"
                            + " give it as storage.encryption.keySecretRef (" + BackupCipher.KEY_ENV + ")");
        }
        if (!key.get().fingerprint().equals(e.keyFingerprint())) {
            throw new RunnerException(
                    FailureReason.DecryptionFailed,
                    "backup " + folder + " was encrypted with key " + e.keyFingerprint() + ", not with the key given"
                            + " (" + key.get().fingerprint() + "): nothing was read or restored");
        }
        return new DumpDecoding(compression, key.get(), m.backupId());
    }

    public boolean encrypted() {
        return cipher != null;
    }

    /** The plaintext of the stored bytes: decrypted when encrypted, else the same stream. */
    InputStream decrypted(InputStream stored) throws IOException {
        return cipher == null ? stored : cipher.decrypt(stored, backupId);
    }

    InputStream decompressed(InputStream plaintext) throws IOException {
        return Compressors.decompress(compression, plaintext);
    }
}
