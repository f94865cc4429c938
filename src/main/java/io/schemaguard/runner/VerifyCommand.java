package io.schemaguard.runner;

import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.concurrent.atomic.AtomicLong;

import io.schemaguard.api.CompressionAlgorithm;
import io.schemaguard.storage.BackupCatalog;
import io.schemaguard.storage.BackupManifest;
import io.schemaguard.storage.ObjectStore;
import io.schemaguard.storage.StorageException;
import io.schemaguard.storage.StoredObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "verify", description = {
        "Re-read a backup from storage and check it against its manifest: size, SHA-256, and that the",
        "compressed stream decodes to the recorded dump size (zstd frames also carry their own checksum)." })
final class VerifyCommand extends RunnerCommand {

    @Option(names = "--from", required = true, paramLabel = "LOCATION", description = "s3://bucket/prefix or file:///dir")
    String from;

    @Mixin
    StorageOptions storage;

    @Parameters(paramLabel = "BACKUP", description = "backup id (e.g. 20261125T031500Z-1a2b3c4d) or its folder (ns/db/id)")
    String backup;

    @Override
    protected RunnerResult execute() {
        try (ObjectStore store = storage.open(from)) {
            BackupCatalog.Entry entry = new BackupCatalog(store).find(backup);
            if (!entry.complete()) {
                throw new RunnerException(FailureReason.ManifestInvalid,
                        "backup " + entry.folder() + " is incomplete: " + entry.problem());
            }
            BackupManifest m = entry.manifest();
            String dumpKey = entry.folder() + "/" + m.dumpObject();
            StoredObject object = entry.objects().stream().filter(o -> o.key().equals(dumpKey)).findFirst()
                    .orElseThrow(() -> new RunnerException(FailureReason.BackupNotFound,
                            "manifest of " + entry.folder() + " names " + m.dumpObject() + ", which is missing"));
            Check check = check(store, dumpKey, CompressionAlgorithm.parse(m.compression()));
            String location = store.location().url(dumpKey);
            if (!check.sha256().equals(m.sha256()) || check.size() != m.sizeBytes() || object.size() != m.sizeBytes()) {
                throw new RunnerException(FailureReason.ChecksumMismatch, "backup " + entry.folder()
                        + " is corrupt: stored object has sha256 " + check.sha256() + " and " + check.size()
                        + " bytes, manifest says " + m.sha256() + " and " + m.sizeBytes() + " bytes");
            }
            if (check.rawSize() != m.rawSizeBytes()) {
                throw new RunnerException(FailureReason.ChecksumMismatch, "backup " + entry.folder()
                        + " decodes to " + check.rawSize() + " bytes, manifest says " + m.rawSizeBytes());
            }
            System.out.printf("OK %s: %s, sha256 %s, decodes to %s%n", entry.folder(), Console.bytes(m.sizeBytes()),
                    m.sha256(), Console.bytes(m.rawSizeBytes()));
            return new RunnerResult(RunnerResult.SUCCEEDED, null, null, m.backupId(), m.database(), location,
                    m.sizeBytes(), m.sha256(), null, m.serverVersion(), m.pgDumpVersion());
        }
    }

    record Check(String sha256, long size, long rawSize) {
    }

    /** One read: hashes the stored bytes while decompressing them, so both checks cost a single pass. */
    static Check check(ObjectStore store, String key, CompressionAlgorithm compression) {
        MessageDigest sha = Streams.sha256();
        AtomicLong stored = new AtomicLong();
        try (InputStream raw = store.open(key);
                InputStream counted = Streams.counting(new DigestInputStream(raw, sha), stored);
                InputStream decoded = Compressors.decompress(compression, counted)) {
            long rawSize = Streams.drain(decoded);
            // drain the rest (trailing bytes after the last frame would otherwise go unhashed)
            Streams.drain(counted);
            return new Check(Streams.hex(sha.digest()), stored.get(), rawSize);
        } catch (StorageException e) {
            throw RunnerException.from(e);
        } catch (IOException e) {
            throw new RunnerException(FailureReason.ChecksumMismatch,
                    "backup object " + key + " does not decode: " + e.getMessage(), e);
        }
    }
}
