package io.schemaguard.api;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** An S3-compatible bucket (AWS S3, MinIO, Ceph RGW, ...). */
@ValidationRule(
        value = "!has(self.kmsKeyId) || (has(self.serverSideEncryption) && self.serverSideEncryption == 'aws:kms')",
        message = "kmsKeyId needs serverSideEncryption aws:kms")
public class S3Storage {
    @Required
    @Pattern("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
    private String bucket;

    /** Key prefix inside the bucket, without leading or trailing slash. */
    @Pattern("^$|^[^/].*[^/]$|^[^/]$")
    private String prefix;

    /** Endpoint URL for S3-compatible stores; empty means AWS. */
    @Pattern("^https?://.+")
    private String endpoint;

    @Default(Defaults.S3_REGION)
    private String region = Defaults.S3_REGION;

    /** Path-style addressing, as MinIO and most S3-compatible stores need. */
    @Default("false")
    private Boolean forcePathStyle = false;

    /**
     * Server-side encryption the runner asks S3 for on every object it writes: {@code AES256} (SSE-S3)
     * or {@code aws:kms} (SSE-KMS); absent means the bucket's default encryption.
     */
    @Pattern("^(AES256|aws:kms)$")
    private String serverSideEncryption;

    /** With {@code aws:kms}: the KMS key's id, ARN or alias; absent means the account's AWS managed key. */
    private String kmsKeyId;

    public String getServerSideEncryption() {
        return serverSideEncryption;
    }

    public void setServerSideEncryption(String serverSideEncryption) {
        this.serverSideEncryption = serverSideEncryption;
    }

    public String getKmsKeyId() {
        return kmsKeyId;
    }

    public void setKmsKeyId(String kmsKeyId) {
        this.kmsKeyId = kmsKeyId;
    }

    /** Access keys; absent means the pod's ambient credentials (e.g. IRSA, instance profile). */
    private S3Credentials credentialsSecretRef;

    public String getBucket() {
        return bucket;
    }

    public void setBucket(String bucket) {
        this.bucket = bucket;
    }

    public String getPrefix() {
        return prefix;
    }

    public void setPrefix(String prefix) {
        this.prefix = prefix;
    }

    public String getEndpoint() {
        return endpoint;
    }

    public void setEndpoint(String endpoint) {
        this.endpoint = endpoint;
    }

    public String getRegion() {
        return region;
    }

    public void setRegion(String region) {
        this.region = region;
    }

    public Boolean getForcePathStyle() {
        return forcePathStyle;
    }

    public void setForcePathStyle(Boolean forcePathStyle) {
        this.forcePathStyle = forcePathStyle;
    }

    public S3Credentials getCredentialsSecretRef() {
        return credentialsSecretRef;
    }

    public void setCredentialsSecretRef(S3Credentials credentialsSecretRef) {
        this.credentialsSecretRef = credentialsSecretRef;
    }

    /** A Secret holding an access key pair. */
    public static class S3Credentials {
        @Required
        @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
        private String name;

        @Default(Defaults.S3_ACCESS_KEY_ID_KEY)
        private String accessKeyIdKey = Defaults.S3_ACCESS_KEY_ID_KEY;

        @Default(Defaults.S3_SECRET_ACCESS_KEY_KEY)
        private String secretAccessKeyKey = Defaults.S3_SECRET_ACCESS_KEY_KEY;

        public S3Credentials() {}

        public S3Credentials(String name) {
            this.name = name;
        }

        public String getName() {
            return name;
        }

        public void setName(String name) {
            this.name = name;
        }

        public String getAccessKeyIdKey() {
            return accessKeyIdKey;
        }

        public void setAccessKeyIdKey(String accessKeyIdKey) {
            this.accessKeyIdKey = accessKeyIdKey;
        }

        public String getSecretAccessKeyKey() {
            return secretAccessKeyKey;
        }

        public void setSecretAccessKeyKey(String secretAccessKeyKey) {
            this.secretAccessKeyKey = secretAccessKeyKey;
        }
    }
}
