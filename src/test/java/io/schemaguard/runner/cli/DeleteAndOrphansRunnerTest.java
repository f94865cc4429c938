package io.schemaguard.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.schemaguard.contract.FailureReason;
import io.schemaguard.contract.RunnerResult;
import io.schemaguard.runner.RunnerException;
import io.schemaguard.runner.storage.ObjectStore;
import io.schemaguard.runner.storage.StorageException;
import io.schemaguard.runner.storage.StorageLocation;
import io.schemaguard.runner.storage.StoreSettings;
import io.schemaguard.runner.storage.StoredObject;
import io.schemaguard.runner.storage.UploadSink;
import io.schemaguard.testing.PostgresServer;
import io.schemaguard.testing.Runner;
import io.schemaguard.testing.S3Server;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code delete} and {@code orphans} on backups made by the runner itself from a real PostgreSQL
 * server, in a real S3-compatible server process and in a directory: a delete removes exactly one
 * backup, manifest first, and can always be repeated; orphans compares and deletes nothing; storage
 * failures are classified failures that leave every object in place.
 */
class DeleteAndOrphansRunnerTest {
    static PostgresServer pg;
    static S3Server s3;
    static String database;

    @BeforeAll
    static void servers() {
        pg = PostgresServer.shared();
        s3 = S3Server.shared();
        database = pg.createDatabase("retained");
        pg.execute(
                database,
                "CREATE TABLE items (id int PRIMARY KEY, name text)",
                "INSERT INTO items SELECT g, 'item-' || g FROM generate_series(1, 1000) g");
    }

    private static Map<String, String> env(String... extra) {
        Map<String, String> env = new HashMap<>();
        env.put("PGPASSWORD", PostgresServer.PASSWORD);
        for (String kv : Stream.concat(s3.env().stream(), Stream.of(extra)).toList()) {
            env.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        }
        return env;
    }

    private static String newBucket(String hint) {
        String bucket = hint + "-" + System.nanoTime();
        s3.createBucket(bucket);
        return bucket;
    }

    private static Runner.Result run(
            Map<String, String> env, String command, String location, String endpoint, String... args) {
        List<String> all = new ArrayList<>(List.of(command, command.equals("backup") ? "--to" : "--from", location));
        if (endpoint != null) {
            all.addAll(List.of("--endpoint", endpoint, "--path-style"));
        }
        all.addAll(List.of(args));
        return Runner.run(env, all.toArray(String[]::new));
    }

    private static Runner.Result run(String command, String location, String... args) {
        return run(env(), command, location, location.startsWith("s3://") ? s3.endpoint() : null, args);
    }

    /** A real backup of the test database, filed under {@code namespace}; its id. */
    private static String backup(Map<String, String> env, String location, String endpoint, String namespace) {
        Runner.Result r =
                run(env, "backup", location, endpoint, "--database", pg.url(database), "--namespace", namespace);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return RunnerResult.parse(r.terminationMessage()).backupId();
    }

    private static String backup(String location, String namespace) {
        return backup(env(), location, location.startsWith("s3://") ? s3.endpoint() : null, namespace);
    }

    private static RunnerResult result(Runner.Result r) {
        RunnerResult result = RunnerResult.parse(r.terminationMessage());
        assertThat(result).as(r.toString()).isNotNull();
        return result;
    }

    private static List<String> keysOf(List<String> keys, String backupId) {
        return keys.stream().filter(k -> k.contains("/" + backupId + "/")).toList();
    }

    @Test
    void deleteRemovesExactlyOneBackupAndASecondDeleteHasNothingToDelete() {
        String bucket = newBucket("delete");
        String location = "s3://" + bucket + "/team";
        String first = backup(location, "shop");
        String second = backup(location, "shop");
        List<String> before = s3.keys(bucket);
        assertThat(keysOf(before, first)).hasSize(2);

        Runner.Result r = run("delete", location, "--namespace", "shop", first);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        RunnerResult deleted = result(r);
        assertThat(deleted.succeeded()).isTrue();
        assertThat(deleted.backupId()).isEqualTo(first);
        assertThat(deleted.deletedObjects()).isEqualTo(2);
        assertThat(r.stdout())
                .isEqualTo("deleted 2 objects of shop/" + database + "/" + first + " under " + location + "\n");
        assertThat(s3.keys(bucket))
                .as("the other backup is untouched")
                .isEqualTo(keysOf(before, second))
                .allMatch(k -> k.startsWith("team/shop/" + database + "/" + second + "/"));

        Runner.Result again = run("delete", location, "--namespace", "shop", first);
        assertThat(again.exitCode()).as(again.toString()).isZero();
        RunnerResult nothing = result(again);
        assertThat(nothing.succeeded()).isTrue();
        assertThat(nothing.deletedObjects()).isZero();
        assertThat(nothing.backupId()).isEqualTo(first);
        assertThat(nothing.message()).startsWith("nothing to delete");
        assertThat(again.stdout()).startsWith("nothing to delete: no backup '" + first + "'");

        // by folder, without hints: only that folder is listed and deleted
        Runner.Result byFolder = run("delete", location, "shop/" + database + "/" + second);
        assertThat(result(byFolder).deletedObjects()).as(byFolder.toString()).isEqualTo(2);
        assertThat(s3.keys(bucket)).isEmpty();
        Runner.Result neverUploaded = run("delete", location, "shop/" + database + "/20260101T000000Z-neverup");
        assertThat(neverUploaded.exitCode()).isZero();
        assertThat(result(neverUploaded).message()).startsWith("nothing to delete");
    }

    @Test
    void aDeleteCutAfterTheManifestLeavesAnIncompleteBackupThatTheNextDeleteFinishes(@TempDir Path dir)
            throws Exception {
        String id = backup(dir.toString(), "shop");
        String folder = "shop/" + database + "/" + id;
        List<String> calls = new ArrayList<>();
        // the real directory store, with the dump's deletion cut as a dropped connection would
        try (ObjectStore store = new DeletionCut(
                ObjectStore.open(StorageLocation.parse(dir.toString()), StoreSettings.defaults()), calls)) {
            assertThatThrownBy(() -> DeleteCommand.delete(store, id, "shop", null))
                    .isInstanceOfSatisfying(RunnerException.class, e -> {
                        assertThat(e.reason()).isEqualTo(FailureReason.StorageUnreachable);
                        assertThat(e.partial().deletedObjects()).isEqualTo(1);
                    });
        }
        assertThat(calls).as("manifest first").hasSize(2).first().isEqualTo(folder + "/manifest.json");
        assertThat(calls.get(1)).startsWith(folder + "/dump.");
        Path backupDir = dir.resolve(folder);
        try (Stream<Path> left = Files.list(backupDir)) {
            assertThat(left.map(p -> p.getFileName().toString()))
                    .singleElement()
                    .asString()
                    .startsWith("dump.");
        }

        Runner.Result listed = run("list", dir.toString());
        assertThat(listed.stdout()).contains(id).contains("INCOMPLETE");
        Runner.Result verified = run("verify", dir.toString(), id);
        assertThat(result(verified).reason()).isEqualTo("ManifestInvalid");
        Runner.Result orphans = run("orphans", dir.toString(), "--namespace", "shop", "--known", id);
        assertThat(orphans.exitCode()).as(orphans.toString()).isZero();
        assertThat(result(orphans).missing()).as("known, and no longer usable").containsExactly(id);
        assertThat(result(orphans).orphanCount()).isZero();

        Runner.Result finished = run("delete", dir.toString(), id);
        assertThat(finished.exitCode()).as(finished.toString()).isZero();
        assertThat(result(finished).deletedObjects()).isEqualTo(1);
        try (Stream<Path> files = Files.walk(dir)) {
            assertThat(files.filter(Files::isRegularFile)).isEmpty();
        }
    }

    @Test
    void anIdFiledInTwoNamespacesIsDeletedOnlyWhereTheNamespaceSays(@TempDir Path dir) throws Exception {
        String id = "20260301T020000Z-twice";
        for (String namespace : List.of("shop", "other-team")) {
            Runner.Result r = run(
                    "backup",
                    dir.toString(),
                    "--database",
                    pg.url(database),
                    "--namespace",
                    namespace,
                    "--backup-id",
                    id);
            assertThat(r.exitCode()).as(r.toString()).isZero();
        }
        Runner.Result ambiguous = run("delete", dir.toString(), id);
        assertThat(ambiguous.exitCode()).isEqualTo(2);
        assertThat(result(ambiguous).reason()).isEqualTo("InvalidArguments");
        assertThat(result(ambiguous).message()).contains("ambiguous").contains("shop/" + database + "/" + id);

        Runner.Result r = run("delete", dir.toString(), "--namespace", "other-team", "--database", database, id);
        assertThat(result(r).deletedObjects()).as(r.toString()).isEqualTo(2);
        try (Stream<Path> files = Files.walk(dir)) {
            assertThat(files.filter(Files::isRegularFile)
                            .map(p -> dir.relativize(p).toString()))
                    .hasSize(2)
                    .allMatch(k -> k.startsWith("shop/" + database + "/" + id + "/"));
        }
    }

    @Test
    void wrongCredentialsAndAMissingBucketFailAndDeleteNothing() {
        String bucket = newBucket("denied");
        String location = "s3://" + bucket;
        String id = backup(location, "shop");
        List<String> keys = s3.keys(bucket);

        Runner.Result denied = run(env("AWS_SECRET_ACCESS_KEY=not-the-secret"), "delete", location, s3.endpoint(), id);
        assertThat(denied.exitCode()).as(denied.toString()).isEqualTo(4);
        assertThat(result(denied).reason()).isEqualTo("StorageAccessDenied");
        assertThat(denied.stderr()).contains("check the storage credentials");
        assertThat(s3.keys(bucket)).isEqualTo(keys);

        Runner.Result orphansDenied = run(
                env("AWS_SECRET_ACCESS_KEY=not-the-secret"),
                "orphans",
                location,
                s3.endpoint(),
                "--namespace",
                "shop",
                "--known=");
        assertThat(orphansDenied.exitCode()).isEqualTo(4);
        assertThat(result(orphansDenied).reason()).isEqualTo("StorageAccessDenied");

        Runner.Result noBucket = run("delete", "s3://no-such-bucket-" + System.nanoTime(), id);
        assertThat(noBucket.exitCode()).isEqualTo(4);
        assertThat(result(noBucket).reason()).isEqualTo("BucketNotFound");
        assertThat(s3.keys(bucket)).isEqualTo(keys);
    }

    @Test
    void storageThatIsDownIsUnreachableAndKeepsEveryObject() {
        try (S3Server own = S3Server.start()) {
            own.createBucket("down");
            Map<String, String> env = env();
            String id = backup(env, "s3://down/p", own.endpoint(), "shop");
            List<String> keys = own.keys("down");
            own.kill();

            Runner.Result delete = run(env, "delete", "s3://down/p", own.endpoint(), "--namespace", "shop", id);
            assertThat(delete.exitCode()).as(delete.toString()).isEqualTo(4);
            assertThat(result(delete).reason()).isEqualTo("StorageUnreachable");
            assertThat(delete.stderr()).contains("unreachable");
            Runner.Result orphans =
                    run(env, "orphans", "s3://down/p", own.endpoint(), "--namespace", "shop", "--known", id);
            assertThat(orphans.exitCode()).isEqualTo(4);
            assertThat(result(orphans).reason()).isEqualTo("StorageUnreachable");

            own.restart();
            assertThat(own.keys("down")).hasSize(2).isEqualTo(keys);
        }
    }

    @Test
    void orphansAreStoredBackupsNobodyKnowsAndMissingAreKnownIdsWithoutACompleteBackup() {
        String bucket = newBucket("orphans");
        String location = "s3://" + bucket + "/team";
        String kept1 = backup(location, "shop");
        String kept2 = backup(location, "shop");
        String unknown = backup(location, "shop");
        String elsewhere = backup(location, "other-team");
        String neverStored = "20260101T000000Z-neverup";

        Runner.Result r =
                run("orphans", location, "--namespace", "shop", "--known", kept1 + "," + kept2 + "," + neverStored);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        RunnerResult found = result(r);
        assertThat(found.succeeded()).isTrue();
        assertThat(found.orphanCount()).isEqualTo(1);
        assertThat(found.orphans()).containsExactly("shop/" + database + "/" + unknown);
        assertThat(found.missingCount()).isEqualTo(1);
        assertThat(found.missing()).containsExactly(neverStored);
        assertThat(r.stdout())
                .contains("ORPHAN   shop/" + database + "/" + unknown + "\n")
                .contains("MISSING  " + neverStored + "\n")
                .doesNotContain(elsewhere)
                .contains("3 backups of shop under " + location + ", 3 known: 1 orphaned, 1 missing");

        // an incomplete backup is an orphan when unknown and missing when known
        List<String> keys = s3.keys(bucket);
        s3.delete(
                bucket,
                keysOf(keys, unknown).stream()
                        .filter(k -> k.endsWith("manifest.json"))
                        .findFirst()
                        .orElseThrow());
        s3.delete(
                bucket,
                keysOf(keys, kept2).stream()
                        .filter(k -> k.endsWith("manifest.json"))
                        .findFirst()
                        .orElseThrow());
        Runner.Result incomplete = run(
                "orphans",
                location,
                "--namespace",
                "shop",
                "--database",
                database,
                "--known",
                kept1 + "," + kept2,
                "--known",
                neverStored);
        assertThat(incomplete.exitCode()).as(incomplete.toString()).isZero();
        RunnerResult after = result(incomplete);
        assertThat(after.orphans()).containsExactly("shop/" + database + "/" + unknown);
        assertThat(after.missing()).containsExactlyInAnyOrder(kept2, neverStored);
        assertThat(incomplete.stdout())
                .contains("ORPHAN   shop/" + database + "/" + unknown + "  (incomplete: no manifest");
        assertThat(s3.keys(bucket)).as("orphans deletes nothing").hasSize(keys.size() - 2);

        // kept2 stands for a backup still running: known, so not an orphan, but not expected complete yet
        Runner.Result running = run(
                "orphans",
                location,
                "--namespace",
                "shop",
                "--database",
                database,
                "--known",
                kept1 + "," + kept2,
                "--expect-complete",
                kept1);
        assertThat(running.exitCode()).as(running.toString()).isZero();
        assertThat(result(running).orphans()).containsExactly("shop/" + database + "/" + unknown);
        assertThat(result(running).missingCount()).isZero();

        Runner.Result otherDatabase =
                run("orphans", location, "--namespace", "shop", "--database", "not_this_one", "--known=");
        assertThat(result(otherDatabase).orphanCount()).isZero();
        assertThat(result(otherDatabase).missingCount()).isZero();
    }

    @Test
    void aThousandKnownIdsFitOneArgumentAndTheResultStaysSmall(@TempDir Path dir) throws Exception {
        String stored = backup(dir.toString(), "shop");
        List<String> known = IntStream.range(0, 1000)
                .mapToObj(i -> String.format("20260101T%06dZ-k%d", i, i))
                .collect(Collectors.toCollection(ArrayList::new));
        Runner.Result r = run("orphans", dir.toString(), "--namespace", "shop", "--known", String.join(",", known));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        RunnerResult result = result(r);
        assertThat(result.missingCount()).isEqualTo(1000);
        assertThat(result.missing())
                .hasSize(RunnerResult.MAX_LISTED)
                .isEqualTo(known.subList(0, RunnerResult.MAX_LISTED));
        assertThat(result.orphans()).containsExactly("shop/" + database + "/" + stored);
        assertThat(r.terminationMessage().getBytes(StandardCharsets.UTF_8).length)
                .isLessThan(4096);
        assertThat(r.stdout().lines().filter(l -> l.startsWith("MISSING")))
                .as("stdout lists all")
                .hasSize(1000);
    }

    @Test
    void badArgumentsAreRefusedBeforeStorageIsTouched() {
        for (String ref : List.of("latest", "shop/" + database, "shop")) {
            Runner.Result r = run("delete", "s3://no-bucket", ref);
            assertThat(r.exitCode()).as(ref + " " + r).isEqualTo(2);
            assertThat(result(r).reason()).isEqualTo("InvalidArguments");
        }
        Runner.Result r =
                run("orphans", "s3://no-bucket", "--namespace", "shop", "--known", "20260101T000000Z-ok,nope");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(result(r).message()).contains("[nope]");
        Runner.Result noKnown = run("orphans", "s3://no-bucket", "--namespace", "shop");
        assertThat(noKnown.exitCode()).isEqualTo(2);
    }

    /** A backup killed while its upload is under way, as a node loss or an OOM kill would stop it. */
    private static void killMidUpload(String big, String location, BooleanSupplier uploading) throws Exception {
        Path log = Files.createTempFile("termination-", ".log");
        List<String> args = new ArrayList<>(List.of(
                "backup",
                "--database",
                pg.url(big),
                "--to",
                location,
                "--namespace",
                "leaks",
                "--compression",
                "none",
                "--upload-concurrency",
                "1",
                "--part-size",
                "5MiB"));
        if (location.startsWith("s3://")) {
            args.addAll(List.of("--endpoint", s3.endpoint(), "--path-style"));
        }
        Process p = Runner.start(env(), args, log);
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (!uploading.getAsBoolean()) {
            assertThat(p.isAlive())
                    .as("the backup ended before it could be cut")
                    .isTrue();
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(20);
        }
        p.destroyForcibly().waitFor();
        Files.deleteIfExists(log);
    }

    @Test
    void uploadsAKilledRunnerLeftAreFoundAndAbortedAfterTheirGracePeriod(@TempDir Path dir) throws Exception {
        String big = pg.createDatabase("leaky");
        pg.execute(
                big,
                "CREATE TABLE payload (id int, data text)",
                "INSERT INTO payload SELECT g, md5(g::text) || md5((g * 7)::text) FROM generate_series(1, 1500000) g");
        String bucket = newBucket("leaks");
        killMidUpload(
                big,
                "s3://" + bucket,
                () -> !s3.client()
                        .listMultipartUploads(b -> b.bucket(bucket))
                        .uploads()
                        .isEmpty());
        killMidUpload(big, dir.toString(), () -> {
            try (Stream<Path> files = Files.walk(dir)) {
                return files.anyMatch(f -> f.getFileName().toString().endsWith(".partial"));
            } catch (IOException | UncheckedIOException e) {
                return false;
            }
        });
        for (String location : List.of("s3://" + bucket, dir.toString())) {
            Runner.Result listed = run("orphans", location, "--namespace", "leaks", "--known=");
            assertThat(listed.exitCode()).as(listed.toString()).isZero();
            assertThat(listed.stdout()).contains("UNFINISHED leaks/").contains("1 unfinished uploads");
            Runner.Result young =
                    run("orphans", location, "--namespace", "leaks", "--known=", "--abort-unfinished-after", "1h");
            assertThat(young.stdout()).as("a young upload may still be running").contains("(0 aborted)");
            Runner.Result old =
                    run("orphans", location, "--namespace", "leaks", "--known=", "--abort-unfinished-after", "0s");
            assertThat(old.stdout())
                    .as(old.toString())
                    .contains("ABORTED  leaks/")
                    .contains("(1 aborted)");
            assertThat(run("orphans", location, "--namespace", "leaks", "--known=")
                            .stdout())
                    .contains("0 unfinished uploads");
        }
        assertThat(s3.client().listMultipartUploads(b -> b.bucket(bucket)).uploads())
                .isEmpty();
        try (Stream<Path> files = Files.walk(dir)) {
            assertThat(files.filter(f -> f.getFileName().toString().endsWith(".partial")))
                    .isEmpty();
        }
    }

    /** A real store whose deletion of a dump fails as a dropped connection would; records every delete. */
    private record DeletionCut(ObjectStore store, List<String> calls) implements ObjectStore {
        @Override
        public void delete(String key) {
            calls.add(key);
            if (key.substring(key.lastIndexOf('/') + 1).startsWith("dump.")) {
                throw new StorageException(StorageException.Kind.UNREACHABLE, "connection cut deleting " + key);
            }
            store.delete(key);
        }

        @Override
        public StorageLocation location() {
            return store.location();
        }

        @Override
        public List<UnfinishedUpload> unfinished(String keyPrefix) {
            return store.unfinished(keyPrefix);
        }

        @Override
        public void abandon(UnfinishedUpload upload) {
            store.abandon(upload);
        }

        @Override
        public void checkAccess() {
            store.checkAccess();
        }

        @Override
        public UploadSink openUpload(String key) {
            return store.openUpload(key);
        }

        @Override
        public void put(String key, byte[] content, String contentType) {
            store.put(key, content, contentType);
        }

        @Override
        public InputStream open(String key) {
            return store.open(key);
        }

        @Override
        public List<StoredObject> list(String keyPrefix) {
            return store.list(keyPrefix);
        }

        @Override
        public void close() {
            store.close();
        }
    }
}
