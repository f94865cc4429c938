package io.schemaguard.runner.cli;

import io.schemaguard.api.CompressionAlgorithm;
import io.schemaguard.api.DumpFormat;
import io.schemaguard.api.VerifyMode;
import io.schemaguard.contract.RunnerResult;
import io.schemaguard.contract.Sizes;
import io.schemaguard.runner.pipeline.BackupPipeline;
import io.schemaguard.runner.postgres.PgTarget;
import io.schemaguard.runner.storage.BackupManifest;
import io.schemaguard.runner.storage.ObjectStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "backup",
        sortOptions = false,
        description = {
            "Dump a PostgreSQL database to storage: pg_dump, compressed, checksummed, uploaded, read back, committed.",
            "Credentials come only from the environment: PGPASSWORD (or DATABASE_URL) and the AWS SDK's variables."
        })
final class BackupCommand extends RunnerCommand {

    @Option(
            names = "--database",
            paramLabel = "URL",
            description =
                    "postgresql://user@host:port/db (no password here); default: $DATABASE_URL, then PGHOST/PGPORT/PGDATABASE/PGUSER")
    String database;

    @Option(
            names = "--to",
            required = true,
            paramLabel = "LOCATION",
            description = "s3://bucket/prefix or file:///dir (a plain path is a directory)")
    String to;

    @Mixin
    StorageOptions storage;

    @Option(
            names = "--format",
            defaultValue = "custom",
            paramLabel = "FORMAT",
            description = "custom (default), plain or directory")
    String format;

    @Option(
            names = "--compression",
            defaultValue = "zstd",
            paramLabel = "ALGORITHM",
            description = "zstd (default), gzip or none")
    String compression;

    @Option(
            names = "--compression-level",
            paramLabel = "N",
            description = "zstd 1-19 (default 3), gzip 1-9 (default 6)")
    Integer compressionLevel;

    @Option(
            names = "--compression-threads",
            paramLabel = "N",
            defaultValue = "-1",
            description = "zstd worker threads; 0 compresses inline; default: 1 when more than one CPU, else 0")
    int compressionThreads;

    @Option(names = "--jobs", paramLabel = "N", description = "parallel pg_dump workers (directory format only)")
    Integer jobs;

    @Option(
            names = "--backup-id",
            paramLabel = "ID",
            description = "backup id (<yyyyMMddTHHmmssZ>-<suffix>); default: generated")
    String backupId;

    @Option(
            names = "--namespace",
            paramLabel = "NAME",
            defaultValue = "${env:SCHEMAGUARD_NAMESPACE:-local}",
            description = "first path segment of the backup in storage; default: $SCHEMAGUARD_NAMESPACE or 'local'")
    String namespace;

    @Option(
            names = "--created-by",
            hidden = true,
            description = "recorded in the manifest (the operator passes its resource)")
    String createdBy;

    @Option(
            names = "--exact-counts",
            description = {
                "count every table's rows in the dump's own snapshot and record them in the manifest, so a restore",
                "can prove it got every row back; costs one extra full read of each table, beside the dump"
            })
    boolean exactCounts;

    @Option(
            names = "--verify",
            defaultValue = "checksum",
            paramLabel = "MODE",
            description = {
                "checksum (default): read the stored object back and compare its SHA-256;",
                "restore: also restore it into a scratch database (created and dropped on the source server, or on",
                "--verify-server) and compare exact row counts and the schema with the source; implies --exact-counts;",
                "none: trust the upload's per-part checksums"
            })
    String verify;

    @Option(
            names = "--verify-server",
            paramLabel = "URL",
            description = {
                "postgresql://user@host:port for --verify restore on another server; its password comes from",
                "$SCHEMAGUARD_VERIFY_PGPASSWORD (or $PGPASSWORD); the user needs CREATEDB"
            })
    String verifyServer;

    @Option(
            names = "--progress-interval",
            defaultValue = "10s",
            converter = DurationConverter.class,
            paramLabel = "DURATION",
            description = "progress log interval; 0 turns it off; default ${DEFAULT-VALUE}")
    Duration progressInterval;

    @Option(
            names = "--pg-bin",
            paramLabel = "DIR",
            defaultValue = "${env:SCHEMAGUARD_PG_BIN}",
            description = "directory of pg_dump; default: the newest installed PostgreSQL client")
    Path pgBin;

    @Option(
            names = "--work-dir",
            paramLabel = "DIR",
            defaultValue = "${sys:java.io.tmpdir}",
            description = "scratch space for directory-format dumps")
    Path workDir;

    @Override
    protected RunnerResult execute() {
        DumpFormat dumpFormat = DumpFormat.parse(format);
        CompressionAlgorithm algorithm = CompressionAlgorithm.parse(compression);
        int level = algorithm == CompressionAlgorithm.NONE && compressionLevel == null
                ? 0
                : algorithm.checkLevel(compressionLevel);
        if (jobs != null && dumpFormat != DumpFormat.DIRECTORY) {
            throw new IllegalArgumentException("--jobs needs --format directory");
        }
        int threads = compressionThreads >= 0
                ? compressionThreads
                : Runtime.getRuntime().availableProcessors() > 1 ? 1 : 0;
        PgTarget target = PgTarget.resolve(database, System.getenv());
        VerifyMode verifyMode = VerifyMode.parse(verify);
        PgTarget verifyTarget = null;
        if (verifyServer != null) {
            verifyTarget = PgTarget.resolveServer(verifyServer, "SCHEMAGUARD_VERIFY_PGPASSWORD", System.getenv());
        }
        try (ObjectStore store = storage.open(to)) {
            BackupPipeline.Outcome outcome = new BackupPipeline(Clock.systemUTC())
                    .run(new BackupPipeline.Request(
                            target,
                            store,
                            dumpFormat,
                            algorithm,
                            level,
                            threads,
                            jobs,
                            backupId,
                            namespace,
                            createdBy,
                            exactCounts || verifyMode == VerifyMode.Restore,
                            verifyMode,
                            verifyTarget,
                            progressInterval,
                            pgBin,
                            workDir,
                            storage.cipher()));
            BackupManifest m = outcome.manifest();
            String location = store.location().url(outcome.dumpKey());
            System.out.printf(
                    Locale.ROOT,
                    "backup %s of %s: %s, sha256 %s, %.1f s%n  %s%n",
                    m.backupId(),
                    m.database(),
                    Sizes.bytes(m.sizeBytes()),
                    m.sha256(),
                    m.durationSeconds(),
                    location);
            RunnerResult result = RunnerResult.success()
                    .backup(m.backupId(), m.database(), location, m.sizeBytes(), m.sha256())
                    .versions(m.serverVersion(), m.pgDumpVersion())
                    .duration(m.durationSeconds());
            if (m.verification() != null) {
                result.verification(m.verification().result(), m.verification().message());
            }
            return result;
        }
    }
}
