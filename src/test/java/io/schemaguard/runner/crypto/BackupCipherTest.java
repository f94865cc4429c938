package io.schemaguard.runner.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BackupCipherTest {
    static final String KEY = Base64.getEncoder().encodeToString(new byte[32]);
    static final String OTHER = Base64.getEncoder().encodeToString(filled(32, (byte) 7));

    static byte[] filled(int n, byte b) {
        byte[] a = new byte[n];
        Arrays.fill(a, b);
        return a;
    }

    static byte[] plaintext(int n) {
        byte[] b = new byte[n];
        new Random(42).nextBytes(b);
        return b;
    }

    static byte[] encrypt(BackupCipher c, byte[] plain, String id) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream e = c.encrypt(out, id)) {
            e.write(plain);
        }
        return out.toByteArray();
    }

    static byte[] decrypt(BackupCipher c, byte[] cipher, String id) throws IOException {
        try (InputStream in = c.decrypt(new ByteArrayInputStream(cipher), id)) {
            return in.readAllBytes();
        }
    }

    @Test
    void roundTripsAcrossSegmentsAndAddsOnlyASmallOverhead() throws IOException {
        BackupCipher c = BackupCipher.fromBase64(KEY);
        for (int size : new int[] {0, 1, (1 << 20) - 100, 3 * (1 << 20) + 17}) {
            byte[] plain = plaintext(size);
            byte[] sealed = encrypt(c, plain, "b1");
            assertThat(decrypt(c, sealed, "b1")).isEqualTo(plain);
            assertThat(sealed.length - size)
                    .as("a 40-byte header and a 16-byte tag per 1 MiB segment")
                    .isBetween(40 + 16, 40 + 16 * (size / (1 << 20) + 2));
        }
    }

    @Test
    void aDumpMovedToAnotherBackupOrAnotherKeyDoesNotDecrypt() throws IOException {
        byte[] sealed = encrypt(BackupCipher.fromBase64(KEY), plaintext(5000), "b1");
        assertThatThrownBy(() -> decrypt(BackupCipher.fromBase64(KEY), sealed, "b2"))
                .isInstanceOf(BackupCipher.DecryptionException.class);
        assertThatThrownBy(() -> decrypt(BackupCipher.fromBase64(OTHER), sealed, "b1"))
                .isInstanceOf(BackupCipher.DecryptionException.class);
    }

    @Test
    void aFlippedByteOrAMissingLastSegmentDoesNotDecrypt() throws IOException {
        BackupCipher c = BackupCipher.fromBase64(KEY);
        byte[] sealed = encrypt(c, plaintext(2 * (1 << 20) + 5), "b1");
        byte[] flipped = sealed.clone();
        flipped[flipped.length / 2] ^= 1;
        assertThatThrownBy(() -> decrypt(c, flipped, "b1")).isInstanceOf(BackupCipher.DecryptionException.class);
        byte[] cut = Arrays.copyOf(sealed, 1 << 20); // exactly the first ciphertext segment
        assertThatThrownBy(() -> decrypt(c, cut, "b1")).isInstanceOf(BackupCipher.DecryptionException.class);
    }

    @Test
    void theFingerprintNamesTheKeyStablyWithoutBeingIt() {
        String a = BackupCipher.fromBase64(KEY).fingerprint();
        assertThat(a).hasSize(16).isEqualTo(BackupCipher.fromBase64(KEY).fingerprint());
        assertThat(BackupCipher.fromBase64(OTHER).fingerprint()).isNotEqualTo(a);
        assertThat(KEY).doesNotContain(a);
    }

    @Test
    void aKeyOfTheWrongLengthOrNotBase64IsOneLine() {
        assertThatThrownBy(() -> BackupCipher.fromBase64("c2hvcnQ="))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is 5 bytes, not 32");
        assertThatThrownBy(() -> BackupCipher.fromBase64("not base64!"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not base64");
        assertThat(BackupCipher.fromEnvironment(Map.of())).isEmpty();
        assertThat(BackupCipher.fromEnvironment(Map.of(BackupCipher.KEY_ENV, " ")))
                .isEmpty();
        assertThat(BackupCipher.fromEnvironment(Map.of(BackupCipher.KEY_ENV, KEY + "\n")))
                .isPresent();
    }
}
