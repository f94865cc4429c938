package io.schemaguard.api;

import io.fabric8.generator.annotation.ValidationRule;

/** Where backups are kept: exactly one of an S3-compatible bucket or a volume. */
@ValidationRule(value = "has(self.s3) != has(self.volume)", message = "set exactly one of s3 or volume")
public class StorageSpec {
    private S3Storage s3;
    private VolumeStorage volume;

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
