package io.schemaguard.api;

/** Lifecycle of one backup, as {@code kubectl get} shows it. */
public enum BackupPhase {
    Pending,
    Running,
    Succeeded,
    Failed;

    public boolean isTerminal() {
        return this == Succeeded || this == Failed;
    }
}
