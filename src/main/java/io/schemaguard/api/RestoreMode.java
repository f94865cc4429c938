package io.schemaguard.api;

/** NewDatabase: the target must not exist or be empty. Replace: clean and recreate the target's objects. */
public enum RestoreMode {
    NewDatabase,
    Replace
}
