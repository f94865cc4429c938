package io.schemaguard.runner.cli;

import io.schemaguard.contract.RunnerResult;
import io.schemaguard.contract.Sizes;
import io.schemaguard.runner.storage.BackupCatalog;
import io.schemaguard.runner.storage.BackupManifest;
import io.schemaguard.runner.storage.ObjectStore;
import io.schemaguard.runner.storage.StorageException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "list", description = "List the backups under a storage location; incomplete ones are flagged.")
final class ListCommand extends RunnerCommand {

    @Option(
            names = "--from",
            required = true,
            paramLabel = "LOCATION",
            description = "s3://bucket/prefix or file:///dir")
    String from;

    @Mixin
    StorageOptions storage;

    @Override
    protected RunnerResult execute() {
        try (ObjectStore store = storage.open(from)) {
            // A mistyped path would list as "no backups": say it does not exist, as a missing bucket does.
            if (store.location().isFile() && !Files.isDirectory(store.location().directory())) {
                throw new StorageException(
                        StorageException.Kind.BUCKET_NOT_FOUND,
                        "no directory " + store.location().directory());
            }
            List<BackupCatalog.Entry> entries = new BackupCatalog(store).entries();
            print(entries, System.out);
            return RunnerResult.success().message(entries.size() + " backups under " + store.location());
        }
    }

    private static String status(BackupManifest m) {
        if (m.verification() == null) {
            return "complete";
        }
        return BackupManifest.Verification.PASSED.equals(m.verification().result())
                ? "complete, restore-verified"
                : "VERIFICATION FAILED (" + m.verification().message() + ")";
    }

    static void print(List<BackupCatalog.Entry> entries, PrintStream out) {
        String format = "%-28s  %-20s  %-24s  %10s  %-12s  %s%n";
        out.printf(Locale.ROOT, format, "BACKUP", "TIME", "DATABASE", "SIZE", "SHA256", "STATUS");
        for (BackupCatalog.Entry e : entries) {
            BackupManifest m = e.manifest();
            String database = e.folder().substring(0, e.folder().lastIndexOf('/'));
            if (m == null) {
                long size = e.objects().stream().mapToLong(o -> o.size()).sum();
                out.printf(
                        Locale.ROOT,
                        format,
                        e.backupId(),
                        "-",
                        database,
                        Sizes.bytes(size),
                        "-",
                        "INCOMPLETE (" + e.problem() + ")");
            } else {
                out.printf(
                        Locale.ROOT,
                        format,
                        e.backupId(),
                        m.finishedAt().toString().replaceFirst("\\.\\d+Z$", "Z"),
                        database,
                        Sizes.bytes(m.sizeBytes()),
                        m.sha256().substring(0, 12),
                        status(m));
            }
        }
    }
}
