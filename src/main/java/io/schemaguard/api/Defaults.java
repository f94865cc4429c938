package io.schemaguard.api;

/**
 * The API's defaults that code outside the spec classes also needs (the job factories, the runner's
 * options, the decisions), in one place: the CRD schema's {@code default} ({@code @Default}), the spec
 * field's initializer and every fallback read these constants. Numbers are typed; the schema gets
 * their text through {@code "" + X}, which is still a compile-time constant. DefaultsTest checks that
 * every {@code @Default} of the API equals what a fresh spec object holds.
 */
public final class Defaults {
    /** SafeMigration {@code backup.maxAge}: how old the pinned backup may be when the migration starts. */
    public static final String MIGRATION_BACKUP_MAX_AGE = "15m";
    /** SafeMigration {@code safety.lockTimeout}. */
    public static final String LOCK_TIMEOUT = "5s";
    /** SafeMigration {@code safety.statementTimeout}. */
    public static final String STATEMENT_TIMEOUT = "15m";
    /** How long a migration waits for another migration of the same database (its advisory lock). */
    public static final String ADVISORY_LOCK_WAIT = "15m";
    /** SafeMigration {@code safety.lockRetries}. */
    public static final int LOCK_RETRIES = 3;
    /** BackupSchedule {@code orphanScanInterval}. */
    public static final String ORPHAN_SCAN_INTERVAL = "24h";
    /** BackupSchedule {@code failedBackupsHistoryLimit}. */
    public static final int FAILED_BACKUPS_HISTORY_LIMIT = 3;
    /** BackupSchedule {@code timeZone}. */
    public static final String TIME_ZONE = "UTC";
    /** DatabaseBackup (and schedule template) {@code backoffLimit}: pod retries of a backup Job. */
    public static final int BACKUP_BACKOFF_LIMIT = 2;
    /** DatabaseRestore {@code backoffLimit}: a restore is not retried by default. */
    public static final int RESTORE_BACKOFF_LIMIT = 0;
    /** {@code activeDeadlineSeconds} of backup, restore and orphan-scan Jobs: 6 hours. */
    public static final long ACTIVE_DEADLINE_SECONDS = 21600L;
    /** {@code port} of a database or verification server. */
    public static final int POSTGRES_PORT = 5432;
    /** S3 {@code region}. */
    public static final String S3_REGION = "us-east-1";
    /** Keys of an S3 credentials Secret. */
    public static final String S3_ACCESS_KEY_ID_KEY = "AWS_ACCESS_KEY_ID";

    public static final String S3_SECRET_ACCESS_KEY_KEY = "AWS_SECRET_ACCESS_KEY";

    /** The Secret key a GCS service account's JSON key is read from when the reference names none. */
    public static final String GCS_CREDENTIALS_KEY = "key.json";

    /** The Secret key an encryption key is read from unless storage.encryption.keySecretRef.key says otherwise. */
    public static final String ENCRYPTION_KEY = "encryption-key";

    private Defaults() {}
}
