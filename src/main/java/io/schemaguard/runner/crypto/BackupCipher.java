package io.schemaguard.runner.crypto;

import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.StreamingAead;
import com.google.crypto.tink.streamingaead.AesGcmHkdfStreamingKey;
import com.google.crypto.tink.streamingaead.AesGcmHkdfStreamingParameters;
import com.google.crypto.tink.subtle.AesGcmHkdfStreaming;
import com.google.crypto.tink.util.SecretBytes;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

/**
 * Client-side encryption of a backup's dump object with Tink's streaming AEAD (AES-256-GCM, a key per
 * object derived by HKDF-SHA256, 1 MiB authenticated segments), so storage only ever holds ciphertext
 * and a flipped, dropped or truncated segment fails to decrypt. The backup id is the associated data:
 * a dump moved into another backup's folder does not decrypt there.
 */
public final class BackupCipher {

    /** What the manifest records as the algorithm; a runner refuses to decrypt any other. */
    public static final String ALGORITHM = "tink-streaming-aes256-gcm-hkdf-sha256-1mib";

    /** The environment variable the key arrives in (a Secret's key, through secretKeyRef). */
    public static final String KEY_ENV = "SCHEMAGUARD_ENCRYPTION_KEY";

    public static final int KEY_BYTES = 32;
    private static final int SEGMENT_BYTES = 1 << 20;

    private final StreamingAead aead;
    private final String fingerprint;

    private BackupCipher(StreamingAead aead, String fingerprint) {
        this.aead = aead;
        this.fingerprint = fingerprint;
    }

    /** The cipher of {@link #KEY_ENV} when it is set, with a one-line error when it is not a valid key. */
    public static Optional<BackupCipher> fromEnvironment(Map<String, String> env) {
        String value = env.get(KEY_ENV);
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(fromBase64(value.strip()));
    }

    /** A key given as base64 of 32 random bytes, e.g. {@code openssl rand -base64 32}. */
    public static BackupCipher fromBase64(String base64) {
        byte[] key;
        try {
            key = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "the encryption key (" + KEY_ENV + ") is not base64: give 32 random bytes in base64,"
                            + " e.g. the output of `openssl rand -base64 32`");
        }
        if (key.length != KEY_BYTES) {
            throw new IllegalArgumentException("the encryption key (" + KEY_ENV + ") is " + key.length + " bytes, not "
                    + KEY_BYTES + ": give 32 random bytes in base64, e.g. `openssl rand -base64 32`");
        }
        try {
            AesGcmHkdfStreamingParameters parameters = AesGcmHkdfStreamingParameters.builder()
                    .setKeySizeBytes(KEY_BYTES)
                    .setDerivedAesGcmKeySizeBytes(KEY_BYTES)
                    .setHkdfHashType(AesGcmHkdfStreamingParameters.HashType.SHA256)
                    .setCiphertextSegmentSizeBytes(SEGMENT_BYTES)
                    .build();
            AesGcmHkdfStreamingKey tinkKey =
                    AesGcmHkdfStreamingKey.create(parameters, SecretBytes.copyFrom(key, InsecureSecretKeyAccess.get()));
            return new BackupCipher(AesGcmHkdfStreaming.create(tinkKey), fingerprintOf(key));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up Tink's AES-GCM-HKDF streaming AEAD: " + e.getMessage(), e);
        }
    }

    /**
     * Names the key without revealing it: the first 16 hex digits of SHA-256 over a label and the key,
     * so a restore can say "wrong key" before reading a byte, and two keys are told apart in a listing.
     */
    public String fingerprint() {
        return fingerprint;
    }

    /** Ciphertext of everything written to the returned stream goes to {@code ciphertext}; close it to finish. */
    public OutputStream encrypt(OutputStream ciphertext, String backupId) throws IOException {
        try {
            return aead.newEncryptingStream(ciphertext, associatedData(backupId));
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot start encrypting: " + e.getMessage(), e);
        }
    }

    /**
     * The plaintext of {@code ciphertext}. A read throws {@link DecryptionException} where a segment does
     * not authenticate (altered, cut short, another key or another backup's), and the source's own
     * IOException, unchanged, where reading the ciphertext failed.
     */
    public InputStream decrypt(InputStream ciphertext, String backupId) throws IOException {
        SourceFailures source = new SourceFailures(ciphertext);
        InputStream plain;
        try {
            plain = aead.newDecryptingStream(source, associatedData(backupId));
        } catch (GeneralSecurityException e) {
            throw new DecryptionException("cannot start decrypting: " + firstLine(e.getMessage()), e);
        }
        return new FilterInputStream(plain) {
            @Override
            public int read() throws IOException {
                try {
                    return super.read();
                } catch (IOException e) {
                    throw source.classify(e);
                }
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                try {
                    return super.read(b, off, len);
                } catch (IOException e) {
                    throw source.classify(e);
                }
            }
        };
    }

    /** Ciphertext that does not decrypt with this key and backup id; one line, naming no secret. */
    public static final class DecryptionException extends IOException {
        DecryptionException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The ciphertext source, remembering whether it failed, so Tink's errors and the source's are told apart. */
    private static final class SourceFailures extends FilterInputStream {
        private IOException failure;

        SourceFailures(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (IOException e) {
                failure = e;
                throw e;
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (IOException e) {
                failure = e;
                throw e;
            }
        }

        IOException classify(IOException e) {
            if (failure != null || e instanceof DecryptionException) {
                return e;
            }
            // Tink's message spans many lines of its stream's state; its first line says what failed
            return new DecryptionException("a segment does not authenticate (" + firstLine(e.getMessage()) + ")", e);
        }
    }

    private static String firstLine(String s) {
        if (s == null || s.isBlank()) {
            return "no detail";
        }
        return s.strip().lines().findFirst().orElse(s).strip();
    }

    private static byte[] associatedData(String backupId) {
        return ("schemaguard backup " + backupId).getBytes(StandardCharsets.UTF_8);
    }

    private static String fingerprintOf(byte[] key) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update("schemaguard encryption key fingerprint\0".getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest(key)).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
