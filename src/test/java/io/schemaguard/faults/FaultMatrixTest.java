package io.schemaguard.faults;

import static org.assertj.core.api.Assertions.assertThat;

import eu.rekawek.toxiproxy.Proxy;
import eu.rekawek.toxiproxy.model.ToxicDirection;
import io.schemaguard.contract.RunnerResult;
import io.schemaguard.testing.Files2;
import io.schemaguard.testing.HttpFaults;
import io.schemaguard.testing.HttpFaults.Action;
import io.schemaguard.testing.HttpFaults.Rule;
import io.schemaguard.testing.PostgresServer;
import io.schemaguard.testing.Runner;
import io.schemaguard.testing.S3Server;
import io.schemaguard.testing.Toxiproxy;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

/**
 * The fault suite: each row injects one fault into a real backup, restore or safe migration (real
 * PostgreSQL, S3Proxy, pg_dump/pg_restore, the runner as its own process; Toxiproxy for TCP faults,
 * {@link HttpFaults} for S3 answers) and then audits what is left: the database's row counts before
 * and after, what {@code list} and {@code verify} say of every stored backup, and what remains in
 * storage after the orphan scan (aborting unfinished uploads, deleting what it reports). Invariants on
 * every row: nothing lost, no complete-looking backup that fails {@code verify}, a one-line error with
 * the documented exit code; transient faults must be survived by retrying.
 *
 * <p>{@code -Dschemaguard.faults=all} runs every row (bench/faults.sh); the default is the fast half,
 * which {@code .ci/run} runs; {@code -Dschemaguard.faults.only=<regex>} picks rows by name. The verdicts go to
 * target/faults/verdicts.tsv with the summary line last.
 */
class FaultMatrixTest {
    private static final boolean ALL = "all".equals(System.getProperty("schemaguard.faults", "fast"));
    private static final String NS = "faults";
    private static final List<Verdict> VERDICTS = new CopyOnWriteArrayList<>();

    static PostgresServer pg;
    static S3Server s3;
    static Toxiproxy toxi;
    static HttpFaults http;
    static Proxy s3Tcp;
    static Proxy pgTcp;
    static String source;
    /** A backup of {@link #source} in bucket "restore-source", for the restore rows. */
    static String sourceBackup;

    /** What a row found; {@code survived} means every invariant held and the outcome was the expected one. */
    record Verdict(
            String fault,
            boolean fast,
            String expected,
            String outcome,
            boolean survived,
            int lost,
            int completeLookingBad,
            int leaked,
            String note) {
        String tsv() {
            return String.join(
                    "\t",
                    fault,
                    fast ? "fast" : "full",
                    expected,
                    outcome,
                    survived ? "yes" : "NO",
                    String.valueOf(lost),
                    String.valueOf(completeLookingBad),
                    String.valueOf(leaked),
                    note);
        }
    }

    record Row(String name, boolean fast, Scenario scenario) {}

    interface Scenario {
        Verdict run(String name, boolean fast) throws Exception;
    }

    @BeforeAll
    static void servers() {
        pg = PostgresServer.shared();
        s3 = S3Server.shared();
        toxi = Toxiproxy.start();
        http = HttpFaults.inFrontOf(s3.port());
        s3Tcp = toxi.proxy("s3", s3.port());
        pgTcp = toxi.proxy("pg", pg.port());
        source = pg.createDatabase("faults_shop");
        fill(pg, source);
        s3.createBucket("restore-source");
        Runner.Result r = Runner.run(env(), backupArgs(pg.url(source), "s3://restore-source", s3.endpoint()));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        sourceBackup = RunnerResult.parse(r.terminationMessage()).backupId();
    }

    @AfterAll
    static void report() throws IOException {
        if (toxi != null) {
            toxi.close();
        }
        if (http != null) {
            http.close();
        }
        int survived = (int) VERDICTS.stream().filter(Verdict::survived).count();
        String summary = "faults=" + VERDICTS.size() + " survived=" + survived + " lost="
                + VERDICTS.stream().mapToInt(Verdict::lost).sum() + " complete_looking_bad="
                + VERDICTS.stream().mapToInt(Verdict::completeLookingBad).sum() + " leaked="
                + VERDICTS.stream().mapToInt(Verdict::leaked).sum();
        Path out = Path.of("target/faults");
        Files.createDirectories(out);
        List<String> lines = new ArrayList<>();
        lines.add("fault\thalf\texpected\toutcome\tsurvived\tlost\tcomplete_looking_bad\tleaked\tnote");
        VERDICTS.forEach(v -> lines.add(v.tsv()));
        lines.add(summary);
        Files.write(out.resolve("verdicts.tsv"), lines, StandardCharsets.UTF_8);
        System.out.println(summary);
    }

    @TestFactory
    Stream<DynamicTest> matrix() {
        Pattern only = Pattern.compile(System.getProperty("schemaguard.faults.only", ".*"));
        return rows().stream()
                .filter(r -> ALL || r.fast())
                .filter(r -> only.matcher(r.name()).matches())
                .map(row -> DynamicTest.dynamicTest(row.name(), () -> {
                    toxi.reset();
                    http.rule(Rule.PASS_ALL);
                    Verdict v = row.scenario().run(row.name(), row.fast());
                    VERDICTS.add(v);
                    assertThat(v.lost()).as(v.toString()).isZero();
                    assertThat(v.completeLookingBad()).as(v.toString()).isZero();
                    assertThat(v.leaked()).as(v.toString()).isZero();
                    assertThat(v.survived()).as(v.toString()).isTrue();
                }));
    }

    private List<Row> rows() {
        return List.of(
                // --- storage answers and connections, during a backup -------------------------------
                new Row(
                        "s3-503-once-on-a-part",
                        true,
                        (n, f) -> backupThroughHttp(
                                n,
                                f,
                                Rule.times(1, HttpFaults.Request::uploadPart, Action.status(503, "SlowDown")),
                                null)),
                new Row(
                        "s3-connection-reset-once-on-a-part",
                        true,
                        (n, f) -> backupThroughHttp(
                                n, f, Rule.times(1, HttpFaults.Request::uploadPart, Action.reset()), null)),
                new Row(
                        "s3-500-on-every-part",
                        true,
                        (n, f) -> backupThroughHttp(
                                n,
                                f,
                                Rule.always(HttpFaults.Request::uploadPart, Action.status(500, "InternalError")),
                                Expect.failure(4, "StorageError", "answered HTTP 500 InternalError"))),
                new Row(
                        "s3-rejects-a-part-before-reading-it",
                        true,
                        (n, f) -> backupThroughHttp(
                                n,
                                f,
                                Rule.always(HttpFaults.Request::uploadPart, Action.earlyStatus(500, "InternalError")),
                                Expect.failure(
                                        4,
                                        "StorageError|StorageUnreachable",
                                        "answered HTTP 500|request body was being sent"))),
                new Row(
                        "s3-503-on-the-manifest",
                        false,
                        (n, f) -> backupThroughHttp(
                                n,
                                f,
                                Rule.always(r -> r.put("manifest.json"), Action.status(503, "SlowDown")),
                                Expect.failure(4, "StorageError", "SlowDown"))),
                new Row(
                        "s3-slow-responses",
                        false,
                        (n, f) -> backupThroughHttp(n, f, Rule.always(r -> true, Action.delay(700)), null)),
                new Row("s3-slow-link", false, this::slowLink),
                new Row("s3-connection-cut-mid-upload", true, this::connectionCutMidUpload),
                new Row("storage-killed-mid-upload", true, this::storageKilledMidUpload),
                new Row("s3-key-revoked-mid-upload", false, this::credentialsRevokedMidUpload),
                // --- PostgreSQL during a backup -------------------------------------------------------
                new Row("pg-connection-reset-mid-dump", true, this::pgResetMidDump),
                new Row("pg-killed-mid-dump", false, this::pgKilledMidDump),
                new Row("pg-password-rotated-mid-dump", false, this::pgPasswordRotatedMidDump),
                // --- the runner killed, and two runners ----------------------------------------------
                new Row("runner-killed-mid-upload", true, this::runnerKilledMidUpload),
                new Row("runner-killed-while-verifying-by-restore", false, this::runnerKilledWhileVerifying),
                new Row("two-runners-one-backup-id", false, this::twoRunnersOneBackupId),
                // --- disks ----------------------------------------------------------------------------
                new Row("disk-full-on-file-storage", true, this::diskFullOnFileStorage),
                new Row("disk-full-on-the-staging-folder", false, this::diskFullOnStaging),
                // --- restores ---------------------------------------------------------------------------
                new Row("s3-connection-reset-mid-download", true, this::resetMidDownload),
                new Row("storage-killed-mid-restore", true, this::storageKilledMidRestore),
                new Row("pg-killed-mid-restore", false, this::pgKilledMidRestore),
                new Row("runner-killed-mid-replace", true, this::runnerKilledMidReplace),
                new Row("runner-killed-mid-checksum-check", false, this::runnerKilledMidChecksum),
                // --- safe migrations --------------------------------------------------------------------
                new Row("runner-killed-mid-migration", true, this::runnerKilledMidMigration),
                new Row("runner-killed-mid-rehearsal", false, this::runnerKilledMidRehearsal),
                new Row("two-migrations-one-database", false, this::twoMigrationsOneDatabase));
    }

    // ============================================================================================
    // Rows
    // ============================================================================================

    /** Expected end of a run: null = success (a transient fault, survived by retrying). */
    record Expect(int exitCode, Pattern reason, Pattern message) {
        static Expect failure(int exitCode, String reasons, String messagePattern) {
            return new Expect(exitCode, Pattern.compile(reasons), Pattern.compile(messagePattern));
        }

        String describe() {
            return "exit " + exitCode + " " + reason.pattern();
        }
    }

    private Verdict backupThroughHttp(String name, boolean fast, Rule rule, Expect expect) throws Exception {
        String bucket = bucket(name);
        Map<String, Long> before = counts(pg, source);
        http.rule(rule);
        Runner.Result r = Runner.run(env(), backupArgs(pg.url(source), "s3://" + bucket + "/p", http.endpoint()));
        List<String> applied = http.applied();
        http.rule(Rule.PASS_ALL);
        return verdict(
                name,
                fast,
                expect,
                r,
                lost(before, counts(pg, source)),
                audit(s3, bucket),
                "faults applied: " + applied.size());
    }

    private Verdict slowLink(String name, boolean fast) throws Exception {
        String bucket = bucket(name);
        Map<String, Long> before = counts(pg, source);
        s3Tcp.toxics().latency("latency", ToxicDirection.DOWNSTREAM, 150);
        s3Tcp.toxics().bandwidth("bandwidth", ToxicDirection.UPSTREAM, 4096);
        Runner.Result r = Runner.run(env(), backupArgs(pg.url(source), "s3://" + bucket + "/p", tcpEndpoint()));
        return verdict(
                name,
                fast,
                null,
                r,
                lost(before, counts(pg, source)),
                audit(s3, bucket),
                "150 ms latency, 4 MiB/s upstream");
    }

    private Verdict connectionCutMidUpload(String name, boolean fast) throws Exception {
        String bucket = bucket(name);
        Map<String, Long> before = counts(pg, source);
        s3Tcp.toxics().bandwidth("slow", ToxicDirection.UPSTREAM, 2048);
        Started run = Started.of(env(), backupArgs(pg.url(source), "s3://" + bucket + "/p", tcpEndpoint()));
        run.awaitStderr(STORED_A_PART, Duration.ofSeconds(60));
        // no byte gets through any more, and each connection is closed a second later, retries included
        s3Tcp.toxics().timeout("cut-up", ToxicDirection.UPSTREAM, 1000);
        s3Tcp.toxics().timeout("cut-down", ToxicDirection.DOWNSTREAM, 1000);
        Runner.Result r = run.await();
        toxi.reset();
        return verdict(
                name,
                fast,
                Expect.failure(4, "StorageUnreachable|StorageError", "upload"),
                r,
                lost(before, counts(pg, source)),
                audit(s3, bucket),
                "");
    }

    private Verdict storageKilledMidUpload(String name, boolean fast) throws Exception {
        try (S3Server own = S3Server.start()) {
            own.createBucket("bkt");
            Proxy slow = toxi.proxy("own-" + System.nanoTime(), own.port());
            slow.toxics().bandwidth("slow", ToxicDirection.UPSTREAM, 2048);
            Map<String, Long> before = counts(pg, source);
            Started run = Started.of(
                    env(), backupArgs(pg.url(source), "s3://bkt/p", "http://127.0.0.1:" + Toxiproxy.port(slow)));
            run.awaitStderr(STORED_A_PART, Duration.ofSeconds(60));
            own.kill();
            Runner.Result r = run.await();
            own.restart();
            return verdict(
                    name,
                    fast,
                    Expect.failure(4, "StorageUnreachable|StorageError", ""),
                    r,
                    lost(before, counts(pg, source)),
                    audit(own, "bkt"),
                    "");
        }
    }

    /**
     * A Secret rotated and the old key revoked while a runner still signs with it: S3 answers 403
     * InvalidAccessKeyId from then on. S3Proxy cannot change keys without a restart (which is a
     * different fault), so the fault proxy gives S3's answer; Toxiproxy slows the upload to reach it.
     */
    private Verdict credentialsRevokedMidUpload(String name, boolean fast) throws Exception {
        String bucket = bucket(name);
        Map<String, Long> before = counts(pg, source);
        Proxy slow = toxi.proxy("revoked-" + System.nanoTime(), http.port());
        slow.toxics().bandwidth("slow", ToxicDirection.UPSTREAM, 2048);
        Started run = Started.of(
                env(), backupArgs(pg.url(source), "s3://" + bucket + "/p", "http://127.0.0.1:" + Toxiproxy.port(slow)));
        run.awaitStderr(STORED_A_PART, Duration.ofSeconds(60));
        http.rule(Rule.always(r -> true, Action.status(403, "InvalidAccessKeyId")));
        Runner.Result r = run.await();
        http.rule(Rule.PASS_ALL);
        toxi.reset();
        return verdict(
                name,
                fast,
                Expect.failure(4, "StorageAccessDenied", "credentials"),
                r,
                lost(before, counts(pg, source)),
                audit(s3, bucket),
                "key revoked while parts were uploading");
    }

    private Verdict pgResetMidDump(String name, boolean fast) throws Exception {
        String bucket = bucket(name);
        Map<String, Long> before = counts(pg, source);
        s3Tcp.toxics().bandwidth("slow", ToxicDirection.UPSTREAM, 1024);
        String url = "postgresql://" + PostgresServer.SUPERUSER + "@127.0.0.1:" + Toxiproxy.port(pgTcp) + "/" + source;
        Started run = Started.of(env(), heldBack(backupArgs(url, "s3://" + bucket + "/p", tcpEndpoint())));
        awaitTrue(() -> copying(pg, source, "public.attachments") > 0, Duration.ofSeconds(60));
        pgTcp.toxics().resetPeer("reset", ToxicDirection.DOWNSTREAM, 0);
        Runner.Result r = run.await();
        toxi.reset();
        return verdict(
                name,
                fast,
                Expect.failure(3, "DumpFailed|DatabaseUnreachable", ""),
                r,
                lost(before, counts(pg, source)),
                audit(s3, bucket),
                "not survivable inside one run (a dump cannot resume); the Job's backoffLimit retries it");
    }

    private Verdict pgKilledMidDump(String name, boolean fast) throws Exception {
        PostgresServer own = PostgresServer.start();
        try {
            String db = own.createDatabase("killed");
            fill(own, db);
            Map<String, Long> before = counts(own, db);
            String bucket = bucket(name);
            s3Tcp.toxics().bandwidth("slow", ToxicDirection.UPSTREAM, 1024);
            Started run = Started.of(env(), heldBack(backupArgs(own.url(db), "s3://" + bucket + "/p", tcpEndpoint())));
            awaitTrue(() -> copying(own, db, "public.attachments") > 0, Duration.ofSeconds(60));
            own.crash();
            Runner.Result r = run.await();
            toxi.reset();
            own.startAgain();
            return verdict(
                    name,
                    fast,
                    Expect.failure(3, "DumpFailed|DatabaseUnreachable", ""),
                    r,
                    lost(before, counts(own, db)),
                    audit(s3, bucket),
                    "");
        } finally {
            own.stop();
        }
    }

    private Verdict pgPasswordRotatedMidDump(String name, boolean fast) throws Exception {
        String bucket = bucket(name);
        String role = "rotating_" + System.nanoTime();
        pg.execute("postgres", "CREATE ROLE " + role + " LOGIN SUPERUSER PASSWORD 'before-rotation'");
        try {
            Map<String, Long> before = counts(pg, source);
            s3Tcp.toxics().bandwidth("slow", ToxicDirection.UPSTREAM, 2048);
            Map<String, String> env = env();
            env.put("PGPASSWORD", "before-rotation");
            String url = "postgresql://" + role + "@127.0.0.1:" + pg.port() + "/" + source;
            Started run = Started.of(env, backupArgs(url, "s3://" + bucket + "/p", tcpEndpoint()));
            run.awaitStderr(STORED_A_PART, Duration.ofSeconds(60));
            pg.execute("postgres", "ALTER ROLE " + role + " PASSWORD 'after-rotation'");
            Runner.Result r = run.await();
            toxi.reset();
            return verdict(
                    name,
                    fast,
                    null,
                    r,
                    lost(before, counts(pg, source)),
                    audit(s3, bucket),
                    "the sessions opened before the rotation finish the backup");
        } finally {
            pg.execute("postgres", "DROP ROLE " + role);
        }
    }

    private Verdict runnerKilledMidUpload(String name, boolean fast) throws Exception {
        String bucket = bucket(name);
        Map<String, Long> before = counts(pg, source);
        s3Tcp.toxics().bandwidth("slow", ToxicDirection.UPSTREAM, 2048);
        Started run = Started.of(env(), backupArgs(pg.url(source), "s3://" + bucket + "/p", tcpEndpoint()));
        run.awaitStderr(STORED_A_PART, Duration.ofSeconds(60));
        run.kill();
        toxi.reset();
        awaitTrue(() -> copying(pg, source, "TO stdout") == 0, Duration.ofSeconds(30));
        return killedVerdict(
                name, fast, lost(before, counts(pg, source)), audit(s3, bucket), "SIGKILL while parts were uploading");
    }

    private Verdict runnerKilledWhileVerifying(String name, boolean fast) throws Exception {
        String bucket = bucket(name);
        Map<String, Long> before = counts(pg, source);
        Set<String> databasesBefore = databases(pg);
        List<String> args =
                new ArrayList<>(List.of(backupArgs(pg.url(source), "s3://" + bucket + "/p", s3.endpoint())));
        args.addAll(List.of("--verify", "restore"));
        Started run = Started.of(env(), args.toArray(String[]::new));
        run.awaitStderr(Pattern.compile("verifying by restore"), Duration.ofSeconds(120));
        awaitTrue(() -> databases(pg).size() > databasesBefore.size(), Duration.ofSeconds(30));
        run.kill();
        Thread.sleep(500);
        Set<String> left = databases(pg);
        left.removeAll(databasesBefore);
        // the next runner that makes a scratch database on this server drops the ones nobody holds
        Runner.Result next = Runner.run(env(), args.toArray(String[]::new));
        Set<String> stillLeft = databases(pg);
        stillLeft.retainAll(left);
        Audit audit = audit(s3, bucket).plusLeaked(stillLeft.size(), "scratch databases left: " + stillLeft);
        return killedVerdict(
                name,
                fast,
                lost(before, counts(pg, source)),
                audit,
                "scratch database after the kill: " + left + "; next run exit " + next.exitCode());
    }

    private Verdict twoRunnersOneBackupId(String name, boolean fast) throws Exception {
        String bucket = bucket(name);
        Map<String, Long> before = counts(pg, source);
        String id = "20261202T010000Z-" + Long.toHexString(System.nanoTime()).substring(0, 8);
        List<String> args =
                new ArrayList<>(List.of(backupArgs(pg.url(source), "s3://" + bucket + "/p", tcpEndpoint())));
        args.addAll(List.of("--backup-id", id));
        s3Tcp.toxics().bandwidth("slow", ToxicDirection.UPSTREAM, 8192);
        Started first = Started.of(env(), args.toArray(String[]::new));
        Started second = Started.of(env(), args.toArray(String[]::new));
        Runner.Result a = first.await();
        Runner.Result b = second.await();
        toxi.reset();
        Audit audit = audit(s3, bucket);
        boolean oneBackup = audit.complete().size() == 1;
        boolean reportsMatch = Stream.of(a, b)
                .filter(r -> r.exitCode() == 0)
                .allMatch(r -> audit.sha256()
                        .contains(RunnerResult.parse(r.terminationMessage()).sha256()));
        boolean loserClean = Stream.of(a, b)
                .allMatch(r -> r.exitCode() == 0
                        || oneLine(r)
                                && "BackupInProgress"
                                        .equals(RunnerResult.parse(r.terminationMessage())
                                                .reason()));
        boolean ok = oneBackup && reportsMatch && loserClean && (a.exitCode() == 0 || b.exitCode() == 0);
        return new Verdict(
                name,
                fast,
                "one backup; a success reports what is stored",
                "exits " + a.exitCode() + "/" + b.exitCode() + ", "
                        + audit.complete().size() + " complete",
                ok,
                lost(before, counts(pg, source)),
                audit.bad(),
                audit.leaked(),
                audit.note());
    }

    private Verdict diskFullOnFileStorage(String name, boolean fast) throws Exception {
        try (Tmpfs disk = Tmpfs.mount("4m")) {
            if (disk == null) {
                return notRunnable(name, fast, "needs root to mount a small tmpfs");
            }
            Map<String, Long> before = counts(pg, source);
            Runner.Result r = Runner.run(
                    env(), backupArgs(pg.url(source), disk.dir().toUri().toString(), null));
            return verdict(
                    name,
                    fast,
                    Expect.failure(4, "StorageFull", "full|space"),
                    r,
                    lost(before, counts(pg, source)),
                    auditFiles(disk.dir()),
                    "4 MiB file system, about 19 MiB to store");
        }
    }

    private Verdict diskFullOnStaging(String name, boolean fast) throws Exception {
        try (Tmpfs disk = Tmpfs.mount("4m")) {
            if (disk == null) {
                return notRunnable(name, fast, "needs root to mount a small tmpfs");
            }
            String bucket = bucket(name);
            Map<String, Long> before = counts(pg, source);
            List<String> args =
                    new ArrayList<>(List.of(backupArgs(pg.url(source), "s3://" + bucket + "/p", s3.endpoint())));
            args.addAll(List.of(
                    "--format",
                    "directory",
                    "--jobs",
                    "2",
                    "--work-dir",
                    disk.dir().toString()));
            Runner.Result r = Runner.run(env(), args.toArray(String[]::new));
            long leftInStaging;
            try (Stream<Path> s = Files.list(disk.dir())) {
                leftInStaging = s.count();
            }
            Audit audit = audit(s3, bucket).plusLeaked((int) leftInStaging, "staging entries left: " + leftInStaging);
            return verdict(
                    name,
                    fast,
                    Expect.failure(3, "DumpFailed|StorageFull", "space|full"),
                    r,
                    lost(before, counts(pg, source)),
                    audit,
                    "directory format staged on a 4 MiB file system");
        }
    }

    private Verdict resetMidDownload(String name, boolean fast) throws Exception {
        String target = "faults_reset_" + System.nanoTime();
        // the checksum pass and the restore stream each lose their connection once, 3 MiB in
        http.rule(Rule.times(
                2, r -> r.get(".zst") || r.get(".dump") || r.path().contains("/dump"), Action.resetAfter(3L << 20)));
        Runner.Result r = Runner.run(
                env(),
                "restore",
                "--from",
                "s3://restore-source",
                sourceBackup,
                "--database",
                pg.url(target),
                "--endpoint",
                http.endpoint(),
                "--path-style");
        List<String> applied = http.applied();
        http.rule(Rule.PASS_ALL);
        int lost = lost(counts(pg, source), databaseExists(pg, target) ? counts(pg, target) : Map.of());
        if (r.exitCode() != 0) {
            lost = 0; // a failed restore into a new database loses nothing; the verdict records the failure
        }
        return verdict(name, fast, null, r, lost, audit(s3, "restore-source"), "resets applied: " + applied);
    }

    private Verdict storageKilledMidRestore(String name, boolean fast) throws Exception {
        try (S3Server own = S3Server.start()) {
            own.createBucket("mirror");
            for (String key : s3.keys("restore-source")) {
                own.put("mirror", key, s3.get("restore-source", key));
            }
            Proxy slow = toxi.proxy("mirror-" + System.nanoTime(), own.port());
            slow.toxics().bandwidth("slow", ToxicDirection.DOWNSTREAM, 4096);
            String target = "faults_killed_restore_" + System.nanoTime();
            Started run = Started.of(
                    env(),
                    "restore",
                    "--from",
                    "s3://mirror",
                    sourceBackup,
                    "--database",
                    pg.url(target),
                    "--endpoint",
                    "http://127.0.0.1:" + Toxiproxy.port(slow),
                    "--path-style");
            awaitTrue(() -> copying(pg, target, "FROM stdin") > 0, Duration.ofSeconds(120));
            own.kill();
            Runner.Result r = run.await();
            own.restart();
            int lost = userTables(pg, target) == 0 ? 0 : 1; // half a restore would look like data that is not there
            return verdict(
                    name,
                    fast,
                    Expect.failure(4, "StorageUnreachable|StorageError", ""),
                    r,
                    lost,
                    audit(own, "mirror"),
                    "target after: " + userTables(pg, target) + " user tables (one transaction)");
        }
    }

    private Verdict pgKilledMidRestore(String name, boolean fast) throws Exception {
        PostgresServer own = PostgresServer.start();
        try {
            s3Tcp.toxics().bandwidth("slow", ToxicDirection.DOWNSTREAM, 4096);
            String target = "faults_pg_killed_" + System.nanoTime();
            Started run = Started.of(
                    env(),
                    "restore",
                    "--from",
                    "s3://restore-source",
                    sourceBackup,
                    "--database",
                    own.url(target),
                    "--endpoint",
                    tcpEndpoint(),
                    "--path-style");
            awaitTrue(() -> copying(own, target, "FROM stdin") > 0, Duration.ofSeconds(120));
            own.crash();
            Runner.Result r = run.await();
            toxi.reset();
            own.startAgain();
            int lost = databaseExists(own, target) && userTables(own, target) > 0 ? 1 : 0;
            return verdict(
                    name,
                    fast,
                    Expect.failure(3, "RestoreFailed|DatabaseUnreachable", ""),
                    r,
                    lost,
                    audit(s3, "restore-source"),
                    "");
        } finally {
            own.stop();
        }
    }

    private Verdict runnerKilledMidReplace(String name, boolean fast) throws Exception {
        String target = pg.createDatabase("faults_replace");
        pg.execute(
                target,
                "CREATE TABLE orders (id int PRIMARY KEY, customer text)",
                "INSERT INTO orders SELECT g, 'newer-' || g FROM generate_series(1, 100) g");
        Map<String, Long> before = counts(pg, target);
        s3Tcp.toxics().bandwidth("slow", ToxicDirection.DOWNSTREAM, 4096);
        Started run = Started.of(
                env(),
                "restore",
                "--from",
                "s3://restore-source",
                sourceBackup,
                "--database",
                pg.url(target),
                "--replace",
                "--confirm",
                target,
                "--endpoint",
                tcpEndpoint(),
                "--path-style",
                "--namespace",
                NS);
        awaitTrue(() -> copying(pg, target, "FROM stdin") > 0, Duration.ofSeconds(120));
        run.kill();
        toxi.reset();
        awaitTrue(() -> copying(pg, target, "FROM stdin") == 0, Duration.ofSeconds(30));
        Map<String, Long> after = counts(pg, target);
        int lost = lost(before, after);
        return new Verdict(
                name,
                fast,
                "killed: the target as it was (one transaction)",
                "target rows " + after,
                lost == 0,
                lost,
                audit(s3, "restore-source").bad(),
                0,
                "the safety backup of the target stays in storage beside the source backup");
    }

    private Verdict runnerKilledMidChecksum(String name, boolean fast) throws Exception {
        String target = "faults_checksum_" + System.nanoTime();
        s3Tcp.toxics().bandwidth("slow", ToxicDirection.DOWNSTREAM, 2048);
        Started run = Started.of(
                env(),
                "restore",
                "--from",
                "s3://restore-source",
                sourceBackup,
                "--database",
                pg.url(target),
                "--endpoint",
                tcpEndpoint(),
                "--path-style");
        run.awaitStderr(Pattern.compile("checking .* against its manifest"), Duration.ofSeconds(60));
        Thread.sleep(1000);
        run.kill();
        toxi.reset();
        boolean touched = databaseExists(pg, target);
        return new Verdict(
                name,
                fast,
                "killed before the target is touched",
                touched ? "target created" : "target untouched",
                !touched,
                touched ? 1 : 0,
                0,
                0,
                "");
    }

    private Verdict runnerKilledMidMigration(String name, boolean fast) throws Exception {
        String db = pg.createDatabase("faults_migrate");
        fillSmall(db);
        Path dir = migrations(
                name,
                "V2__add_reference.sql",
                "ALTER TABLE orders ADD COLUMN customer_reference text;\nSELECT pg_sleep(60);\n");
        Map<String, Long> before = counts(pg, db);
        Path backups = Files.createTempDirectory("faults-backups-");
        Started run = Started.of(env(), safeMigrate(db, backups, dir, "--no-rehearsal"));
        awaitTrue(() -> sleeping(pg, db) > 0, Duration.ofSeconds(120));
        run.kill();
        awaitTrue(() -> sleeping(pg, db) == 0, Duration.ofSeconds(30));
        boolean unchanged = !hasColumn(db, "orders", "customer_reference");
        // the advisory lock went with the killed session: a new run goes through
        Path quick = migrations(
                name + "-again", "V2__add_reference.sql", "ALTER TABLE orders ADD COLUMN customer_reference text;\n");
        Runner.Result again = Runner.run(env(), safeMigrate(db, backups, quick, "--no-rehearsal"));
        Map<String, Long> after = counts(pg, db);
        boolean ok = unchanged && again.exitCode() == 0 && hasColumn(db, "orders", "customer_reference");
        Audit audit = auditFiles(backups);
        Files2.deleteTree(backups);
        return new Verdict(
                name,
                fast,
                "killed mid-statement: rolled back; the next run applies it",
                "column after kill: " + !unchanged + ", next run exit " + again.exitCode(),
                ok,
                lost(before, after),
                audit.bad(),
                0,
                audit.note());
    }

    private Verdict runnerKilledMidRehearsal(String name, boolean fast) throws Exception {
        String db = pg.createDatabase("faults_rehearse");
        fillSmall(db);
        Path dir = migrations(
                name,
                "V2__add_reference.sql",
                "ALTER TABLE orders ADD COLUMN customer_reference text;\nSELECT pg_sleep(60);\n");
        Map<String, Long> before = counts(pg, db);
        Set<String> databasesBefore = databases(pg);
        Path backups = Files.createTempDirectory("faults-backups-");
        Started run = Started.of(env(), safeMigrate(db, backups, dir));
        awaitTrue(
                () -> databases(pg).stream()
                        .filter(d -> !databasesBefore.contains(d))
                        .anyMatch(d -> sleeping(pg, d) > 0),
                Duration.ofSeconds(120));
        run.kill();
        Thread.sleep(500);
        Set<String> left = databases(pg);
        left.removeAll(databasesBefore);
        boolean untouched = !hasColumn(db, "orders", "customer_reference");
        Runner.Result next = Runner.run(
                env(),
                safeMigrate(
                        db,
                        backups,
                        migrations(
                                name + "-again",
                                "V2__add_reference.sql",
                                "ALTER TABLE orders ADD COLUMN customer_reference text;\n")));
        Set<String> stillLeft = databases(pg);
        stillLeft.retainAll(left);
        Audit audit = auditFiles(backups).plusLeaked(stillLeft.size(), "scratch databases left: " + stillLeft);
        Files2.deleteTree(backups);
        return new Verdict(
                name,
                fast,
                "killed on the copy: the real database untouched",
                "real database changed: " + !untouched + ", next run exit " + next.exitCode(),
                untouched && next.exitCode() == 0,
                lost(before, counts(pg, db)),
                audit.bad(),
                audit.leaked(),
                "scratch databases after the kill: " + left);
    }

    private Verdict twoMigrationsOneDatabase(String name, boolean fast) throws Exception {
        String db = pg.createDatabase("faults_two");
        fillSmall(db);
        Path dir = migrations(
                name,
                "V2__add_reference.sql",
                "ALTER TABLE orders ADD COLUMN customer_reference text;\nSELECT pg_sleep(3);\n");
        Map<String, Long> before = counts(pg, db);
        Path backups = Files.createTempDirectory("faults-backups-");
        Started a = Started.of(env(), safeMigrate(db, backups, dir, "--no-rehearsal"));
        Started b = Started.of(env(), safeMigrate(db, backups, dir, "--no-rehearsal"));
        Runner.Result ra = a.await();
        Runner.Result rb = b.await();
        long applied = count(db, "SELECT count(*) FROM flyway_schema_history WHERE version = '2' AND success");
        boolean ok = applied == 1 && Stream.of(ra, rb).allMatch(r -> r.exitCode() == 0 || oneLine(r));
        Audit audit = auditFiles(backups);
        Files2.deleteTree(backups);
        return new Verdict(
                name,
                fast,
                "applied once; the other waits or stops cleanly",
                "exits " + ra.exitCode() + "/" + rb.exitCode() + ", V2 applied " + applied + "x",
                ok,
                lost(before, counts(pg, db)),
                audit.bad(),
                0,
                reasonOf(ra) + " / " + reasonOf(rb));
    }

    // ============================================================================================
    // Audit: what list, verify and the orphan scan say, and what is left
    // ============================================================================================

    record Audit(List<String> complete, List<String> sha256, int bad, int leaked, String note) {
        Audit plusLeaked(int more, String why) {
            return new Audit(complete, sha256, bad, leaked + more, more == 0 ? note : note + "; " + why);
        }
    }

    private static final Pattern LIST_ROW = Pattern.compile("^(\\d{8}T\\d{6}Z-\\S+)\\s.*$");

    private static Audit audit(S3Server server, String bucket) {
        return audit(server, bucket, Map.of());
    }

    /** list, verify every complete-looking backup, orphan scan with deletes, then count what remains. */
    private static Audit audit(S3Server server, String bucket, Map<String, String> envOverride) {
        Map<String, String> env = env();
        env.putAll(envOverride);
        String location = "s3://" + bucket + (bucket.equals("restore-source") || bucket.equals("mirror") ? "" : "/p");
        String[] storage = {"--endpoint", server.endpoint(), "--path-style"};
        return auditLocation(env, location, storage, () -> {
            List<String> keys = server.keys(bucket);
            List<MultipartUpload> uploads =
                    server.client().listMultipartUploads(b -> b.bucket(bucket)).uploads();
            List<String> left = new ArrayList<>(keys);
            uploads.forEach(u -> left.add("multipart upload of " + u.key()));
            return left;
        });
    }

    private static Audit auditFiles(Path dir) {
        return auditLocation(env(), dir.toUri().toString(), new String[0], () -> {
            try (Stream<Path> s = Files.walk(dir)) {
                return s.filter(Files::isRegularFile)
                        .map(p -> dir.relativize(p).toString())
                        .collect(Collectors.toList());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static Audit auditLocation(
            Map<String, String> env, String location, String[] storage, Supplier<List<String>> remaining) {
        Runner.Result list = Runner.run(env, concat(new String[] {"list", "--from", location}, storage));
        List<String> complete = new ArrayList<>();
        List<String> incomplete = new ArrayList<>();
        for (String line : list.stdout().lines().skip(1).toList()) {
            var m = LIST_ROW.matcher(line);
            if (m.matches()) {
                (line.contains("INCOMPLETE") || line.contains("FAILED") ? incomplete : complete).add(m.group(1));
            }
        }
        int bad = 0;
        List<String> sha = new ArrayList<>();
        for (String id : complete) {
            Runner.Result v = Runner.run(env, concat(new String[] {"verify", "--from", location, id}, storage));
            if (v.exitCode() != 0) {
                bad++;
            } else {
                sha.add(RunnerResult.parse(v.terminationMessage()).sha256());
            }
        }
        // the orphan scan: the complete backups are the known ones; what else it reports is deleted
        List<String> namespaces = list.stdout()
                .lines()
                .skip(1)
                .map(l -> l.trim().split("\\s+"))
                .filter(c -> c.length > 2)
                .map(c -> c[2].split("/")[0])
                .distinct()
                .collect(Collectors.toList());
        if (!namespaces.contains(NS)) {
            namespaces.add(NS);
        }
        for (String ns : namespaces) {
            Runner.Result scan = Runner.run(
                    env,
                    concat(
                            new String[] {
                                "orphans",
                                "--from",
                                location,
                                "--namespace",
                                ns,
                                "--known=" + String.join(",", complete),
                                "--abort-unfinished-after",
                                "0s"
                            },
                            storage));
            for (String line : scan.stdout().lines().toList()) {
                if (line.startsWith("ORPHAN")) {
                    String folder = line.substring("ORPHAN".length()).trim().split("\\s+")[0];
                    Runner.run(env, concat(new String[] {"delete", "--from", location, folder}, storage));
                }
            }
        }
        List<String> left = remaining.get().stream()
                .filter(k -> complete.stream().noneMatch(k::contains))
                .collect(Collectors.toList());
        return new Audit(
                complete,
                sha,
                bad,
                left.size(),
                "list: " + complete.size() + " complete, " + incomplete.size() + " incomplete"
                        + (left.isEmpty() ? "" : "; left after the scan: " + left));
    }

    // ============================================================================================
    // Verdicts
    // ============================================================================================

    private static Verdict verdict(
            String name, boolean fast, Expect expect, Runner.Result r, int lost, Audit audit, String note) {
        RunnerResult result = r.terminationMessage().isBlank() ? null : RunnerResult.parse(r.terminationMessage());
        String reason = result == null ? "-" : String.valueOf(result.reason());
        String message = result == null || result.message() == null ? "" : result.message();
        String outcome = r.exitCode() == 0 ? "succeeded" : "exit " + r.exitCode() + " " + reason + ": " + message;
        boolean asExpected;
        if (expect == null) {
            asExpected = r.exitCode() == 0;
        } else {
            asExpected = r.exitCode() == expect.exitCode()
                    && expect.reason().matcher(reason).matches()
                    && expect.message().matcher(message).find()
                    && oneLine(r);
        }
        String full = note.isBlank() ? audit.note() : note + "; " + audit.note();
        return new Verdict(
                name,
                fast,
                expect == null ? "survived by retrying" : expect.describe(),
                outcome.replace('\t', ' '),
                asExpected,
                lost,
                audit.bad(),
                audit.leaked(),
                full);
    }

    private static Verdict killedVerdict(String name, boolean fast, int lost, Audit audit, String note) {
        return new Verdict(
                name,
                fast,
                "killed: nothing complete-looking, nothing left after the scan",
                "killed",
                true,
                lost,
                audit.bad(),
                audit.leaked(),
                note + "; " + audit.note());
    }

    private static Verdict notRunnable(String name, boolean fast, String why) {
        return new Verdict(name, fast, "-", "not run: " + why, true, 0, 0, 0, why);
    }

    /** The error is one line: in the termination message and as the last line on stderr. */
    private static boolean oneLine(Runner.Result r) {
        RunnerResult result = RunnerResult.parse(r.terminationMessage());
        if (result == null || result.message() == null || result.message().contains("\n")) {
            return false;
        }
        return !r.stderr().contains("\tat ") && !r.stderr().contains("Exception in thread");
    }

    private static String reasonOf(Runner.Result r) {
        return r.exitCode() == 0
                ? "ok"
                : String.valueOf(RunnerResult.parse(r.terminationMessage()).reason());
    }

    // ============================================================================================
    // Runs, data and servers
    // ============================================================================================

    private static final Pattern STORED_A_PART = Pattern.compile("stored 1[0-9]\\.[0-9] MiB");

    /** A runner started in the background, whose stderr can be waited on while it runs. */
    static final class Started {
        private final Process process;
        private final Path log;
        private final StringBuffer stderr = new StringBuffer();
        private final StringBuffer stdout = new StringBuffer();
        private final CompletableFuture<Void> readers;

        private Started(Process process, Path log) {
            this.process = process;
            this.log = log;
            this.readers = CompletableFuture.allOf(
                    CompletableFuture.runAsync(() -> drain(process, true)),
                    CompletableFuture.runAsync(() -> drain(process, false)));
        }

        static Started of(Map<String, String> env, String... args) throws IOException {
            Path log = Files.createTempFile("termination-", ".log");
            return new Started(Runner.start(env, List.of(args), log), log);
        }

        private void drain(Process p, boolean out) {
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(out ? p.getInputStream() : p.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    (out ? stdout : stderr).append(line).append('\n');
                }
            } catch (IOException e) {
                // the process is gone
            }
        }

        void awaitStderr(Pattern pattern, Duration timeout) {
            awaitTrue(() -> pattern.matcher(stderr).find() || !process.isAlive(), timeout);
            assertThat(pattern.matcher(stderr).find())
                    .as("runner printed " + pattern + ":\n" + stderr)
                    .isTrue();
        }

        void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor();
        }

        Runner.Result await() throws Exception {
            if (!process.waitFor(5, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IllegalStateException("runner did not finish in 5 minutes:\n" + stderr);
            }
            readers.get(30, TimeUnit.SECONDS);
            String message = Files.exists(log) ? Files.readString(log).strip() : "";
            Files.deleteIfExists(log);
            return new Runner.Result(process.exitValue(), stdout.toString(), stderr.toString(), message);
        }
    }

    static void awaitTrue(BooleanSupplier condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        throw new AssertionError("not within " + timeout);
    }

    private static String[] backupArgs(String url, String to, String endpoint) {
        List<String> args = new ArrayList<>(List.of(
                "backup",
                "--database",
                url,
                "--to",
                to,
                "--part-size",
                "5MiB",
                "--namespace",
                NS,
                "--progress-interval",
                "100ms"));
        if (endpoint != null) {
            args.addAll(List.of("--endpoint", endpoint, "--path-style"));
        }
        return args.toArray(String[]::new);
    }

    /**
     * One upload at a time from a 10 MiB part pool, over a 1 MiB/s link: pg_dump's COPY of the 19 MiB
     * table is held back for seconds, so a fault injected while it is seen copying lands mid-dump.
     */
    private static String[] heldBack(String[] backupArgs) {
        return concat(backupArgs, new String[] {"--upload-concurrency", "1"});
    }

    private static String[] safeMigrate(String db, Path backups, Path migrations, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "safe-migrate",
                "--database",
                pg.url(db),
                "--to",
                backups.toString(),
                "--engine",
                "flyway",
                "--migrations",
                migrations.toString(),
                "--namespace",
                NS));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    private static Path migrations(String hint, String file, String sql) throws IOException {
        Path dir = Files.createTempDirectory("faults-migrations-" + hint.replaceAll("[^a-z0-9-]", "") + "-");
        Files.writeString(dir.resolve("V1__orders.sql"), V1);
        Files.writeString(dir.resolve(file), sql);
        return dir;
    }

    private static String tcpEndpoint() {
        return "http://127.0.0.1:" + Toxiproxy.port(s3Tcp);
    }

    private static String bucket(String name) {
        String bucket = name.replaceAll("[^a-z0-9-]", "-") + "-" + Long.toHexString(System.nanoTime());
        bucket = bucket.length() > 63 ? bucket.substring(bucket.length() - 63).replaceFirst("^-+", "") : bucket;
        s3.createBucket(bucket);
        return bucket;
    }

    static Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("PGPASSWORD", PostgresServer.PASSWORD);
        for (String kv : s3.env()) {
            env.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        }
        return env;
    }

    private static String[] concat(String[] a, String[] b) {
        return Stream.concat(Stream.of(a), Stream.of(b)).toArray(String[]::new);
    }

    /** About 19 MiB after compression (random bytes), so a backup takes several 5 MiB parts. */
    private static void fill(PostgresServer server, String db) {
        server.execute(
                db,
                "CREATE TABLE orders (id bigserial PRIMARY KEY, customer text NOT NULL, total numeric(12,2))",
                "INSERT INTO orders (customer, total) SELECT 'customer-' || g, g * 1.25 FROM generate_series(1, 20000) g",
                "CREATE TABLE attachments (id int PRIMARY KEY, body bytea)",
                "INSERT INTO attachments SELECT g, decode(string_agg(md5(random()::text || x), ''), 'hex')"
                        + " FROM generate_series(1, 400) g, generate_series(1, 3000) x GROUP BY g",
                "ANALYZE");
    }

    private static final String V1 = "CREATE TABLE orders (id bigint PRIMARY KEY, customer text);\n"
            + "INSERT INTO orders SELECT g, 'c-' || g FROM generate_series(1, 1000) g;\n";

    /** A database where V1 (orders, with rows) was applied by an earlier safe migration, as in production. */
    private static void fillSmall(String db) throws IOException {
        Path dir = Files.createTempDirectory("faults-v1-");
        Files.writeString(dir.resolve("V1__orders.sql"), V1);
        Path backups = Files.createTempDirectory("faults-v1-backups-");
        Runner.Result r = Runner.run(env(), safeMigrate(db, backups, dir, "--no-rehearsal"));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        Files2.deleteTree(backups);
        Files2.deleteTree(dir);
    }

    private static Map<String, Long> counts(PostgresServer server, String db) {
        Map<String, Long> counts = new TreeMap<>();
        try (Connection c = server.connect(db);
                Statement s = c.createStatement()) {
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT format('%I.%I', schemaname, tablename) FROM pg_tables"
                    + " WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1")) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
            for (String t : tables) {
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + t)) {
                    rs.next();
                    counts.put(t, rs.getLong(1));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return counts;
    }

    /** Tables whose rows are fewer than before, or gone (a table of a migration's own history may grow). */
    private static int lost(Map<String, Long> before, Map<String, Long> after) {
        int lost = 0;
        for (var e : before.entrySet()) {
            Long now = after.get(e.getKey());
            if (now == null || now < e.getValue()) {
                lost++;
            }
        }
        return lost;
    }

    /** Sessions on {@code db} in a COPY whose text has {@code fragment} (pg_dump's "TO stdout", pg_restore's "FROM stdin", a table). */
    private static int copying(PostgresServer server, String db, String direction) {
        return (int) query(
                server,
                "postgres",
                "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + db + "' AND query ILIKE 'COPY %" + direction
                        + "%' AND state = 'active'");
    }

    private static int sleeping(PostgresServer server, String db) {
        return (int) query(
                server,
                "postgres",
                "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + db
                        + "' AND query ILIKE '%pg_sleep%' AND pid <> pg_backend_pid()");
    }

    private static Set<String> databases(PostgresServer server) {
        Set<String> names = new HashSet<>();
        try (Connection c = server.connect("postgres");
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT datname FROM pg_database")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return names;
    }

    private static boolean databaseExists(PostgresServer server, String db) {
        return databases(server).contains(db);
    }

    private static int userTables(PostgresServer server, String db) {
        return databaseExists(server, db)
                ? (int) query(
                        server,
                        db,
                        "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")
                : 0;
    }

    private static boolean hasColumn(String db, String table, String column) {
        return query(
                        pg,
                        db,
                        "SELECT count(*) FROM information_schema.columns WHERE table_name = '" + table
                                + "' AND column_name = '" + column + "'")
                > 0;
    }

    private static long count(String db, String sql) {
        return query(pg, db, sql);
    }

    private static long query(PostgresServer server, String db, String sql) {
        try (Connection c = server.connect(db);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    /** A small tmpfs for disk-full faults (root only: sessions and CI run as root). */
    record Tmpfs(Path dir) implements AutoCloseable {
        static Tmpfs mount(String size) throws IOException, InterruptedException {
            if (!"root".equals(System.getProperty("user.name"))) {
                return null;
            }
            Path dir = Files.createTempDirectory("faults-disk-");
            Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString())
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IllegalStateException("mount tmpfs failed: " + out);
            }
            return new Tmpfs(dir);
        }

        @Override
        public void close() throws IOException {
            try {
                new ProcessBuilder("umount", dir.toString()).inheritIO().start().waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Files.deleteIfExists(dir);
        }
    }
}
