package io.schemaguard.runner.pipeline;

import io.schemaguard.api.CompressionAlgorithm;
import io.schemaguard.api.DumpFormat;
import io.schemaguard.api.VerifyMode;
import io.schemaguard.contract.BackupLayout;
import io.schemaguard.contract.FailureReason;
import io.schemaguard.contract.Sizes;
import io.schemaguard.runner.Console;
import io.schemaguard.runner.RunnerException;
import io.schemaguard.runner.Streams;
import io.schemaguard.runner.crypto.BackupCipher;
import io.schemaguard.runner.postgres.DatabaseInspector;
import io.schemaguard.runner.postgres.DatabaseInspector.ServerInfo;
import io.schemaguard.runner.postgres.PgTarget;
import io.schemaguard.runner.postgres.PgTools;
import io.schemaguard.runner.postgres.SchemaFingerprint;
import io.schemaguard.runner.postgres.ScratchDatabase;
import io.schemaguard.runner.postgres.SnapshotSession;
import io.schemaguard.runner.postgres.TargetDatabase;
import io.schemaguard.runner.storage.BackupManifest;
import io.schemaguard.runner.storage.BackupManifest.TableRows;
import io.schemaguard.runner.storage.BackupManifest.Verification;
import io.schemaguard.runner.storage.ObjectStore;
import io.schemaguard.runner.storage.StorageException;
import io.schemaguard.runner.storage.StoredObject;
import io.schemaguard.runner.storage.UploadSink;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * pg_dump -> compression -> SHA-256 -> upload, streamed end to end; then the stored object is read
 * back and hashed again, and only then is the manifest (the commit marker) written. Any stage's
 * failure aborts the upload, so a failed run leaves no object that looks complete.
 */
public final class BackupPipeline {

    public record Request(
            PgTarget target,
            ObjectStore store,
            DumpFormat format,
            CompressionAlgorithm compression,
            int compressionLevel,
            int compressionThreads,
            Integer jobs,
            String backupId,
            String namespace,
            String createdBy,
            boolean exactCounts,
            VerifyMode verify,
            PgTarget verifyServer,
            Duration progressInterval,
            Path pgBin,
            Path workDir,
            /** Encrypts the dump object on the client when present; the manifest names its key's fingerprint. */
            Optional<BackupCipher> cipher) {}

    /** What a successful run stored: the manifest and the dump's location-relative key. */
    public record Outcome(BackupManifest manifest, String dumpKey) {}

    private final Clock clock;

    public BackupPipeline(Clock clock) {
        this.clock = clock;
    }

    public Outcome run(Request r) {
        // Both preflights are network round trips (and the first S3 call warms up the SDK), so they
        // run side by side; a database problem is reported first, being the first stage.
        CompletableFuture<Void> storageCheck =
                CompletableFuture.runAsync(() -> r.store().checkAccess());
        ServerInfo server = DatabaseInspector.inspect(r.target());
        PgTools tools = locateTools(r.pgBin(), server);
        try {
            storageCheck.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof StorageException se) {
                throw RunnerException.from(se);
            }
            throw e;
        }

        String backupId = r.backupId() != null ? r.backupId() : BackupLayout.backupId(clock.instant(), randomSuffix());
        String folder = BackupLayout.folder(r.namespace(), server.database(), backupId);
        String dumpName = BackupLayout.dumpFileName(r.format(), r.compression());
        String dumpKey = folder + "/" + dumpName;
        Outcome already = alreadyComplete(r.store(), folder, backupId);
        if (already != null) {
            return already;
        }
        Writer writer = Writer.claim(r.store(), folder, backupId);
        try {
            return write(r, server, tools, backupId, folder, dumpName, dumpKey, writer);
        } catch (RuntimeException | Error e) {
            writer.releaseIfOwner(); // a failed run leaves the folder as it found it
            throw e;
        }
    }

    /** The dump, its upload, the read-back and the manifest, by the runner that owns the folder. */
    private Outcome write(
            Request r,
            ServerInfo server,
            PgTools tools,
            String backupId,
            String folder,
            String dumpName,
            String dumpKey,
            Writer writer) {
        Instant startedAt = clock.instant();
        Console.info(
                "backup %s: dumping %s (PostgreSQL %s) with pg_dump %s, %s format, %s, to %s",
                backupId,
                r.target().describe(),
                server.version(),
                tools.version(),
                r.format().pgDumpName(),
                r.compression() == CompressionAlgorithm.NONE
                        ? "uncompressed"
                        : r.compression().id() + " level " + r.compressionLevel(),
                r.store().location().url(dumpKey));

        MessageDigest sha = Streams.sha256();
        StoredObject stored;
        long rawBytes;
        List<TableRows> tables;
        String schemaFingerprint;
        // The dump, the schema fingerprint and (when asked) exact row counts all read one exported
        // snapshot, so the manifest describes exactly what the dump holds.
        try (SnapshotSession snapshot = SnapshotSession.open(r.target())) {
            CompletableFuture<String> fingerprint =
                    CompletableFuture.supplyAsync(() -> SchemaFingerprint.of(tools, r.target(), snapshot.snapshotId()));
            CompletableFuture<List<TableRows>> counts = r.exactCounts()
                    ? CompletableFuture.supplyAsync(() -> snapshot.exactCounts(server.tables()))
                    : CompletableFuture.completedFuture(server.tables());
            try (ProgressMeter meter = new ProgressMeter(r.progressInterval());
                    UploadSink sink = openSink(r.store(), dumpKey)) {
                DumpProcess dump = startDump(tools, r, snapshot.snapshotId());
                try {
                    OutputStream hashed =
                            new DigestOutputStream(Streams.countingUnclosable(sink, meter.storedBytes), sha);
                    // encryption after compression (ciphertext does not compress); the SHA-256 is the stored bytes'
                    OutputStream sealed =
                            r.cipher().isPresent() ? r.cipher().get().encrypt(hashed, backupId) : hashed;
                    try (OutputStream compressed = Compressors.compress(
                            r.compression(), r.compressionLevel(), r.compressionThreads(), sealed)) {
                        dump.writeTo(compressed, meter.rawBytes);
                    }
                    dump.awaitSuccess();
                } catch (IOException | RuntimeException e) {
                    dump.destroy();
                    throw failureOf(e);
                } finally {
                    dump.cleanup();
                }
                rawBytes = meter.rawBytes.get();
                // side results first: if they fail, the upload is aborted rather than left without a manifest
                tables = join(counts);
                schemaFingerprint = join(fingerprint);
                writer.requireStillOwner(); // another runner of this id would replace the object we commit
                stored = sink.commit();
                Console.info(
                        "backup %s: pg_dump wrote %s, stored %s in %d %s in %.1f s",
                        backupId,
                        Sizes.bytes(rawBytes),
                        Sizes.bytes(stored.size()),
                        stored.parts(),
                        stored.parts() == 1 ? "part" : "parts",
                        meter.elapsedSeconds());
            } catch (StorageException e) {
                throw RunnerException.from(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RunnerException(FailureReason.Internal, "interrupted", e);
            }
        }

        String sha256 = Streams.hex(sha.digest());
        writer.requireStillOwner(); // before the read-back, whose mismatch deletes the object
        if (r.verify() != VerifyMode.None) {
            verifyStored(r.store(), dumpKey, sha256, stored.size());
        }
        Verification verification = r.verify() == VerifyMode.Restore
                ? verifyByRestore(r, tools, backupId, dumpKey, tables, schemaFingerprint)
                : null;
        Instant finishedAt = clock.instant();
        BackupManifest manifest = new BackupManifest(
                BackupManifest.SCHEMA_VERSION,
                backupId,
                r.namespace(),
                server.database(),
                r.target().host() + ":" + r.target().port(),
                r.format().pgDumpName(),
                r.compression().id(),
                r.compression() == CompressionAlgorithm.NONE ? null : r.compressionLevel(),
                dumpName,
                stored.size(),
                rawBytes,
                sha256,
                server.version(),
                tools.version(),
                startedAt,
                finishedAt,
                Duration.between(startedAt, finishedAt).toMillis() / 1000.0,
                r.createdBy(),
                tables,
                schemaFingerprint,
                server.roles(),
                server.extensions(),
                verification,
                r.cipher()
                        .map(c -> new BackupManifest.Encryption(BackupCipher.ALGORITHM, c.fingerprint()))
                        .orElse(null));
        try {
            writer.requireStillOwner(); // the manifest must describe the object this runner stored
            r.store().put(folder + "/" + BackupLayout.MANIFEST, manifest.toJson(), "application/json");
            writer.release();
        } catch (StorageException e) {
            throw RunnerException.from(e);
        }
        if (verification != null && !Verification.PASSED.equals(verification.result())) {
            // The dump stays, with a manifest saying it failed verification: evidence is never deleted.
            throw new RunnerException(
                    FailureReason.VerificationFailed,
                    "backup " + backupId + " failed verification by restore: " + verification.message());
        }
        return new Outcome(manifest, dumpKey);
    }

    /**
     * Restores the fresh dump into a scratch database (on the source server, or on a separate
     * verification server), compares exact row counts and the schema fingerprint with the source at
     * dump time, and drops the scratch database whatever happens.
     */
    private Verification verifyByRestore(
            Request r,
            PgTools tools,
            String backupId,
            String dumpKey,
            List<TableRows> tables,
            String sourceFingerprint) {
        PgTarget server = r.verifyServer() != null ? r.verifyServer() : r.target();
        PgTarget scratch = new PgTarget(
                server.host(),
                server.port(),
                ScratchDatabase.VERIFY + backupId.toLowerCase().replaceAll("[^a-z0-9]", "_"),
                server.user(),
                server.password(),
                server.sslMode());
        long start = System.nanoTime();
        Console.info("backup %s: verifying by restore into %s", backupId, scratch.describe());
        ScratchDatabase claimed = null;
        try {
            // a retried Job reuses the backup id: a scratch database left by a killed attempt goes first
            claimed = ScratchDatabase.create(scratch);
            RestorePipeline.streamInto(
                    r.store(),
                    dumpKey,
                    DumpDecoding.of(r.compression(), r.cipher(), backupId),
                    tools,
                    scratch,
                    new RestoreProcess.Options(r.format(), false, r.verifyServer() != null, r.jobs(), r.workDir()));
            List<TableRows> counted = TargetDatabase.count(scratch, tables);
            List<String> problems = new ArrayList<>();
            for (int i = 0; i < tables.size(); i++) {
                if (!counted.get(i).exactRows().equals(tables.get(i).exactRows())) {
                    problems.add(tables.get(i).qualifiedName() + ": "
                            + counted.get(i).exactRows() + " rows restored, "
                            + tables.get(i).exactRows() + " dumped");
                }
            }
            String restoredFingerprint = SchemaFingerprint.of(tools, scratch, null);
            if (!restoredFingerprint.equals(sourceFingerprint)) {
                problems.add("the restored schema differs from the source's at dump time");
            }
            long rows =
                    counted.stream().mapToLong(t -> Math.max(0, t.exactRows())).sum();
            double seconds = (System.nanoTime() - start) / 1e9;
            String message = problems.isEmpty()
                    ? counted.size() + " tables and " + rows + " rows match the source"
                    : String.join("; ", problems);
            Console.info(
                    "backup %s: verification %s in %.1f s: %s",
                    backupId, problems.isEmpty() ? "passed" : "FAILED", seconds, message);
            return new Verification(
                    problems.isEmpty() ? Verification.PASSED : Verification.FAILED,
                    counted.size(),
                    rows,
                    Math.round(seconds * 1000) / 1000.0,
                    message);
        } catch (RunnerException e) {
            return new Verification(
                    Verification.FAILED, 0, 0, (System.nanoTime() - start) / 1e9, e.reason() + ": " + e.getMessage());
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
     * Reads the object back from storage and compares its SHA-256 and size with what was sent; a
     * mismatch removes the object, since a backup that does not match its checksum is not one.
     */
    static void verifyStored(ObjectStore store, String key, String expectedSha256, long expectedSize) {
        Streams.Hashed actual;
        try (InputStream in = store.open(key)) {
            actual = Streams.hash(in);
        } catch (StorageException e) {
            throw RunnerException.from(e);
        } catch (IOException e) {
            throw new RunnerException(
                    FailureReason.StorageError,
                    "cannot read back " + store.location().url(key) + ": " + e.getMessage(),
                    e);
        }
        if (!actual.sha256().equals(expectedSha256) || actual.size() != expectedSize) {
            try {
                store.delete(key);
            } catch (StorageException e) {
                Console.info("warning: could not delete the mismatching object: %s", e.getMessage());
            }
            throw new RunnerException(
                    FailureReason.ChecksumMismatch,
                    "stored object " + store.location().url(key) + " does not match what was uploaded (sha256 "
                            + actual.sha256() + ", " + actual.size() + " bytes; expected " + expectedSha256 + ", "
                            + expectedSize + " bytes)");
        }
    }

    private static PgTools locateTools(Path pgBin, ServerInfo server) {
        PgTools tools;
        try {
            tools = PgTools.locate(pgBin);
        } catch (IllegalStateException e) {
            throw new RunnerException(FailureReason.PgToolTooOld, e.getMessage(), e);
        }
        if (tools.major() < server.major()) {
            throw new RunnerException(
                    FailureReason.PgToolTooOld,
                    "pg_dump " + tools.version()
                            + " is older than the server (PostgreSQL " + server.version()
                            + "): pg_dump can only dump servers of its own major version or older; use a runner image with"
                            + " PostgreSQL " + server.major() + " client tools or newer");
        }
        return tools;
    }

    /**
     * A backup of this id that is complete already (a Job retried after its first pod finished, or a
     * second runner given the same id): checked against storage and reported as stored, so the report
     * always matches what is there; nothing is written again.
     */
    private static Outcome alreadyComplete(ObjectStore store, String folder, String backupId) {
        try {
            boolean complete = store.list(folder + "/").stream()
                    .anyMatch(o -> o.key().equals(folder + "/" + BackupLayout.MANIFEST));
            if (!complete) {
                return null;
            }
            StoredBackup existing = StoredBackup.resolve(store, folder, null, null);
            Verification v = existing.manifest().verification();
            if (v != null && !Verification.PASSED.equals(v.result())) {
                return null; // a failed verification is tried again, as a retried Job always did
            }
            existing.verifyChecksum(store);
            Console.info(
                    "backup %s: already complete in storage, checked against its manifest; reporting it", backupId);
            return new Outcome(existing.manifest(), existing.dumpKey());
        } catch (StorageException e) {
            throw RunnerException.from(e);
        }
    }

    /**
     * Who is writing a backup folder: a token object each runner writes when it starts, the newest
     * one winning. A runner checks it is still the owner before it commits the dump, reads it back and
     * writes the manifest, and stops (without committing) when another runner of the same id has taken
     * over, so two runners never leave a manifest that describes the other one's object.
     */
    private record Writer(ObjectStore store, String key, String token) {
        static Writer claim(ObjectStore store, String folder, String backupId) {
            String token = UUID.randomUUID() + " " + ProcessHandle.current().pid() + " " + Instant.now();
            Writer w = new Writer(store, folder + "/" + BackupLayout.WRITER, token);
            try {
                store.put(w.key, token.getBytes(StandardCharsets.UTF_8), "text/plain");
            } catch (StorageException e) {
                throw RunnerException.from(e);
            }
            return w;
        }

        void requireStillOwner() {
            String now;
            try (InputStream in = store.open(key)) {
                now = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (StorageException e) {
                // only a token that is not there means another runner finished; a refused or failed read is
                // the storage's failure, said as such (a revoked key must not look like a second writer)
                if (e.kind() != StorageException.Kind.OBJECT_NOT_FOUND) {
                    throw RunnerException.from(e);
                }
                now = null;
            } catch (IOException e) {
                throw new RunnerException(
                        FailureReason.StorageError,
                        "cannot read " + store.location().url(key) + ": " + e.getMessage(),
                        e);
            }
            if (!token.equals(now)) {
                throw new RunnerException(
                        FailureReason.BackupInProgress,
                        "another runner started writing backup "
                                + key.substring(0, key.lastIndexOf('/')) + " after this one (writer "
                                + (now == null ? "gone" : now.split(" ")[0])
                                + "): this one stopped without committing, the other carries on");
            }
        }

        void release() {
            try {
                store.delete(key);
            } catch (StorageException e) {
                Console.info("warning: could not remove %s: %s", key, e.getMessage());
            }
        }

        /** Removes the token unless another runner's replaced it; never throws (the run is failing already). */
        void releaseIfOwner() {
            try {
                requireStillOwner();
                store.delete(key);
            } catch (RuntimeException e) {
                // another owner, or storage gone: the token stays, and names no manifest
            }
        }
    }

    private static UploadSink openSink(ObjectStore store, String key) {
        try {
            return store.openUpload(key);
        } catch (StorageException e) {
            throw RunnerException.from(e);
        }
    }

    private static DumpProcess startDump(PgTools tools, Request r, String snapshot) {
        try {
            return DumpProcess.start(tools, r.target(), r.format(), r.jobs(), r.workDir(), snapshot);
        } catch (IOException e) {
            throw new RunnerException(FailureReason.DumpFailed, "cannot start pg_dump: " + e.getMessage(), e);
        }
    }

    /** Names the failing stage: storage errors win, then pg_dump's own error, then the stream's. */
    private static RuntimeException failureOf(Exception e) {
        if (e instanceof StorageException se) {
            return RunnerException.from(se);
        }
        if (e instanceof RunnerException re) {
            return re;
        }
        Throwable cause = e.getCause();
        if (cause instanceof StorageException se) {
            return RunnerException.from(se);
        }
        return new RunnerException(FailureReason.DumpFailed, "dump stream failed: " + e.getMessage(), e);
    }

    /** The value of a side task, its failure rethrown as the runner failure it carries. */
    static <T> T join(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw e;
        }
    }

    private static String randomSuffix() {
        byte[] b = new byte[4];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
