package io.schemaguard.api;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/**
 * A Google Cloud Storage bucket. Credentials: a service account key (its JSON) from a Secret through
 * {@code secretKeyRef}; absent means the pod's workload identity (GKE) or other default credentials.
 */
public class GcsStorage {
    @Required
    @Pattern("^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$")
    private String bucket;

    /** Object name prefix inside the bucket, without leading or trailing slash. */
    @Pattern("^$|^[^/].*[^/]$|^[^/]$")
    private String prefix;

    /** The JSON API's URL when it is not Google's (an emulator, a private endpoint). */
    @Pattern("^https?://.+")
    private String endpoint;

    /** The key of a service account, as JSON; absent means the pod's workload identity. */
    private SecretKeySelector credentialsSecretRef;

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

    public SecretKeySelector getCredentialsSecretRef() {
        return credentialsSecretRef;
    }

    public void setCredentialsSecretRef(SecretKeySelector credentialsSecretRef) {
        this.credentialsSecretRef = credentialsSecretRef;
    }
}
