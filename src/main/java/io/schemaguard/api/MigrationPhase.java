package io.schemaguard.api;

/** Where a SafeMigration run is; the last four end a run. */
public enum MigrationPhase {
    Pending,
    Planning,
    BackingUp,
    Rehearsing,
    WaitingForDatabase,
    Migrating,
    Restoring,
    Succeeded,
    Blocked,
    Failed,
    Restored;

    public boolean isTerminal() {
        return this == Succeeded || this == Blocked || this == Failed || this == Restored;
    }
}
