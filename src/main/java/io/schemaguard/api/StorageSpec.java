package io.schemaguard.api;

import io.fabric8.generator.annotation.ValidationRule;

/** Where backups are kept: exactly one of an S3-compatible bucket, an Azure container, a GCS bucket or a volume. */
@ValidationRule(
        value = "[has(self.s3), has(self.azure), has(self.gcs), has(self.volume)].filter(x, x).size() == 1",
        message = "set exactly one of s3, azure, gcs or volume")
public class StorageSpec {
    private S3Storage s3;
    private AzureStorage azure;
    private GcsStorage gcs;
    private VolumeStorage volume;

    /** Client-side encryption of the dumps kept here (with any of the four stores). */
    private EncryptionSpec encryption;

    public EncryptionSpec getEncryption() {
        return encryption;
    }

    public void setEncryption(EncryptionSpec encryption) {
        this.encryption = encryption;
    }

    public AzureStorage getAzure() {
        return azure;
    }

    public void setAzure(AzureStorage azure) {
        this.azure = azure;
    }

    public GcsStorage getGcs() {
        return gcs;
    }

    public void setGcs(GcsStorage gcs) {
        this.gcs = gcs;
    }

    public S3Storage getS3() {
        return s3;
    }

    public void setS3(S3Storage s3) {
        this.s3 = s3;
    }

    public VolumeStorage getVolume() {
        return volume;
    }

    public void setVolume(VolumeStorage volume) {
        this.volume = volume;
    }
}
