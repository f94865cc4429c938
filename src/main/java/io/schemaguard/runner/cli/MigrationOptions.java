package io.schemaguard.runner.cli;

import io.schemaguard.api.Defaults;
import io.schemaguard.api.MigrationEngineType;
import io.schemaguard.api.SafeMigrationSpec.Assertion;
import io.schemaguard.runner.migration.MigrationExecutor;
import io.schemaguard.runner.migration.MigrationFiles;
import io.schemaguard.runner.migration.engine.FlywayEngine;
import io.schemaguard.runner.migration.engine.MigrationEngine;
import io.schemaguard.runner.migration.engine.MigrationEngines;
import io.schemaguard.runner.postgres.PgTarget;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;

/** Options of the migration commands: the engine, where its files are, and what is approved. */
final class MigrationOptions {

    @Option(
            names = "--engine",
            defaultValue = "flyway",
            paramLabel = "ENGINE",
            description = "flyway (default) or prisma")
    String engine;

    @Option(
            names = "--migrations",
            paramLabel = "DIR",
            description = {
                "directory of migrations (repeatable: several are merged); Prisma files may come flat as",
                "<timestamp>_<name>.sql (a ConfigMap cannot hold directories)"
            })
    List<Path> migrations = new ArrayList<>();

    @Option(names = "--allow-data-loss", description = "let destructive statements run (they are still reported)")
    boolean allowDataLoss;

    @Option(names = "--approve", paramLabel = "SHA256", description = "approve one destructive statement by its hash")
    List<String> approved = new ArrayList<>();

    @Option(
            names = "--lock-hazards",
            defaultValue = "warn",
            paramLabel = "warn|block",
            description =
                    "lock and downtime hazards (index builds without CONCURRENTLY, validating constraints, ...): warn (default) or block like data loss")
    String lockHazards;

    @Option(
            names = "--rehearsal-server",
            paramLabel = "URL",
            description = {
                "postgresql://user@host:port of a separate server for the rehearsal's scratch copy; its password",
                "comes from $SCHEMAGUARD_REHEARSAL_PGPASSWORD (or $PGPASSWORD); the user needs CREATEDB"
            })
    String rehearsalServer;

    @Option(
            names = "--lock-timeout",
            defaultValue = Defaults.LOCK_TIMEOUT,
            paramLabel = "DURATION",
            description = "lock_timeout while migrating")
    String lockTimeout;

    @Option(
            names = "--statement-timeout",
            defaultValue = Defaults.STATEMENT_TIMEOUT,
            paramLabel = "DURATION",
            description = "statement_timeout while migrating")
    String statementTimeout;

    @Option(
            names = "--lock-retries",
            defaultValue = "" + Defaults.LOCK_RETRIES,
            paramLabel = "N",
            description = {
                "how often a migration that hit --lock-timeout (and was rolled back whole) is tried again, after",
                "--lock-retry-backoff, doubled each time; default ${DEFAULT-VALUE}, 0 fails at once"
            })
    int lockRetries;

    @Option(
            names = "--lock-retry-backoff",
            defaultValue = "2s",
            paramLabel = "DURATION",
            description = "the first wait before a retry; default ${DEFAULT-VALUE}")
    String lockRetryBackoff;

    @Option(names = "--no-row-counts", description = "do not require tables to keep their rows")
    boolean noRowCounts;

    @Option(names = "--assert", paramLabel = "NAME=SQL", description = "a query that must return true after migrating")
    List<String> assertions = new ArrayList<>();

    @Option(
            names = "--work-dir",
            paramLabel = "DIR",
            defaultValue = "${sys:java.io.tmpdir}",
            description = "scratch space (migration files laid out for the engine, dumps of restores)")
    Path workDir;

    @Option(
            names = "--pg-bin",
            paramLabel = "DIR",
            defaultValue = "${env:SCHEMAGUARD_PG_BIN}",
            description = "directory of the PostgreSQL client programs")
    Path pgBin;

    MigrationEngine engine() {
        return MigrationEngines.of(engine);
    }

    /**
     * Every option checked before the command's first side effect (a backup, a rehearsal, a migration):
     * a bad duration or a misnamed file must not surface after a backup and a rehearsal already ran.
     *
     * @param needsMigrations whether the command reads migration files (engine command does not)
     */
    void validate(boolean needsMigrations) {
        settings(); // durations and retries
        policy(); // --lock-hazards
        assertions();
        rehearsalServer();
        if (!needsMigrations || "command".equalsIgnoreCase(engine)) {
            return;
        }
        MigrationEngine e = engine();
        if (migrations.isEmpty()) {
            throw new IllegalArgumentException("--migrations is required");
        }
        for (Path dir : migrations) {
            if (!Files.isDirectory(dir)) {
                throw new IllegalArgumentException("migrations directory " + dir + " does not exist");
            }
            List<String> huge = oversized(dir);
            if (!huge.isEmpty()) {
                throw new IllegalArgumentException(huge + " in " + dir + " exceed " + MAX_FILE_BYTES / (1024 * 1024)
                        + " MiB: the lint reads and parses each file whole, so such a file is refused rather than"
                        + " running the runner out of memory; split it, or load bulk data outside the migrations");
            }
        }
        if (e instanceof FlywayEngine) {
            for (Path dir : migrations) {
                List<String> misnamed = FlywayEngine.misnamed(dir);
                if (!misnamed.isEmpty()) {
                    throw new IllegalArgumentException(
                            misnamed + " in " + dir + " do not follow Flyway's naming"
                                    + " (V<version>__<description>.sql, R__<description>.sql), so they would never run: rename them");
                }
            }
        }
        if (e.all(directory()).isEmpty()) {
            throw new IllegalArgumentException("no migration files in " + migrations + ": nothing would be applied"
                    + " (is --migrations the right directory, and --engine " + engine + " the right engine?)");
        }
    }

    /** Larger migration files are refused: each is read and parsed whole, within the runner's small heap. */
    static final long MAX_FILE_BYTES = 8L * 1024 * 1024;

    private static List<String> oversized(Path dir) {
        try (var files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile)
                    .filter(f -> {
                        try {
                            return Files.size(f) > MAX_FILE_BYTES;
                        } catch (IOException e) {
                            return false;
                        }
                    })
                    .map(f -> dir.relativize(f) + " (" + sizeMiB(f) + " MiB)")
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read migrations in " + dir, e);
        }
    }

    private static long sizeMiB(Path f) {
        try {
            return Files.size(f) / (1024 * 1024);
        } catch (IOException e) {
            return -1;
        }
    }

    /** Assembled once: each step reads the same copy, and a command makes one scratch directory, not one per step. */
    private Path assembled;

    Path directory() {
        if (migrations.isEmpty()) {
            throw new IllegalArgumentException("--migrations is required");
        }
        if (assembled == null) {
            assembled = MigrationFiles.assemble(MigrationEngineType.parse(engine), migrations, workDir);
        }
        return assembled;
    }

    MigrationExecutor.Policy policy() {
        boolean block = switch (lockHazards.toLowerCase(Locale.ROOT)) {
            case "warn" -> false;
            case "block" -> true;
            default ->
                throw new IllegalArgumentException("--lock-hazards takes warn or block, got '" + lockHazards + "'");
        };
        return new MigrationExecutor.Policy(allowDataLoss, approved, block);
    }

    /** The separate server to rehearse on, or null for the database's own server. */
    PgTarget rehearsalServer() {
        return rehearsalServer == null || rehearsalServer.isBlank()
                ? null
                : PgTarget.resolveServer(rehearsalServer, "SCHEMAGUARD_REHEARSAL_PGPASSWORD", System.getenv());
    }

    MigrationEngine.Settings settings() {
        return MigrationExecutor.settings(lockTimeout, statementTimeout, lockRetries, lockRetryBackoff);
    }

    List<Assertion> assertions() {
        return assertions.stream()
                .map(a -> {
                    int eq = a.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("--assert takes NAME=SQL, got '" + a + "'");
                    }
                    return new Assertion(a.substring(0, eq), a.substring(eq + 1));
                })
                .toList();
    }
}
