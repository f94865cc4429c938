package io.schemaguard.runner.cli;

import io.schemaguard.contract.FailureReason;
import io.schemaguard.contract.RunnerResult;
import io.schemaguard.runner.RunnerException;
import io.schemaguard.runner.migration.MigrationExecutor;
import io.schemaguard.runner.pipeline.StoredBackup;
import io.schemaguard.runner.postgres.DatabaseInspector;
import io.schemaguard.runner.postgres.PgTarget;
import io.schemaguard.runner.storage.BackupManifest;
import io.schemaguard.runner.storage.ObjectStore;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "check",
        description = {
            "After a migration run by the application's own tool: no rows lost against the backup's exact counts",
            "(tables that are gone count as dropped), no invalid index, every --assert true."
        })
final class CheckCommand extends RunnerCommand {

    @Option(
            names = "--database",
            paramLabel = "URL",
            description = "postgresql://user@host:port/db; default: $DATABASE_URL, then PG*")
    String database;

    @Option(
            names = "--from",
            required = true,
            paramLabel = "LOCATION",
            description = "where the pre-migration backup is")
    String from;

    @Option(names = "--backup", required = true, paramLabel = "ID", description = "the pre-migration backup")
    String backup;

    @Mixin
    StorageOptions storage;

    @Mixin
    MigrationOptions migration;

    @Override
    protected RunnerResult execute() {
        migration.validate(false);
        PgTarget target = PgTarget.resolve(database, System.getenv());
        BackupManifest manifest;
        try (ObjectStore store = storage.open(from)) {
            manifest = StoredBackup.resolve(store, backup, null, null).manifest();
        }
        try (Connection c = DatabaseInspector.connect(target)) {
            List<String> problems = MigrationExecutor.check(
                    c,
                    new MigrationExecutor.Checks(!migration.noRowCounts, manifest.tables(), migration.assertions()),
                    Set.of());
            if (!problems.isEmpty()) {
                throw new RunnerException(FailureReason.VerificationFailed, String.join("; ", problems))
                        .withPartial(RunnerResult.success().migrated(null, null, problems));
            }
            return RunnerResult.success().migrated(null, List.of(), problems).message("checks passed");
        } catch (SQLException e) {
            throw DatabaseInspector.classify(e, target);
        }
    }
}
