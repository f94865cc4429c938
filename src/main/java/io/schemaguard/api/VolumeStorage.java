package io.schemaguard.api;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** A PersistentVolumeClaim in the resource's namespace, for clusters without object storage. */
@ValidationRule(value = "!has(self.path) || !self.path.contains('..')", message = "path must not contain '..'")
public class VolumeStorage {
    @Required
    @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
    private String claimName;

    /** Directory inside the volume; relative, no "..". */
    @Pattern("^([^/].*)?$")
    private String path;

    public String getClaimName() {
        return claimName;
    }

    public void setClaimName(String claimName) {
        this.claimName = claimName;
    }

    public String getPath() {
        return path;
    }

    public void setPath(String path) {
        this.path = path;
    }
}
