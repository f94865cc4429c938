package io.schemaguard.runner.cli;

import io.schemaguard.api.Defaults;
import io.schemaguard.api.Durations;
import io.schemaguard.contract.FailureReason;
import io.schemaguard.contract.MigrationGate;
import io.schemaguard.contract.RunnerResult;
import io.schemaguard.runner.RunnerException;
import io.schemaguard.runner.migration.AdvisoryLock;
import io.schemaguard.runner.migration.MigrationExecutor;
import io.schemaguard.runner.pipeline.StoredBackup;
import io.schemaguard.runner.postgres.PgTarget;
import io.schemaguard.runner.postgres.PgTools;
import io.schemaguard.runner.storage.BackupManifest;
import io.schemaguard.runner.storage.ObjectStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "migrate",
        description = {
            "Apply the pending migrations, only while the named backup is younger than --max-age, one migration run",
            "per database at a time (advisory lock), then check: history valid, no rows lost (against the backup's",
            "exact counts), no invalid index, every --assert true."
        })
final class MigrateCommand extends RunnerCommand {

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

    @Option(
            names = "--max-age",
            defaultValue = Defaults.MIGRATION_BACKUP_MAX_AGE,
            paramLabel = "DURATION",
            description = "refuse to start when the backup is older than this")
    String maxAge;

    @Option(
            names = "--lock-wait",
            defaultValue = Defaults.ADVISORY_LOCK_WAIT,
            paramLabel = "DURATION",
            description = "how long to wait for another migration of the same database to finish")
    String lockWait;

    @Mixin
    StorageOptions storage;

    @Mixin
    MigrationOptions migration;

    /** The time the backup's age is measured against; tests may set another. */
    Clock clock = Clock.systemUTC();

    @Override
    protected RunnerResult execute() {
        migration.validate(true);
        Duration maxAgeLimit = Durations.parse(maxAge);
        Duration lockWaitLimit = Durations.parse(lockWait);
        PgTarget target = PgTarget.resolve(database, System.getenv());
        BackupManifest manifest;
        try (ObjectStore store = storage.open(from)) {
            manifest = StoredBackup.resolve(store, backup, null, null).manifest();
        }
        Instant now = clock.instant();
        Duration age = Duration.between(manifest.finishedAt(), now);
        if (MigrationGate.tooOld(manifest.finishedAt(), maxAgeLimit, now)) {
            throw new RunnerException(
                    FailureReason.BackupStale,
                    "backup " + manifest.backupId() + " finished " + age.toMinutes() + " min ago, more than --max-age "
                            + maxAge + ": a fresh backup is needed");
        }
        try (AdvisoryLock lock = AdvisoryLock.acquire(target, lockWaitLimit)) {
            MigrationExecutor.Outcome o = MigrationExecutor.migrate(
                    migration.engine(),
                    target,
                    migration.directory(),
                    migration.settings(),
                    migration.policy(),
                    new MigrationExecutor.Checks(!migration.noRowCounts, manifest.tables(), migration.assertions()),
                    PgTools.locate(migration.pgBin));
            System.out.printf(
                    "applied %s after backup %s%n%s%n",
                    o.applied(), manifest.backupId(), String.join("\n", o.schemaChanges()));
            return RunnerResult.success()
                    .migrated(o.applied(), o.schemaChanges(), o.problems())
                    .lockRetries(o.lockRetries())
                    .message("applied " + o.applied().size() + " migration(s)");
        }
    }
}
