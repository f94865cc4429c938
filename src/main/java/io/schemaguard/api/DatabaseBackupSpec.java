package io.schemaguard.api;

import io.fabric8.generator.annotation.ValidationRule;

/**
 * What to dump and where to. Immutable once created: a backup describes one run, so a different
 * run is a new DatabaseBackup.
 */
@ValidationRule(value = "self == oldSelf", message = "spec is immutable: create a new DatabaseBackup instead")
public class DatabaseBackupSpec extends BackupSpec {}
