package io.schemaguard.runner.cli;

import io.schemaguard.contract.RunnerResult;
import io.schemaguard.runner.pipeline.RestorePipeline;
import io.schemaguard.runner.postgres.PgTarget;
import io.schemaguard.runner.storage.ObjectStore;
import java.nio.file.Path;
import java.time.Clock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "restore",
        sortOptions = false,
        description = {
            "Restore a backup into a database: the object is checked against its manifest before the target is",
            "touched, streamed into pg_restore/psql in one transaction, and every table's rows are counted after.",
            "A target with user tables is refused unless --replace, which first backs the target up."
        })
final class RestoreCommand extends RunnerCommand {

    @Option(
            names = "--from",
            required = true,
            paramLabel = "LOCATION",
            description = "s3://bucket/prefix or file:///dir")
    String from;

    @Parameters(paramLabel = "BACKUP", description = "backup id, its folder (ns/db/id), or 'latest'")
    String backup;

    @Option(
            names = "--database",
            paramLabel = "URL",
            description = "target: postgresql://user@host:port/db (no password here); default: $DATABASE_URL, then PG*")
    String database;

    @Mixin
    StorageOptions storage;

    @Option(names = "--replace", description = "replace the objects of a database that has data (clean + recreate)")
    boolean replace;

    @Option(
            names = "--confirm",
            paramLabel = "DATABASE",
            description = "with --replace: the target database's name, checked against the real one")
    String confirm;

    @Option(names = "--no-safety-backup", description = "with --replace: do not back the target up first")
    boolean noSafetyBackup;

    @Option(names = "--no-owner", description = "restore without owners and privileges (for targets lacking the roles)")
    boolean noOwner;

    @Option(
            names = "--source-database",
            paramLabel = "NAME",
            description = {
                "the database the backup is of: picks 'latest' by the manifests, and a backup of another database is refused"
            })
    String sourceDatabase;

    @Option(
            names = "--source-namespace",
            paramLabel = "NAME",
            description = "with 'latest': the namespace the backup is in")
    String sourceNamespace;

    @Option(names = "--jobs", paramLabel = "N", description = "parallel pg_restore workers (directory-format backups)")
    Integer jobs;

    @Option(
            names = "--namespace",
            paramLabel = "NAME",
            defaultValue = "${env:SCHEMAGUARD_NAMESPACE:-local}",
            description = "namespace the safety backup is filed under; default: $SCHEMAGUARD_NAMESPACE or 'local'")
    String namespace;

    @Option(
            names = "--pg-bin",
            paramLabel = "DIR",
            defaultValue = "${env:SCHEMAGUARD_PG_BIN}",
            description = "directory of pg_restore/psql; default: the newest installed PostgreSQL client")
    Path pgBin;

    @Option(
            names = "--work-dir",
            paramLabel = "DIR",
            defaultValue = "${sys:java.io.tmpdir}",
            description = "scratch space for directory-format restores")
    Path workDir;

    @Override
    protected RunnerResult execute() {
        PgTarget target = PgTarget.resolve(database, System.getenv());
        if (replace && confirm == null) {
            throw new IllegalArgumentException("--replace needs --confirm <database>, the name of the database it"
                    + " replaces: nothing was restored");
        }
        if (replace && !confirm.equals(target.database())) {
            throw new IllegalArgumentException("--confirm " + confirm + " does not match the target database '"
                    + target.database() + "': nothing was restored");
        }
        if (confirm != null && !replace) {
            throw new IllegalArgumentException("--confirm only goes with --replace");
        }
        try (ObjectStore store = storage.open(from)) {
            RestorePipeline.Outcome o = new RestorePipeline(Clock.systemUTC())
                    .run(new RestorePipeline.Request(
                            store,
                            backup,
                            sourceNamespace,
                            sourceDatabase,
                            target,
                            replace,
                            confirm,
                            !noSafetyBackup,
                            noOwner,
                            jobs,
                            namespace,
                            pgBin,
                            workDir,
                            storage.cipher()));
            System.out.printf(
                    "restored %s into %s: %d tables, %d rows (row counts %s)%s%n",
                    o.source().backupId(),
                    target.describe(),
                    o.tables(),
                    o.rows(),
                    o.rowCheck(),
                    o.safetyBackupId() == null ? "" : "; safety backup " + o.safetyBackupId());
            return RunnerResult.success()
                    .backup(
                            o.source().backupId(),
                            target.database(),
                            o.sourceUrl(),
                            o.source().sizeBytes(),
                            o.source().sha256())
                    .restored(o.tables(), o.rows(), o.rowCheck(), o.safetyBackupId())
                    .duration(o.seconds());
        }
    }
}
