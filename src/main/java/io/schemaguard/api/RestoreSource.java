package io.schemaguard.api;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * What to restore: a DatabaseBackup of the same namespace (by name), or a backup id in a storage
 * location (absent storage means the operator's default storage).
 */
@ValidationRule(value = "has(self.backupName) != has(self.backupId)", message = "set either backupName or backupId")
@ValidationRule(value = "!has(self.storage) || has(self.backupId)", message = "storage goes with backupId")
public class RestoreSource {
    @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
    private String backupName;

    /** {@code <yyyyMMddTHHmmssZ>-<id>}, its folder {@code namespace/database/id}, or {@code latest}. */
    @Pattern("^(latest|([^/]+/[^/]+/)?[0-9]{8}T[0-9]{6}Z-[a-z0-9]{1,16})$")
    private String backupId;

    private StorageSpec storage;

    public String getBackupName() {
        return backupName;
    }

    public void setBackupName(String backupName) {
        this.backupName = backupName;
    }

    public String getBackupId() {
        return backupId;
    }

    public void setBackupId(String backupId) {
        this.backupId = backupId;
    }

    public StorageSpec getStorage() {
        return storage;
    }

    public void setStorage(StorageSpec storage) {
        this.storage = storage;
    }
}
