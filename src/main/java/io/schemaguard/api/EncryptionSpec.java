package io.schemaguard.api;

import io.fabric8.generator.annotation.Required;

/**
 * Client-side encryption of the dumps written to this storage: the runner encrypts each dump with the
 * key (32 random bytes, base64, e.g. {@code openssl rand -base64 32}) before it leaves the pod, and
 * decrypts with it on verify and restore. The key reaches the runner only as a {@code secretKeyRef};
 * the operator never reads it. Keep a copy of the key outside the cluster: without it no encrypted
 * backup can be restored.
 */
public class EncryptionSpec {
    /** The Secret key holding the encryption key; key defaults to {@code encryption-key}. */
    @Required
    private SecretKeySelector keySecretRef;

    public SecretKeySelector getKeySecretRef() {
        return keySecretRef;
    }

    public void setKeySecretRef(SecretKeySelector keySecretRef) {
        this.keySecretRef = keySecretRef;
    }
}
