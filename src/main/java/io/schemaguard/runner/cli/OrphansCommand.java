package io.schemaguard.runner.cli;

import io.schemaguard.api.Durations;
import io.schemaguard.contract.BackupLayout;
import io.schemaguard.contract.RunnerResult;
import io.schemaguard.runner.storage.BackupCatalog;
import io.schemaguard.runner.storage.ObjectStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "orphans",
        sortOptions = false,
        description = {
            "Compare the backups stored for a namespace (and database) with the backup ids",
            "that should exist. Orphans: stored backups, complete or incomplete, whose id is",
            "not known, by folder (ns/db/id, what 'delete' takes). Missing: known ids without",
            "a complete stored backup. Unfinished: uploads a killed runner left (S3 multipart uploads,",
            "hidden .partial files), aborted once older than --abort-unfinished-after. Deletes no",
            "backup; exits 0 whenever the scan worked."
        })
final class OrphansCommand extends RunnerCommand {

    @Option(
            names = "--from",
            required = true,
            paramLabel = "LOCATION",
            description = "s3://bucket/prefix or file:///dir")
    String from;

    @Option(
            names = "--namespace",
            required = true,
            paramLabel = "NAME",
            description = "the namespace whose backups are compared")
    String namespace;

    @Option(
            names = "--database",
            paramLabel = "NAME",
            description = "only the backups of this database (its folder name)")
    String database;

    @Option(
            names = "--known",
            required = true,
            paramLabel = "ID[,ID...]",
            description = "the backup ids that should exist, comma-separated; may be empty (--known=) and repeated")
    List<String> known;

    @Option(
            names = "--expect-complete",
            paramLabel = "ID[,ID...]",
            description = {
                "the known ids whose backup must be complete (e.g. the Succeeded ones); absent: every known id.",
                "A backup still running or failed is known (not an orphan) but not missing."
            })
    List<String> expectComplete;

    @Option(
            names = "--abort-unfinished-after",
            paramLabel = "DURATION",
            description = {
                "abort unfinished uploads started longer ago than this (e.g. 24h); a running backup's own upload",
                "is younger than its Job's deadline. Absent: they are listed only"
            })
    String abortUnfinishedAfter;

    @Mixin
    StorageOptions storage;

    @Override
    protected RunnerResult execute() {
        Set<String> knownIds = knownIds(known);
        Duration grace = abortUnfinishedAfter == null ? null : Durations.parse(abortUnfinishedAfter);
        try (ObjectStore store = storage.open(from)) {
            List<BackupCatalog.Entry> stored = new BackupCatalog(store).entries(namespace, database);
            List<String> orphans = stored.stream()
                    .filter(e -> !knownIds.contains(e.backupId()))
                    .map(BackupCatalog.Entry::folder)
                    .toList();
            Set<String> complete = stored.stream()
                    .filter(BackupCatalog.Entry::complete)
                    .map(BackupCatalog.Entry::backupId)
                    .collect(Collectors.toSet());
            Set<String> expected = expectComplete == null ? knownIds : knownIds(expectComplete);
            List<String> missing =
                    expected.stream().filter(id -> !complete.contains(id)).toList();

            for (BackupCatalog.Entry e : stored) {
                if (!knownIds.contains(e.backupId())) {
                    System.out.println(
                            "ORPHAN   " + e.folder() + (e.complete() ? "" : "  (incomplete: " + e.problem() + ")"));
                }
            }
            missing.forEach(id -> System.out.println("MISSING  " + id));
            int[] leftovers = unfinished(store, grace);
            String scope = namespace + (database == null ? "" : "/" + database);
            String message = stored.size() + " backups of " + scope + " under " + store.location() + ", "
                    + knownIds.size() + " known: " + orphans.size() + " orphaned, " + missing.size() + " missing, "
                    + leftovers[0] + " unfinished uploads" + (grace == null ? "" : " (" + leftovers[1] + " aborted)");
            System.out.println(message);
            return RunnerResult.success().orphans(orphans, missing).message(message);
        }
    }

    /** Lists (and past the grace period aborts) the namespace's unfinished uploads: {found, aborted}. */
    private int[] unfinished(ObjectStore store, Duration grace) {
        String prefix =
                BackupLayout.segment(namespace) + "/" + (database == null ? "" : BackupLayout.segment(database) + "/");
        Instant now = Instant.now();
        int aborted = 0;
        List<ObjectStore.UnfinishedUpload> found = store.unfinished(prefix);
        for (ObjectStore.UnfinishedUpload u : found) {
            boolean old = grace != null && u.started() != null && u.started().isBefore(now.minus(grace));
            if (old) {
                store.abandon(u);
                aborted++;
            }
            System.out.println((old ? "ABORTED  " : "UNFINISHED ") + u.key() + "  (started " + u.started() + ")");
        }
        return new int[] {found.size(), aborted};
    }

    /** The ids of every --known value, in order, without blanks or repeats; anything else is refused. */
    static Set<String> knownIds(List<String> values) {
        Set<String> ids = new LinkedHashSet<>();
        List<String> invalid = new ArrayList<>();
        for (String value : values) {
            for (String id : value.split(",")) {
                String trimmed = id.strip();
                if (trimmed.isEmpty()) {
                    continue;
                }
                if (BackupLayout.isBackupId(trimmed)) {
                    ids.add(trimmed);
                } else {
                    invalid.add(trimmed);
                }
            }
        }
        if (!invalid.isEmpty()) {
            throw new IllegalArgumentException("--known takes backup ids (<yyyyMMddTHHmmssZ>-<suffix>); not ids: "
                    + invalid.subList(0, Math.min(5, invalid.size()))
                    + (invalid.size() > 5 ? " and " + (invalid.size() - 5) + " more" : ""));
        }
        return ids;
    }
}
