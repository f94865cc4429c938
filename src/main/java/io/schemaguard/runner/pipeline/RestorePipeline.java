package io.schemaguard.runner.pipeline;

import io.schemaguard.api.CompressionAlgorithm;
import io.schemaguard.api.DumpFormat;
import io.schemaguard.api.VerifyMode;
import io.schemaguard.contract.FailureReason;
import io.schemaguard.contract.Sizes;
import io.schemaguard.runner.Console;
import io.schemaguard.runner.RunnerException;
import io.schemaguard.runner.Streams;
import io.schemaguard.runner.crypto.BackupCipher;
import io.schemaguard.runner.postgres.PgTarget;
import io.schemaguard.runner.postgres.PgTools;
import io.schemaguard.runner.postgres.TargetDatabase;
import io.schemaguard.runner.storage.BackupManifest;
import io.schemaguard.runner.storage.BackupManifest.TableRows;
import io.schemaguard.runner.storage.ObjectStore;
import io.schemaguard.runner.storage.StorageException;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The seed's {@code db:restore}, made safe. In order, and stopping at the first problem:
 * <ol>
 * <li>find the backup and its manifest;</li>
 * <li>check the target: created when it does not exist, refused when it has user tables unless
 * replacing, refused when it lacks roles or extensions the dump needs;</li>
 * <li>when replacing a database that has data, back it up first to the same storage;</li>
 * <li>read the object once, hashing it as it streams through decompression into pg_restore or psql in
 * one transaction, whose last bytes are held back until SHA-256 and size match the manifest (a
 * mismatch kills the restore: it rolls back, and a database the restore created is dropped);</li>
 * <li>count the rows of every table and compare with the counts the manifest recorded.</li>
 * </ol>
 */
public final class RestorePipeline {

    public record Request(
            ObjectStore store,
            String backupRef,
            String sourceNamespace,
            String sourceDatabase,
            PgTarget target,
            boolean replace,
            /** With replace: the target's name as the person asking typed it; compared with the server's. */
            String confirm,
            boolean safetyBackup,
            boolean skipOwnership,
            Integer jobs,
            String namespace,
            Path pgBin,
            Path workDir,
            /** The key this runner holds: decrypts an encrypted backup and encrypts the safety backup. */
            Optional<BackupCipher> cipher) {}

    /**
     * @param rowCheck {@code exact} when every table's count matched the manifest's exact count,
     *     {@code estimated} when the manifest only had estimates to compare with
     */
    public record Outcome(
            BackupManifest source,
            String sourceUrl,
            int tables,
            long rows,
            String rowCheck,
            String safetyBackupId,
            boolean createdDatabase,
            double seconds) {}

    private final Clock clock;

    /**
     * What a restore of {@code m} would discard, in words: the rows tables hold beyond the backup's exact
     * counts ({@code ""} when none or when the backup has no exact counts). Counts only tell additions
     * apart; updates in place are not visible here, so the message says "at least".
     */
    public static String writtenSince(PgTarget target, BackupManifest m) {
        List<TableRows> before = m.tables() == null
                ? List.of()
                : m.tables().stream().filter(t -> t.exactRows() != null).toList();
        if (before.isEmpty()) {
            return "";
        }
        try {
            long added = 0;
            List<String> tables = new ArrayList<>();
            List<TableRows> now = TargetDatabase.count(target, before);
            for (int i = 0; i < before.size() && i < now.size(); i++) {
                long more = now.get(i).exactRows() - before.get(i).exactRows();
                if (more > 0) {
                    added += more;
                    tables.add(before.get(i).qualifiedName() + " +" + more);
                }
            }
            return added == 0
                    ? ""
                    : "; at least " + added + " rows were written since the backup (" + String.join(", ", tables)
                            + ") and are not in it";
        } catch (RunnerException e) {
            return "";
        }
    }

    public RestorePipeline(Clock clock) {
        this.clock = clock;
    }

    public Outcome run(Request r) {
        long start = System.nanoTime();
        StoredBackup backup = StoredBackup.resolve(r.store(), r.backupRef(), r.sourceNamespace(), r.sourceDatabase());
        BackupManifest m = backup.manifest();
        // a missing or different key is refused here, before the target is looked at
        DumpDecoding decoding = backup.decoding(r.cipher());
        DumpFormat format = DumpFormat.parse(m.format());
        if (format == DumpFormat.PLAIN && r.replace()) {
            throw new RunnerException(
                    FailureReason.InvalidArguments,
                    "backup " + m.backupId() + " is a plain SQL dump,"
                            + " which cannot clean what it replaces: restore it into a new or empty database");
        }
        PgTools tools = locateTools(r.pgBin(), m);
        TargetDatabase.State state = TargetDatabase.prepare(r.target());
        if (state.created()) {
            Console.info(
                    "restore %s: created database %s", m.backupId(), r.target().database());
        }
        if (r.replace() && (r.confirm() == null || !r.confirm().equals(state.name()))) {
            // Checked against the database the server opened, not the URL: what is replaced is what is named.
            throw new RunnerException(
                    FailureReason.InvalidArguments,
                    "--replace needs --confirm with the target"
                            + " database's name as the server reports it ('" + state.name() + "'), got "
                            + (r.confirm() == null ? "none" : "'" + r.confirm() + "'") + ": nothing was restored");
        }
        if (!state.empty() && !r.replace()) {
            throw new RunnerException(
                    FailureReason.TargetNotEmpty,
                    "database " + r.target().database() + " already has "
                            + state.userTables()
                            + " user tables: restore into a new or empty database, or replace it explicitly"
                            + " (--replace; a DatabaseRestore needs mode Replace and confirm)");
        }
        List<String> missing = TargetDatabase.missingPrerequisites(r.target(), m, r.skipOwnership());
        if (!missing.isEmpty()) {
            throw new RunnerException(FailureReason.PrerequisitesMissing, String.join("; ", missing));
        }

        String safetyBackupId = null;
        if (r.replace() && !state.empty() && r.safetyBackup()) {
            safetyBackupId = safetyBackup(r, m, tools);
        }

        Console.info(
                "restore %s: restoring %s into %s (%s format%s)",
                m.backupId(),
                Sizes.bytes(m.rawSizeBytes()),
                r.target().describe(),
                format.pgDumpName(),
                r.replace() ? ", replacing existing objects" : "");
        try {
            streamInto(
                    r.store(),
                    backup.dumpKey(),
                    decoding,
                    backup,
                    tools,
                    r.target(),
                    new RestoreProcess.Options(format, r.replace(), r.skipOwnership(), r.jobs(), r.workDir()));
        } catch (RunnerException e) {
            if (state.created()) {
                // the restore made it, so as it was means gone (a rolled-back restore leaves it empty)
                dropCreated(r.target(), m, e);
            }
            throw e;
        }

        List<TableRows> counted = TargetDatabase.count(r.target(), m.tables() == null ? List.of() : m.tables());
        String rowCheck = compareRows(m, counted);
        long rows = counted.stream().mapToLong(t -> Math.max(0, t.exactRows())).sum();
        double seconds = (System.nanoTime() - start) / 1e9;
        Console.info(
                "restore %s: %d tables, %d rows restored into %s in %.1f s (row counts %s)",
                m.backupId(), counted.size(), rows, r.target().describe(), seconds, rowCheck);
        return new Outcome(
                m, backup.url(r.store()), counted.size(), rows, rowCheck, safetyBackupId, state.created(), seconds);
    }

    /** Streams a stored dump through decryption and decompression into pg_restore or psql, without checking it. */
    public static void streamInto(
            ObjectStore store,
            String dumpKey,
            DumpDecoding decoding,
            PgTools tools,
            PgTarget target,
            RestoreProcess.Options options) {
        streamInto(store, dumpKey, decoding, null, tools, target, options);
    }

    /**
     * Streams a stored dump through decryption (when encrypted) and decompression into pg_restore or
     * psql, in one read: the stored bytes are hashed on the way, and when {@code expected} is given the
     * restore cannot commit unless their SHA-256 and size match it (the last bytes of the stream are held
     * back until they do; a directory dump is checked once unpacked, before pg_restore starts). A
     * mismatch, or an object that does not decode, is {@link FailureReason#ChecksumMismatch}; right bytes
     * that do not decrypt are {@link FailureReason#DecryptionFailed}; either rolls the restore back.
     */
    public static void streamInto(
            ObjectStore store,
            String dumpKey,
            DumpDecoding decoding,
            StoredBackup expected,
            PgTools tools,
            PgTarget target,
            RestoreProcess.Options options) {
        AtomicLong fed = new AtomicLong();
        MessageDigest sha = Streams.sha256();
        AtomicLong storedBytes = new AtomicLong();
        FailureRecordingStream stored = null;
        FailureRecordingStream decoded = null;
        try {
            stored = new FailureRecordingStream(store.open(dumpKey));
            try (InputStream counted = Streams.counting(new DigestInputStream(stored, sha), storedBytes);
                    FailureRecordingStream plain = new FailureRecordingStream(decoding.decrypted(counted));
                    FailureRecordingStream d = new FailureRecordingStream(decoding.decompressed(plain))) {
                decoded = d;
                RestoreProcess.Gate gate = expected == null
                        ? RestoreProcess.Gate.OPEN
                        : () -> {
                            // what the decoder has not asked for: a tar's padding, bytes after the last frame
                            Streams.drain(d);
                            Streams.drain(counted);
                            expected.checkDigest(Streams.hex(sha.digest()), storedBytes.get());
                        };
                try {
                    RestoreProcess.run(tools, target, options, d, fed, gate);
                } catch (IOException e) {
                    if (plain.failure instanceof BackupCipher.DecryptionException) {
                        // told apart while the stored stream is open, so the rest of it can still be hashed
                        throw decryptionFailure(
                                dumpKey, decoding, expected, counted, sha, storedBytes, options, plain.failure);
                    }
                    throw e;
                }
            }
        } catch (StorageException e) {
            throw RunnerException.from(e);
        } catch (IOException e) {
            if (stored != null && stored.failure == null && decoded != null && decoded.failure != null) {
                // storage delivered, the decoder refused: a flipped or missing byte (zstd frames carry a checksum)
                throw new RunnerException(
                        FailureReason.ChecksumMismatch,
                        (expected == null
                                        ? dumpKey
                                        : "backup " + expected.entry().folder())
                                + " is corrupt: the object does not decode (" + e.getMessage() + "); "
                                + options.restorer() + " was stopped before the end and its transaction rolled back",
                        e);
            }
            // Reading the backup failed, not PostgreSQL: a storage reason, so its exit code says where to look.
            boolean network = e instanceof SocketException
                    || e instanceof SocketTimeoutException
                    || e.getCause() instanceof SocketException;
            // a resumed read that could not go on carries the storage's own classified answer
            FailureReason reason = e.getCause() instanceof StorageException se
                    ? RunnerException.from(se).reason()
                    : network ? FailureReason.StorageUnreachable : FailureReason.StorageError;
            throw new RunnerException(
                    reason,
                    "reading the backup from storage failed mid-restore (" + e.getMessage() + "); " + options.restorer()
                            + " was stopped and its transaction rolled back",
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RunnerException(FailureReason.Internal, "interrupted", e);
        }
    }

    /**
     * A segment did not authenticate while storage delivered: with the manifest at hand, the rest of the
     * object is hashed so altered bytes are called corrupt, and only bytes that match the checksum yet do
     * not decrypt are called a decryption failure.
     */
    private static RunnerException decryptionFailure(
            String dumpKey,
            DumpDecoding decoding,
            StoredBackup expected,
            InputStream hashed,
            MessageDigest sha,
            AtomicLong storedBytes,
            RestoreProcess.Options options,
            IOException e) {
        String what = expected == null ? dumpKey : "backup " + expected.entry().folder();
        String rolledBack = "; " + options.restorer() + " was stopped before the end and its transaction rolled back";
        if (expected != null) {
            try {
                Streams.drain(hashed);
                expected.checkDigest(Streams.hex(sha.digest()), storedBytes.get());
            } catch (RunnerException corrupt) {
                return new RunnerException(corrupt.reason(), corrupt.getMessage() + rolledBack, e);
            } catch (IOException | RuntimeException unreadable) {
                // the rest could not be read: say what is known, that it did not decrypt
            }
        }
        return new RunnerException(
                FailureReason.DecryptionFailed,
                what + " does not decrypt with key " + decoding.cipher().fingerprint() + ": " + e.getMessage()
                        + rolledBack,
                e);
    }

    private static void dropCreated(PgTarget target, BackupManifest m, RunnerException failure) {
        try {
            TargetDatabase.drop(target);
            Console.info("restore %s: dropped database %s, which it had created", m.backupId(), target.database());
        } catch (RunnerException e) {
            failure.addSuppressed(e);
            Console.info(
                    "restore %s: could not drop database %s, which it had created: %s",
                    m.backupId(), target.database(), e.getMessage());
        }
    }

    /**
     * Exact counts must match table by table; estimates (pg_class.reltuples) can only be reported.
     * A table of the backup that is missing after the restore is always a failure.
     */
    static String compareRows(BackupManifest m, List<TableRows> counted) {
        List<String> problems = new ArrayList<>();
        boolean exact = m.hasExactCounts();
        for (TableRows t : counted) {
            TableRows recorded = m.tables().stream()
                    .filter(x -> x.schema().equals(t.schema()) && x.name().equals(t.name()))
                    .findFirst()
                    .orElseThrow();
            if (t.exactRows() < 0) {
                problems.add(t.qualifiedName() + " is missing");
            } else if (exact && !t.exactRows().equals(recorded.exactRows())) {
                problems.add(t.qualifiedName() + ": " + t.exactRows() + " rows, backup had " + recorded.exactRows());
            }
        }
        if (!problems.isEmpty()) {
            throw new RunnerException(
                    FailureReason.RowCountMismatch,
                    "restored data differs from the backup: " + String.join("; ", problems));
        }
        return exact ? "exact" : "estimated";
    }

    private String safetyBackup(Request r, BackupManifest source, PgTools tools) {
        Console.info(
                "restore %s: backing up %s before replacing it",
                source.backupId(), r.target().describe());
        BackupPipeline.Outcome safety = new BackupPipeline(clock)
                .run(new BackupPipeline.Request(
                        r.target(),
                        r.store(),
                        DumpFormat.CUSTOM,
                        CompressionAlgorithm.ZSTD,
                        CompressionAlgorithm.ZSTD.defaultLevel(),
                        Runtime.getRuntime().availableProcessors() > 1 ? 1 : 0,
                        null,
                        null,
                        r.namespace(),
                        "safety backup before restoring " + source.backupId(),
                        false,
                        VerifyMode.Checksum,
                        null,
                        Duration.ofSeconds(30),
                        tools.binDir(),
                        r.workDir(),
                        r.cipher()));
        Console.info(
                "restore %s: safety backup %s stored at %s",
                source.backupId(),
                safety.manifest().backupId(),
                r.store().location().url(safety.dumpKey()));
        return safety.manifest().backupId();
    }

    private static PgTools locateTools(Path pgBin, BackupManifest m) {
        PgTools tools;
        try {
            tools = PgTools.locate(pgBin);
        } catch (IllegalStateException e) {
            throw new RunnerException(FailureReason.PgToolTooOld, e.getMessage(), e);
        }
        int dumpMajor = Integer.parseInt(m.pgDumpVersion().split("\\.")[0]);
        if (tools.major() < dumpMajor) {
            throw new RunnerException(
                    FailureReason.PgToolTooOld,
                    "pg_restore " + tools.version()
                            + " cannot read archives written by pg_dump " + m.pgDumpVersion()
                            + ": use a runner image with PostgreSQL " + dumpMajor + " client tools or newer");
        }
        return tools;
    }
}
