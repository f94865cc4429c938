package io.schemaguard.migration.engine;

/** A migration engine failure: history out of sync with the files, or a statement that failed. */
public class MigrationException extends RuntimeException {
    private final String file;

    public MigrationException(String message, String file, Throwable cause) {
        super(message, cause);
        this.file = file;
    }

    /** The migration file involved, or null. */
    public String file() {
        return file;
    }
}
