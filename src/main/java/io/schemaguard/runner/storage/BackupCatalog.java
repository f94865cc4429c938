package io.schemaguard.runner.storage;

import io.schemaguard.contract.BackupLayout;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;

/** Reads the backups under a storage location: complete ones (with a manifest) and incomplete leftovers. */
public final class BackupCatalog {

    /**
     * One backup folder. {@code manifest} is null when the folder has a dump but no (readable)
     * manifest, i.e. the backup never completed; {@code problem} then says why.
     */
    public record Entry(
            String folder, String backupId, BackupManifest manifest, List<StoredObject> objects, String problem) {

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
        return entries(null, null);
    }

    /**
     * The backup folders of one namespace and database (null: any), oldest first. With a namespace
     * only its keys are listed, not the whole location.
     */
    public List<Entry> entries(String namespace, String database) {
        return ofDatabase(
                scopes(namespace, database), folder -> inScope(folder, namespace, database), namespace, database);
    }

    /** Finds a backup by its id ({@code 20261125T031500Z-ab12}) or its folder ({@code ns/db/<id>}). */
    public Entry find(String idOrFolder) {
        return lookup(idOrFolder, null, null)
                .orElseThrow(() -> new StorageException(
                        StorageException.Kind.OBJECT_NOT_FOUND,
                        "no backup '" + idOrFolder + "' under " + store.location()));
    }

    /**
     * The backup of an id or folder among those of a namespace and database (null: any); empty when
     * there is none, while storage errors still throw. A folder, or an id with a namespace, lists only
     * those keys; only the match's manifest is read. A complete backup counts only when its manifest
     * names that namespace and database: a folder name alone does not tell databases apart.
     */
    public Optional<Entry> lookup(String idOrFolder, String namespace, String database) {
        List<String> prefixes = idOrFolder.contains("/") ? List.of(idOrFolder + "/") : scopes(namespace, database);
        List<Entry> matches = ofDatabase(
                prefixes,
                folder -> (folder.equals(idOrFolder) || leaf(folder).equals(idOrFolder))
                        && inScope(folder, namespace, database),
                namespace,
                database);
        if (matches.size() > 1) {
            throw new IllegalArgumentException("backup id '" + idOrFolder + "' is ambiguous; use one of: "
                    + matches.stream().map(Entry::folder).toList());
        }
        return matches.stream().findFirst();
    }

    /**
     * The newest complete backup that did not fail a verification, optionally of one namespace and
     * database, chosen by what the manifests say (the folder only narrows the search). Refuses to guess
     * when backups of several databases match.
     */
    public Entry latest(String namespace, String database) {
        List<Entry> complete = entries().stream()
                .filter(Entry::complete)
                .filter(e -> e.manifest().verification() == null
                        || BackupManifest.Verification.PASSED.equals(
                                e.manifest().verification().result()))
                .filter(e -> inScope(e.folder(), namespace, database))
                .filter(e -> of(e, namespace, database))
                .toList();
        if (complete.isEmpty()) {
            throw new StorageException(
                    StorageException.Kind.OBJECT_NOT_FOUND,
                    "no complete backup" + (database == null ? "" : " of " + database) + " under " + store.location());
        }
        List<String> databases = complete.stream()
                .map(e -> e.manifest().namespace() + "/" + e.manifest().database())
                .distinct()
                .toList();
        if (databases.size() > 1) {
            throw new IllegalArgumentException("'latest' is ambiguous: backups of " + databases
                    + " match; name the source database (and namespace)");
        }
        return complete.get(complete.size() - 1);
    }

    /**
     * The folders under any of the key prefixes that pass the filter and whose manifest names the
     * namespace and database, each once, oldest first.
     */
    private List<Entry> ofDatabase(
            List<String> prefixes, Predicate<String> folderFilter, String namespace, String database) {
        Map<String, Entry> byFolder = new TreeMap<>();
        for (String keyPrefix : prefixes) {
            collect(keyPrefix, folderFilter).stream()
                    .filter(e -> of(e, namespace, database))
                    .forEach(e -> byFolder.putIfAbsent(e.folder(), e));
        }
        List<Entry> entries = new ArrayList<>(byFolder.values());
        entries.sort(Comparator.comparing(Entry::backupId).thenComparing(Entry::folder));
        return entries;
    }

    /** Whether a backup is of the namespace and database (null: any) by its manifest; incomplete ones cannot tell. */
    private static boolean of(Entry e, String namespace, String database) {
        if (!e.complete()) {
            return true;
        }
        BackupManifest m = e.manifest();
        return (database == null || database.equals(m.database()))
                && (namespace == null || m.namespace() == null || namespace.equals(m.namespace()));
    }

    /** The backup folders under a key prefix that pass the filter, oldest first; only their manifests are read. */
    private List<Entry> collect(String keyPrefix, Predicate<String> folderFilter) {
        Map<String, List<StoredObject>> byFolder = new TreeMap<>();
        for (StoredObject o : store.list(keyPrefix)) {
            int slash = o.key().lastIndexOf('/');
            if (slash < 0) {
                continue;
            }
            String folder = o.key().substring(0, slash);
            if (BackupLayout.isBackupId(leaf(folder)) && folderFilter.test(folder)) {
                byFolder.computeIfAbsent(folder, k -> new ArrayList<>()).add(o);
            }
        }
        List<Entry> entries = new ArrayList<>();
        byFolder.forEach((folder, objects) -> entries.add(read(folder, objects)));
        entries.sort(Comparator.comparing(Entry::backupId).thenComparing(Entry::folder));
        return entries;
    }

    /** The key prefix of a namespace's (and database's) folders; "" when no namespace narrows it. */
    private static String scope(String namespace, String database) {
        if (namespace == null) {
            return "";
        }
        return BackupLayout.segment(namespace) + "/" + (database == null ? "" : BackupLayout.segment(database) + "/");
    }

    /** The key prefixes where backups of a namespace and database are: today's folder, and the older layout's. */
    private static List<String> scopes(String namespace, String database) {
        String legacy = namespace == null
                ? ""
                : BackupLayout.legacySegment(namespace) + "/"
                        + (database == null ? "" : BackupLayout.legacySegment(database) + "/");
        String current = scope(namespace, database);
        return current.equals(legacy) ? List.of(current) : List.of(current, legacy);
    }

    /**
     * Whether a folder ({@code .../<namespace>/<database>/<id>}) may hold backups of the namespace and
     * database (null: any): named as today's layout or the older one names them.
     */
    private static boolean inScope(String folder, String namespace, String database) {
        String[] parts = folder.split("/");
        String ns = parts.length >= 3 ? parts[parts.length - 3] : "";
        String db = parts.length >= 3 ? parts[parts.length - 2] : "";
        return (namespace == null
                        || ns.equals(BackupLayout.segment(namespace))
                        || ns.equals(BackupLayout.legacySegment(namespace)))
                && (database == null
                        || db.equals(BackupLayout.segment(database))
                        || db.equals(BackupLayout.legacySegment(database)));
    }

    private static String leaf(String folder) {
        return folder.substring(folder.lastIndexOf('/') + 1);
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
