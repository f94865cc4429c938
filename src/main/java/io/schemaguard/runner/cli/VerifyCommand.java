package io.schemaguard.runner.cli;

import io.schemaguard.contract.RunnerResult;
import io.schemaguard.contract.Sizes;
import io.schemaguard.runner.pipeline.StoredBackup;
import io.schemaguard.runner.storage.BackupManifest;
import io.schemaguard.runner.storage.ObjectStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "verify",
        description = {
            "Re-read a backup from storage and check it against its manifest: size, SHA-256, and that the",
            "compressed stream decodes to the recorded dump size (zstd frames also carry their own checksum)."
        })
final class VerifyCommand extends RunnerCommand {

    @Option(
            names = "--from",
            required = true,
            paramLabel = "LOCATION",
            description = "s3://bucket/prefix or file:///dir")
    String from;

    @Mixin
    StorageOptions storage;

    @Parameters(
            paramLabel = "BACKUP",
            description = "backup id (e.g. 20261125T031500Z-1a2b3c4d), its folder (ns/db/id), or 'latest'")
    String backup;

    @Override
    protected RunnerResult execute() {
        try (ObjectStore store = storage.open(from)) {
            StoredBackup b = StoredBackup.resolve(store, backup, null, null);
            b.verify(store, storage.cipher());
            BackupManifest m = b.manifest();
            System.out.printf(
                    "OK %s: %s, sha256 %s, decodes to %s%n",
                    b.entry().folder(), Sizes.bytes(m.sizeBytes()), m.sha256(), Sizes.bytes(m.rawSizeBytes()));
            return RunnerResult.success()
                    .backup(m.backupId(), m.database(), b.url(store), m.sizeBytes(), m.sha256())
                    .versions(m.serverVersion(), m.pgDumpVersion());
        }
    }
}
