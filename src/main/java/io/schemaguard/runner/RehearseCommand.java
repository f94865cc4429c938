package io.schemaguard.runner;

import io.schemaguard.api.DumpFormat;
import io.schemaguard.migration.MigrationExecutor;
import io.schemaguard.postgres.PgTarget;
import io.schemaguard.postgres.PgTools;
import io.schemaguard.postgres.TargetDatabase;
import io.schemaguard.storage.BackupManifest;
import io.schemaguard.storage.ObjectStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "rehearse", description = {
        "Restore the backup into a scratch database on the same server, apply the pending migrations there and",
        "run the same checks as migrate, then drop the scratch database: data loss the lint cannot see shows",
        "here, before the real database is touched. The user needs CREATEDB." })
final class RehearseCommand extends RunnerCommand {

    @Option(names = "--database", paramLabel = "URL", description = "the real database (its server hosts the scratch copy)")
    String database;

    @Option(names = "--from", required = true, paramLabel = "LOCATION", description = "where the backup is")
    String from;

    @Option(names = "--backup", required = true, paramLabel = "ID", description = "the backup to rehearse on")
    String backup;

    @Mixin
    StorageOptions storage;

    @Mixin
    MigrationOptions migration;

    @Override
    protected RunnerResult execute() {
        PgTarget real = PgTarget.resolve(database, System.getenv());
        try (ObjectStore store = storage.open(from)) {
            MigrationExecutor.Outcome o = rehearse(store, backup, real, migration);
            return RunnerResult.success().migrated(o.applied(), o.schemaChanges(), o.problems())
                    .message("rehearsal passed: applied " + o.applied()
                            + (o.schemaChanges().isEmpty() ? "" : "; " + String.join("; ", o.schemaChanges())));
        }
    }

    /** Restores {@code backupRef} into a scratch database next to {@code real}, migrates and checks it, drops it. */
    static MigrationExecutor.Outcome rehearse(ObjectStore store, String backupRef, PgTarget real, MigrationOptions migration) {
        StoredBackup b = StoredBackup.resolve(store, backupRef, null, null);
        BackupManifest m = b.manifest();
        PgTarget scratch = new PgTarget(real.host(), real.port(),
                "schemaguard_rehearse_" + m.backupId().toLowerCase().replaceAll("[^a-z0-9]", "_"), real.user(),
                real.password(), real.sslMode());
        Console.info("rehearse: restoring %s into %s", m.backupId(), scratch.describe());
        try {
            TargetDatabase.drop(scratch);
            TargetDatabase.prepare(scratch);
            b.verifyChecksum(store);
            RestorePipeline.streamInto(store, b.dumpKey(), b.compression(), PgTools.locate(migration.pgBin), scratch,
                    new RestoreProcess.Options(DumpFormat.parse(m.format()), false, false, null, migration.workDir));
            MigrationExecutor.Outcome o = MigrationExecutor.migrate(migration.engine(), scratch, migration.directory(),
                    migration.settings(), migration.policy(), new MigrationExecutor.Checks(!migration.noRowCounts,
                            m.tables(), migration.assertions()));
            Console.info("rehearse: passed on a copy of %s: applied %s", m.backupId(), o.applied());
            return o;
        } finally {
            try {
                TargetDatabase.drop(scratch);
            } catch (RunnerException e) {
                Console.info("warning: could not drop scratch database %s: %s", scratch.database(), e.getMessage());
            }
        }
    }
}
