package io.schemaguard.runner;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.schemaguard.api.MigrationEngineType;
import io.schemaguard.api.SafeMigrationSpec.Assertion;
import io.schemaguard.migration.MigrationExecutor;
import io.schemaguard.migration.MigrationFiles;
import io.schemaguard.migration.engine.MigrationEngine;
import io.schemaguard.migration.engine.MigrationEngines;
import picocli.CommandLine.Option;

/** Options of the migration commands: the engine, where its files are, and what is approved. */
final class MigrationOptions {

    @Option(names = "--engine", defaultValue = "flyway", paramLabel = "ENGINE", description = "flyway (default) or prisma")
    String engine;

    @Option(names = "--migrations", paramLabel = "DIR", description = {
            "directory of migrations (repeatable: several are merged); Prisma files may come flat as",
            "<timestamp>_<name>.sql (a ConfigMap cannot hold directories)" })
    List<Path> migrations = new ArrayList<>();

    @Option(names = "--allow-data-loss", description = "let destructive statements run (they are still reported)")
    boolean allowDataLoss;

    @Option(names = "--approve", paramLabel = "SHA256", description = "approve one destructive statement by its hash")
    List<String> approved = new ArrayList<>();

    @Option(names = "--lock-timeout", defaultValue = "5s", paramLabel = "DURATION", description = "lock_timeout while migrating")
    String lockTimeout;

    @Option(names = "--statement-timeout", defaultValue = "15m", paramLabel = "DURATION",
            description = "statement_timeout while migrating")
    String statementTimeout;

    @Option(names = "--no-row-counts", description = "do not require tables to keep their rows")
    boolean noRowCounts;

    @Option(names = "--assert", paramLabel = "NAME=SQL", description = "a query that must return true after migrating")
    List<String> assertions = new ArrayList<>();

    @Option(names = "--work-dir", paramLabel = "DIR", defaultValue = "${sys:java.io.tmpdir}",
            description = "scratch space (migration files laid out for the engine, dumps of restores)")
    Path workDir;

    @Option(names = "--pg-bin", paramLabel = "DIR", defaultValue = "${env:SCHEMAGUARD_PG_BIN}",
            description = "directory of the PostgreSQL client programs")
    Path pgBin;

    MigrationEngine engine() {
        return MigrationEngines.of(engine);
    }

    Path directory() {
        if (migrations.isEmpty()) {
            throw new IllegalArgumentException("--migrations is required");
        }
        return MigrationFiles.assemble(MigrationEngineType.valueOf(engine.toLowerCase()), migrations, workDir);
    }

    MigrationExecutor.Policy policy() {
        return new MigrationExecutor.Policy(allowDataLoss, approved);
    }

    MigrationEngine.Settings settings() {
        return MigrationExecutor.settings(lockTimeout, statementTimeout);
    }

    List<Assertion> assertions() {
        return assertions.stream().map(a -> {
            int eq = a.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--assert takes NAME=SQL, got '" + a + "'");
            }
            return new Assertion(a.substring(0, eq), a.substring(eq + 1));
        }).toList();
    }
}
