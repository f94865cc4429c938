package io.schemaguard.api;

/**
 * The DatabaseBackup spec a schedule stamps out for each run. Unlike a DatabaseBackup's own spec it
 * can change: the next run uses the new template, backups already taken keep theirs.
 */
public class BackupTemplate extends BackupSpec {}
