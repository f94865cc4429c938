package io.schemaguard.api;

/** What deleting a DatabaseBackup does to its object in storage. */
public enum DeletionPolicy {
    /** A short Job deletes the backup's objects before the resource goes away (a finalizer waits for it). */
    Delete,
    /** The objects stay in storage; only the resource goes. */
    Retain
}
