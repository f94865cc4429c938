package io.schemaguard.contract;

/**
 * Why a runner command failed. The name travels in the termination message (and from there into the
 * resource's conditions); the exit code groups reasons so a Job's pod failure policy can tell
 * configuration errors (2, not worth retrying) from the rest.
 */
public enum FailureReason {
    InvalidArguments(2),
    PgToolTooOld(2),
    TargetNotEmpty(2),
    PrerequisitesMissing(2),
    /** A destructive statement no approval covers: the migration does not run. */
    MigrationBlocked(2),
    /** The backup is older than the migration's maxAge: a fresh one is needed, not a retry. */
    BackupStale(2),
    /**
     * The migration holds statements that act on the whole server (a database, a role, a setting): a
     * rehearsal on the shared server would run them for real, so it needs a separate rehearsal server.
     */
    RehearsalRefused(2),
    /** Another runner took over writing the same backup id: this one stopped, the other carries on. */
    BackupInProgress(2),
    /** The storage server does not implement a setting asked of it (e.g. server-side encryption). */
    StorageUnsupported(2),
    DatabaseUnreachable(3),
    AuthenticationFailed(3),
    DatabaseNotFound(3),
    DatabaseError(3),
    DumpFailed(3),
    RestoreFailed(3),
    DatabaseBusy(3),
    MigrationFailed(3),
    StorageUnreachable(4),
    StorageAccessDenied(4),
    BucketNotFound(4),
    BackupNotFound(4),
    StorageFull(4),
    StorageError(4),
    ChecksumMismatch(5),
    ManifestInvalid(5),
    RowCountMismatch(5),
    VerificationFailed(5),
    /** An encrypted backup with no key, another key, or ciphertext that does not authenticate. */
    DecryptionFailed(5),
    Internal(1);

    private final int exitCode;

    FailureReason(int exitCode) {
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }

    /** Exit code of every configuration error that retrying cannot fix. */
    public static final int CONFIGURATION_EXIT_CODE = 2;
}
