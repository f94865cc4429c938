package io.schemaguard.runner.migration.engine;

import io.schemaguard.runner.postgres.PgTarget;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Applies a directory of migrations to a database and keeps the engine's own history table, so the
 * application's tooling (Flyway, Prisma) sees the database as migrated.
 */
public interface MigrationEngine {

    /**
     * Timeouts set on the session that applies migrations, and how often a migration that hit
     * {@code lock_timeout} (and was rolled back whole) is tried again: after {@code retryBackoff}, then
     * twice as long each time, each attempt told to {@code listener}.
     */
    record Settings(
            Duration lockTimeout,
            Duration statementTimeout,
            int lockRetries,
            Duration retryBackoff,
            RetryListener listener) {
        public Settings {
            if (lockRetries < 0) {
                throw new IllegalArgumentException("lock retries cannot be negative: " + lockRetries);
            }
            retryBackoff = retryBackoff == null ? Duration.ofSeconds(1) : retryBackoff;
            listener = listener == null ? RetryListener.NONE : listener;
        }

        public Settings(Duration lockTimeout, Duration statementTimeout) {
            this(lockTimeout, statementTimeout, 0, null, null);
        }

        /** The wait before attempt {@code attempt + 1}: the backoff doubled per attempt, at most a minute. */
        public Duration backoff(int attempt) {
            Duration wait = retryBackoff.multipliedBy(1L << Math.min(attempt - 1, 16));
            return wait.compareTo(Duration.ofMinutes(1)) > 0 ? Duration.ofMinutes(1) : wait;
        }
    }

    /** Told of each retry after a lock timeout. */
    interface RetryListener {
        RetryListener NONE = (file, attempt, of, wait, reason) -> {};

        void retrying(String file, int attempt, int of, Duration wait, String reason);
    }

    /** {@code flyway}, {@code prisma}. */
    String name();

    /** All migrations in {@code dir}, in the order the engine applies them. */
    List<Migration> all(Path dir);

    /** The migrations of {@code dir} the target's history does not list as applied, in order. */
    List<Migration> pending(PgTarget target, Path dir);

    /** Throws {@link MigrationException} when the history disagrees with the files (checksums, missing, failed). */
    void validate(PgTarget target, Path dir);

    /** Applies every pending migration in order; returns those applied. */
    List<Migration> migrate(PgTarget target, Path dir, Settings settings);
}
