package io.schemaguard.api;

/** Lifecycle of one run (a backup, a restore), as {@code kubectl get} shows it. */
public enum Phase {
    Pending,
    Running,
    Succeeded,
    Failed;

    public boolean isTerminal() {
        return this == Succeeded || this == Failed;
    }
}
