package io.schemaguard.migration.engine;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import io.schemaguard.postgres.PgTarget;

/**
 * Applies a directory of migrations to a database and keeps the engine's own history table, so the
 * application's tooling (Flyway, Prisma) sees the database as migrated.
 */
public interface MigrationEngine {

    /** Timeouts set on the session that applies migrations. */
    record Settings(Duration lockTimeout, Duration statementTimeout) {
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
