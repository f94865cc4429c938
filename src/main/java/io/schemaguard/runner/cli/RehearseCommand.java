package io.schemaguard.runner.cli;

import io.schemaguard.api.DumpFormat;
import io.schemaguard.contract.FailureReason;
import io.schemaguard.contract.RunnerResult;
import io.schemaguard.runner.Console;
import io.schemaguard.runner.RunnerException;
import io.schemaguard.runner.crypto.BackupCipher;
import io.schemaguard.runner.migration.MigrationExecutor;
import io.schemaguard.runner.migration.engine.MigrationException;
import io.schemaguard.runner.migration.lint.Finding;
import io.schemaguard.runner.pipeline.DumpDecoding;
import io.schemaguard.runner.pipeline.RestorePipeline;
import io.schemaguard.runner.pipeline.RestoreProcess;
import io.schemaguard.runner.pipeline.StoredBackup;
import io.schemaguard.runner.postgres.PgServers;
import io.schemaguard.runner.postgres.PgTarget;
import io.schemaguard.runner.postgres.PgTools;
import io.schemaguard.runner.postgres.ScratchDatabase;
import io.schemaguard.runner.storage.BackupManifest;
import io.schemaguard.runner.storage.ObjectStore;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "rehearse",
        description = {
            "Restore the backup into a scratch database (on --rehearsal-server, or else on the database's own server),",
            "apply the pending migrations there and run the same checks as migrate, then drop the scratch database:",
            "data loss the lint cannot see shows here, before the real database is touched. The user needs CREATEDB.",
            "A migration with statements that act on the whole server is rehearsed only on a separate server."
        })
final class RehearseCommand extends RunnerCommand {

    @Option(
            names = "--database",
            paramLabel = "URL",
            description = "the real database (its server hosts the scratch copy)")
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
        migration.validate(true);
        PgTarget real = PgTarget.resolve(database, System.getenv());
        try (ObjectStore store = storage.open(from)) {
            List<Finding> serverWide = MigrationExecutor.plan(
                            migration.engine(), real, migration.directory(), migration.policy())
                    .serverWide();
            MigrationExecutor.Outcome o = rehearse(store, storage.cipher(), backup, real, migration, serverWide);
            return RunnerResult.success()
                    .migrated(o.applied(), o.schemaChanges(), o.problems())
                    .lockRetries(o.lockRetries())
                    .message("rehearsal passed: applied " + o.applied()
                            + (o.schemaChanges().isEmpty() ? "" : "; " + String.join("; ", o.schemaChanges())));
        }
    }

    /**
     * Restores {@code backupRef} into a scratch database, migrates and checks it, drops it. The scratch
     * database lives on the rehearsal server when one is given, else next to {@code real}; a migration
     * whose statements act on the whole server is refused there before anything runs, approved or not.
     *
     * @param serverWide the plan's server-wide findings (of the real database's pending migrations)
     */
    static MigrationExecutor.Outcome rehearse(
            ObjectStore store,
            Optional<BackupCipher> cipher,
            String backupRef,
            PgTarget real,
            MigrationOptions migration,
            List<Finding> serverWide) {
        PgTarget server = migration.rehearsalServer();
        boolean shared = server == null || PgServers.same(server, real);
        if (shared && !serverWide.isEmpty()) {
            throw new RunnerException(
                    FailureReason.RehearsalRefused,
                    "the rehearsal was refused: "
                            + serverWide.stream()
                                    .map(f -> f.file() + ":" + f.line() + " " + f.rule())
                                    .distinct()
                                    .toList()
                            + " act on the whole server, not only on the migrated database, so a rehearsal on "
                            + (server == null ? "the database's own server" : "the same server")
                            + " would run them for real;"
                            + " nothing ran and nothing was touched. Give a separate rehearsal server (--rehearsal-server,"
                            + " spec.rehearsalServer), or turn the rehearsal off once reviewed");
        }
        PgTarget host = server == null ? real : server;
        StoredBackup b = StoredBackup.resolve(store, backupRef, null, null);
        BackupManifest m = b.manifest();
        DumpDecoding decoding = b.decoding(cipher); // a wrong key is refused before the scratch copy exists
        PgTarget scratch = new PgTarget(
                host.host(),
                host.port(),
                ScratchDatabase.REHEARSE + m.backupId().toLowerCase().replaceAll("[^a-z0-9]", "_"),
                host.user(),
                host.password(),
                host.sslMode());
        Console.info("rehearse: restoring %s into %s", m.backupId(), scratch.describe());
        ScratchDatabase claimed = null;
        try {
            claimed = ScratchDatabase.create(scratch);
            // checked as it streams: the scratch copy cannot commit unless the object matches its manifest
            RestorePipeline.streamInto(
                    store,
                    b.dumpKey(),
                    decoding,
                    b,
                    PgTools.locate(migration.pgBin),
                    scratch,
                    new RestoreProcess.Options(DumpFormat.parse(m.format()), false, false, null, migration.workDir));
            MigrationExecutor.Outcome o;
            try {
                o = MigrationExecutor.migrate(
                        migration.engine(),
                        scratch,
                        migration.directory(),
                        migration.settings(),
                        migration.policy(),
                        new MigrationExecutor.Checks(!migration.noRowCounts, m.tables(), migration.assertions()));
            } catch (RunnerException e) {
                throw rehearsalFailed(e, real, m.backupId());
            }
            Console.info("rehearse: passed on a copy of %s: applied %s", m.backupId(), o.applied());
            return o;
        } finally {
            // only a database this run created and holds: one another runner holds is never dropped
            if (claimed != null) {
                try {
                    claimed.close();
                } catch (RunnerException e) {
                    Console.info("warning: could not drop scratch database %s: %s", scratch.database(), e.getMessage());
                }
            }
        }
    }

    /**
     * A failure on the copy, said as one: the real database was not touched, and the engine's advice for
     * repairing a history (which concerns the dropped copy) is left out.
     */
    private static RunnerException rehearsalFailed(RunnerException e, PgTarget real, String backupId) {
        if (e.reason() != FailureReason.MigrationFailed
                && e.reason() != FailureReason.VerificationFailed
                && e.reason() != FailureReason.MigrationBlocked) {
            return e;
        }
        String cause = e.getCause() instanceof MigrationException me ? me.getMessage() : e.getMessage();
        return new RunnerException(
                        e.reason(),
                        "the rehearsal on a copy of backup " + backupId + " failed: " + cause
                                + "; the real database " + real.database()
                                + " was not touched. Fix the migration (a new file, or"
                                + " an edit of this one while it is unapplied) and run again",
                        e)
                .withPartial(e.partial());
    }
}
