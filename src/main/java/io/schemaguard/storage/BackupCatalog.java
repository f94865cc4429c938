package io.schemaguard.storage;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Reads the backups under a storage location: complete ones (with a manifest) and incomplete leftovers. */
public final class BackupCatalog {

    /**
     * One backup folder. {@code manifest} is null when the folder has a dump but no (readable)
     * manifest, i.e. the backup never completed; {@code problem} then says why.
     */
    public record Entry(String folder, String backupId, BackupManifest manifest, List<StoredObject> objects,
            String problem) {

        public boolean complete() {
            return manifest != null;
        }
    }

    private final ObjectStore store;

    public BackupCatalog(ObjectStore store) {
        this.store = store;
    }

    /** Every backup folder, oldest first. */
    public List<Entry> entries() {
        Map<String, List<StoredObject>> byFolder = new TreeMap<>();
        for (StoredObject o : store.list("")) {
            int slash = o.key().lastIndexOf('/');
            if (slash < 0) {
                continue;
            }
            String folder = o.key().substring(0, slash);
            String leaf = folder.substring(folder.lastIndexOf('/') + 1);
            if (BackupLayout.isBackupId(leaf)) {
                byFolder.computeIfAbsent(folder, k -> new ArrayList<>()).add(o);
            }
        }
        List<Entry> entries = new ArrayList<>();
        byFolder.forEach((folder, objects) -> entries.add(read(folder, objects)));
        entries.sort(Comparator.comparing(Entry::backupId).thenComparing(Entry::folder));
        return entries;
    }

    /** Finds a backup by its id ({@code 20261125T031500Z-ab12}) or its folder ({@code ns/db/<id>}). */
    public Entry find(String idOrFolder) {
        List<Entry> matches = entries().stream()
                .filter(e -> e.folder().equals(idOrFolder) || e.backupId().equals(idOrFolder))
                .toList();
        if (matches.isEmpty()) {
            throw new StorageException(StorageException.Kind.OBJECT_NOT_FOUND,
                    "no backup '" + idOrFolder + "' under " + store.location());
        }
        if (matches.size() > 1) {
            throw new IllegalArgumentException("backup id '" + idOrFolder + "' is ambiguous; use one of: "
                    + matches.stream().map(Entry::folder).toList());
        }
        return matches.get(0);
    }

    /**
     * The newest complete backup that did not fail a verification, optionally of one namespace and database (the first two folder
     * segments). Refuses to guess when backups of several databases match.
     */
    public Entry latest(String namespace, String database) {
        List<Entry> complete = entries().stream().filter(Entry::complete)
                .filter(e -> e.manifest().verification() == null
                        || BackupManifest.Verification.PASSED.equals(e.manifest().verification().result()))
                .filter(e -> namespace == null || segments(e)[0].equals(BackupLayout.segment(namespace)))
                .filter(e -> database == null || segments(e)[1].equals(BackupLayout.segment(database)))
                .toList();
        if (complete.isEmpty()) {
            throw new StorageException(StorageException.Kind.OBJECT_NOT_FOUND, "no complete backup"
                    + (database == null ? "" : " of " + database) + " under " + store.location());
        }
        List<String> databases = complete.stream().map(e -> e.folder().substring(0, e.folder().lastIndexOf('/')))
                .distinct().toList();
        if (databases.size() > 1) {
            throw new IllegalArgumentException("'latest' is ambiguous: backups of " + databases
                    + " match; name the source database (and namespace)");
        }
        return complete.get(complete.size() - 1);
    }

    private static String[] segments(Entry e) {
        String[] parts = e.folder().split("/");
        return parts.length >= 3 ? new String[] { parts[parts.length - 3], parts[parts.length - 2] }
                : new String[] { "", "" };
    }

    private Entry read(String folder, List<StoredObject> objects) {
        String backupId = folder.substring(folder.lastIndexOf('/') + 1);
        boolean hasManifest = objects.stream().anyMatch(o -> o.key().equals(folder + "/" + BackupLayout.MANIFEST));
        if (!hasManifest) {
            return new Entry(folder, backupId, null, objects, "no manifest: the backup did not complete");
        }
        try (InputStream in = store.open(folder + "/" + BackupLayout.MANIFEST)) {
            return new Entry(folder, backupId, BackupManifest.fromJson(in.readAllBytes()), objects, null);
        } catch (IllegalArgumentException e) {
            return new Entry(folder, backupId, null, objects, "unreadable manifest: " + e.getMessage());
        } catch (IOException e) {
            throw FileObjectStore.classify(e, "read manifest of " + folder);
        }
    }
}
