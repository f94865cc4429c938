package io.schemaguard.api;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.api.model.SecretKeySelectorBuilder;

/**
 * A key of a Secret in the resource's own namespace. The operator never reads it: it only becomes a
 * {@code secretKeyRef} in the Job's pod, so the kubelet is the only reader.
 */
public class SecretKeySelector {
    @Required
    @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
    private String name;

    private String key;

    public SecretKeySelector() {}

    public SecretKeySelector(String name, String key) {
        this.name = name;
        this.key = key;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    /** The key inside the Secret; each reference documents its own default. */
    public String getKey() {
        return key;
    }

    public void setKey(String key) {
        this.key = key;
    }

    public io.fabric8.kubernetes.api.model.SecretKeySelector toKubernetes(String defaultKey) {
        return new SecretKeySelectorBuilder()
                .withName(name)
                .withKey(key == null || key.isBlank() ? defaultKey : key)
                .withOptional(false)
                .build();
    }
}
