package io.schemaguard.runner.migration.engine;

/** A migration engine failure: history out of sync with the files, or a statement that failed. */
public class MigrationException extends RuntimeException {
    private final String file;
    private final String remedy;

    public MigrationException(String message, String file, Throwable cause) {
        this(message, file, cause, null);
    }

    /** @param remedy what to do on the database the migration failed on (null when the message says it all) */
    public MigrationException(String message, String file, Throwable cause, String remedy) {
        super(message, cause);
        this.file = file;
        this.remedy = remedy;
    }

    /** The message and the remedy: what a person working on this database needs. */
    public String withRemedy() {
        return remedy == null ? getMessage() : getMessage() + "; " + remedy;
    }

    /** The migration file involved, or null. */
    public String file() {
        return file;
    }
}
