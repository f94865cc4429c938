package io.schemaguard.runner.cli;

import io.schemaguard.contract.BackupLayout;
import io.schemaguard.contract.RunnerResult;
import io.schemaguard.runner.RunnerException;
import io.schemaguard.runner.storage.BackupCatalog;
import io.schemaguard.runner.storage.ObjectStore;
import io.schemaguard.runner.storage.StorageException;
import io.schemaguard.runner.storage.StoredObject;
import java.util.Comparator;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "delete",
        sortOptions = false,
        description = {
            "Delete one backup: every object in its folder, manifest.json first, so that",
            "an interrupted delete leaves an incomplete backup, never a complete-looking",
            "one without its dump. A backup that is not there (already deleted, never",
            "uploaded) is a success with nothing to delete: a delete can always be repeated.",
            "A folder (ns/db/id) lists only that folder; an id with --namespace (and",
            "--database) lists only that namespace and matches only a backup filed there."
        })
final class DeleteCommand extends RunnerCommand {

    @Option(
            names = "--from",
            required = true,
            paramLabel = "LOCATION",
            description = "s3://bucket/prefix or file:///dir")
    String from;

    @Parameters(
            paramLabel = "BACKUP",
            description = "backup id (e.g. 20261125T031500Z-1a2b3c4d) or its folder (ns/db/id); never 'latest'")
    String backup;

    @Option(names = "--namespace", paramLabel = "NAME", description = "the namespace the backup is filed under")
    String namespace;

    @Option(names = "--database", paramLabel = "NAME", description = "the database the backup is of (its folder name)")
    String database;

    @Mixin
    StorageOptions storage;

    @Override
    protected RunnerResult execute() {
        String backupId = backup.substring(backup.lastIndexOf('/') + 1);
        if (!BackupLayout.isBackupId(backupId)) {
            throw new IllegalArgumentException("delete takes one backup id (<yyyyMMddTHHmmssZ>-<suffix>) or its folder"
                    + " (ns/db/<id>), not '" + backup + "'");
        }
        try (ObjectStore store = storage.open(from)) {
            Deleted d = delete(store, backup, namespace, database);
            String message = d.folder() == null
                    ? "nothing to delete: no backup '" + backup + "' under " + store.location()
                    : "deleted " + d.objects() + (d.objects() == 1 ? " object of " : " objects of ") + d.folder()
                            + " under " + store.location();
            System.out.println(message);
            return RunnerResult.success().deleted(backupId, d.objects()).message(message);
        }
    }

    /** What a delete removed: the backup's folder (null when there was none) and how many objects. */
    record Deleted(String folder, int objects) {}

    /**
     * Deletes every object under the backup's folder, manifest first. A failure part-way is reported
     * with the objects already deleted; running the delete again finishes the job.
     */
    static Deleted delete(ObjectStore store, String ref, String namespace, String database) {
        // only "no such backup" is nothing to delete: a 404 from a misconfigured endpoint fails
        BackupCatalog.Entry entry =
                new BackupCatalog(store).lookup(ref, namespace, database).orElse(null);
        if (entry == null) {
            return new Deleted(null, 0);
        }
        String manifest = entry.folder() + "/" + BackupLayout.MANIFEST;
        int deleted = 0;
        try {
            // listed again, whole: the catalog's entry holds only the objects directly in the folder
            List<String> keys = store.list(entry.folder() + "/").stream()
                    .map(StoredObject::key)
                    .sorted(Comparator.comparing((String key) -> !key.equals(manifest))
                            .thenComparing(key -> key))
                    .toList();
            for (String key : keys) {
                store.delete(key);
                deleted++;
            }
        } catch (StorageException e) {
            throw RunnerException.from(e).withPartial(RunnerResult.success().deleted(entry.backupId(), deleted));
        }
        return new Deleted(entry.folder(), deleted);
    }
}
