package io.schemaguard.runner.cli;

import io.schemaguard.api.CompressionAlgorithm;
import io.schemaguard.api.Defaults;
import io.schemaguard.api.DumpFormat;
import io.schemaguard.api.Durations;
import io.schemaguard.api.VerifyMode;
import io.schemaguard.contract.FailureReason;
import io.schemaguard.contract.RunnerResult;
import io.schemaguard.runner.RunnerException;
import io.schemaguard.runner.migration.AdvisoryLock;
import io.schemaguard.runner.migration.MigrationExecutor;
import io.schemaguard.runner.pipeline.BackupPipeline;
import io.schemaguard.runner.pipeline.RestorePipeline;
import io.schemaguard.runner.postgres.PgTarget;
import io.schemaguard.runner.postgres.PgTools;
import io.schemaguard.runner.storage.ObjectStore;
import java.time.Clock;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "safe-migrate",
        sortOptions = false,
        description = {
            "The seed's db:safe-migrate, made strict: lint the pending migrations (destructive statements stop here,",
            "before anything), back up with exact row counts, rehearse on a copy of that backup, migrate, and check",
            "that no rows were lost. On failure, print the restore command, or restore (--on-failure restore)."
        })
final class SafeMigrateCommand extends RunnerCommand {

    @Option(
            names = "--database",
            paramLabel = "URL",
            description = "postgresql://user@host:port/db; default: $DATABASE_URL, then PG*")
    String database;

    @Option(
            names = "--to",
            required = true,
            paramLabel = "LOCATION",
            description = "where the pre-migration backup goes")
    String to;

    @Option(names = "--no-rehearsal", description = "skip the rehearsal on a copy")
    boolean noRehearsal;

    @Option(
            names = "--on-failure",
            defaultValue = "halt",
            paramLabel = "halt|restore",
            description = "halt (default): leave the database and print the restore command; restore: restore it")
    String onFailure;

    @Option(
            names = "--namespace",
            paramLabel = "NAME",
            defaultValue = "${env:SCHEMAGUARD_NAMESPACE:-local}",
            description = "first path segment of the backup in storage")
    String namespace;

    @Mixin
    StorageOptions storage;

    @Mixin
    MigrationOptions migration;

    @Override
    protected RunnerResult execute() {
        migration.validate(true);
        if (!onFailure.equalsIgnoreCase("halt") && !onFailure.equalsIgnoreCase("restore")) {
            throw new IllegalArgumentException("--on-failure takes halt or restore, got '" + onFailure + "'");
        }
        PgTarget target = PgTarget.resolve(database, System.getenv());
        MigrationExecutor.Plan plan =
                MigrationExecutor.plan(migration.engine(), target, migration.directory(), migration.policy());
        MigrationExecutor.print(plan);
        RunnerResult partial = RunnerResult.success()
                .plan(
                        plan.versions(),
                        MigrationExecutor.statuses(plan.judged()),
                        plan.judged().size(),
                        (int) plan.blocking());
        if (plan.blocking() > 0) {
            throw new RunnerException(
                            FailureReason.MigrationBlocked,
                            plan.blocking() + " destructive statement(s) block"
                                    + " the migration (nothing ran, no backup was taken); approve them with --approve <sha256> or"
                                    + " --allow-data-loss after review")
                    .withPartial(partial);
        }
        if (plan.pending().isEmpty()) {
            System.out.println("nothing to migrate: the database is up to date");
            return partial.message("up to date");
        }
        try (ObjectStore store = storage.open(to)) {
            BackupPipeline.Outcome backup = new BackupPipeline(Clock.systemUTC())
                    .run(new BackupPipeline.Request(
                            target,
                            store,
                            DumpFormat.CUSTOM,
                            CompressionAlgorithm.ZSTD,
                            CompressionAlgorithm.ZSTD.defaultLevel(),
                            Runtime.getRuntime().availableProcessors() > 1 ? 1 : 0,
                            null,
                            null,
                            namespace,
                            "safe-migrate",
                            true,
                            VerifyMode.Checksum,
                            null,
                            Duration.ofSeconds(10),
                            migration.pgBin,
                            migration.workDir,
                            storage.cipher()));
            String id = backup.manifest().backupId();
            System.out.println("backup " + id + " taken: " + store.location().url(backup.dumpKey()));
            if (!noRehearsal) {
                RehearseCommand.rehearse(store, storage.cipher(), id, target, migration, plan.serverWide());
                System.out.println("rehearsal passed on a copy of " + id);
            }
            try (AdvisoryLock lock = AdvisoryLock.acquire(target, Durations.parse(Defaults.ADVISORY_LOCK_WAIT))) {
                MigrationExecutor.Outcome o = MigrationExecutor.migrate(
                        migration.engine(),
                        target,
                        migration.directory(),
                        migration.settings(),
                        migration.policy(),
                        new MigrationExecutor.Checks(
                                !migration.noRowCounts, backup.manifest().tables(), migration.assertions()),
                        PgTools.locate(migration.pgBin));
                System.out.printf("migrated: applied %s%n%s%n", o.applied(), String.join("\n", o.schemaChanges()));
                return partial.migrated(o.applied(), o.schemaChanges(), o.problems())
                        .lockRetries(o.lockRetries())
                        .backup(id, target.database(), store.location().url(backup.dumpKey()), null, null)
                        .message("applied " + o.applied().size() + " migration(s) after backup " + id);
            } catch (RunnerException e) {
                if (e.reason() != FailureReason.MigrationFailed && e.reason() != FailureReason.VerificationFailed) {
                    throw e;
                }
                String restoreCommand = "schemaguard restore --from " + to + " " + id + " --database "
                        + target.describe().replaceFirst("^", "postgresql://") + " --replace --confirm "
                        + target.database();
                Boolean changed = e.partial() == null ? null : e.partial().databaseChanged();
                if ("restore".equalsIgnoreCase(onFailure) && Boolean.FALSE.equals(changed)) {
                    // Restoring would only throw away what was written since the backup, and undo nothing.
                    throw new RunnerException(
                                    e.reason(),
                                    e.getMessage() + "; the failed migration changed nothing (schema"
                                            + " and applied history as before the run), so the database was not restored; backup "
                                            + id
                                            + " stays available",
                                    e)
                            .withPartial(e.partial());
                }
                if ("restore".equalsIgnoreCase(onFailure)) {
                    String since = RestorePipeline.writtenSince(target, backup.manifest());
                    System.err.println("migration failed (" + e.getMessage() + "); restoring backup " + id + since);
                    RestorePipeline.Outcome r = new RestorePipeline(Clock.systemUTC())
                            .run(new RestorePipeline.Request(
                                    store,
                                    id,
                                    null,
                                    null,
                                    target,
                                    true,
                                    target.database(),
                                    true,
                                    false,
                                    null,
                                    namespace,
                                    migration.pgBin,
                                    migration.workDir,
                                    storage.cipher()));
                    throw new RunnerException(
                                    e.reason(),
                                    e.getMessage() + "; the database was restored from " + id
                                            + " (" + r.rows() + " rows)" + since
                                            + "; what the database held just before the restore is"
                                            + " kept in safety backup " + r.safetyBackupId(),
                                    e)
                            .withPartial(e.partial());
                }
                throw new RunnerException(
                                e.reason(),
                                e.getMessage() + "; the database is left as it is. To go back:\n  " + restoreCommand,
                                e)
                        .withPartial(e.partial());
            }
        }
    }
}
