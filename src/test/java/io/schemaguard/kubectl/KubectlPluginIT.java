package io.schemaguard.kubectl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.MigrationPhase;
import io.schemaguard.api.Phase;
import io.schemaguard.api.SafeMigration;
import io.schemaguard.testing.Manifests;
import io.schemaguard.testing.PostgresServer;
import io.schemaguard.testing.S3Server;
import io.schemaguard.testing.cluster.ControlPlane;
import io.schemaguard.testing.cluster.OperatorProcess;
import io.schemaguard.testing.cluster.RealCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code kubectl-schemaguard} as users run it: the script of src/main/scripts as a process, with a
 * kubeconfig file, against the real control plane, the packaged operator, real PostgreSQL and S3Proxy. A
 * migration blocked by lint is approved with the plugin and then applied; a schedule's backup is taken now
 * and restored into a new database; not found, forbidden, missing CRDs and usage errors are one line each.
 * Every command's output lands in target/kubectl-plugin-examples.txt (README's examples come from there).
 */
class KubectlPluginIT {
    @RegisterExtension
    static final RealCluster cluster = new RealCluster();

    static final String BUCKET = "it-plugin";
    static final Duration TIMEOUT = Duration.ofMinutes(4);
    static final Path EXAMPLES = Path.of("target/kubectl-plugin-examples.txt");
    static final String INIT = """
            CREATE TABLE "orders" (
                "id" SERIAL NOT NULL,
                "customer" TEXT NOT NULL,
                "total" DECIMAL(12,2) NOT NULL,
                CONSTRAINT "orders_pkey" PRIMARY KEY ("id")
            );
            """;
    static final String DROP_CUSTOMER = "ALTER TABLE \"orders\" DROP COLUMN \"customer\";\n";

    static PostgresServer pg;
    static S3Server s3;
    static KubernetesClient admin;
    static OperatorProcess operator;

    record Run(int exit, String stdout, String stderr) {}

    @BeforeAll
    static void start() throws IOException {
        pg = PostgresServer.shared();
        s3 = S3Server.shared();
        s3.createBucket(BUCKET);
        admin = cluster.admin();
        Files.createDirectories(EXAMPLES.getParent());
        Files.writeString(EXAMPLES, "");
        operator = cluster.startOperator("schemaguard-operator-plugin-it");
    }

    @AfterAll
    static void stop() {
        cluster.stopOperator(operator);
    }

    /** The plugin as a process: the script, the admin's kubeconfig file (unless one is given), no $KUBECONFIG. */
    static Run plugin(Path kubeconfig, String... args) throws Exception {
        return typing(kubeconfig, "", args);
    }

    /** With {@code stdin} as what the person types (the prompts' answers). */
    static Run typing(Path kubeconfig, String stdin, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(
                Path.of("src/main/scripts/kubectl-schemaguard").toAbsolutePath().toString());
        command.add("--kubeconfig=" + kubeconfig);
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().remove("KUBECONFIG");
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        long t0 = System.nanoTime();
        Process p = pb.start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p, true));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p, false));
        try (var in = p.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("kubectl-schemaguard " + String.join(" ", args) + " did not finish");
        }
        Run r = new Run(p.exitValue(), out.join(), err.join());
        String shown = "$ kubectl schemaguard " + String.join(" ", args)
                + (stdin.isEmpty() ? "" : "   # typed: " + stdin.replace("\n", "\\n")) + "\n" + r.stdout() + r.stderr()
                + "# exit " + r.exit() + ", " + (System.nanoTime() - t0) / 1_000_000 + " ms\n\n";
        System.out.print(shown);
        Files.writeString(EXAMPLES, shown, StandardOpenOption.APPEND);
        return r;
    }

    static Run plugin(String... args) throws Exception {
        return plugin(cluster.controlPlane().adminKubeconfig(), args);
    }

    private static String read(Process p, boolean stdout) {
        try {
            return new String(
                    (stdout ? p.getInputStream() : p.getErrorStream()).readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    static long count(String db, String sql) throws Exception {
        try (Connection c = pg.connect(db);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static SafeMigration migration(String ns, String name) {
        return admin.resources(SafeMigration.class)
                .inNamespace(ns)
                .withName(name)
                .get();
    }

    static SafeMigration awaitDone(String ns, String name, long generation) {
        return await().atMost(TIMEOUT)
                .pollInterval(Duration.ofMillis(300))
                .until(
                        () -> migration(ns, name),
                        m -> m != null
                                && m.getStatus() != null
                                && m.getStatus().getPhase() != null
                                && m.getStatus().getPhase().isTerminal()
                                && Long.valueOf(generation).equals(m.getStatus().getObservedGeneration()));
    }

    /** A shop database (800 orders, Prisma's history baselined) and SafeMigration drop-customer whose second migration is {@code sql}. */
    static String shop(String ns, String name, String sql) {
        String db = pg.createDatabase(name);
        pg.execute(
                db,
                INIT,
                "INSERT INTO orders (customer, total) SELECT 'c' || g, g FROM generate_series(1, 800) g",
                """
                CREATE TABLE _prisma_migrations (id varchar(36) PRIMARY KEY, checksum varchar(64) NOT NULL,
                  finished_at timestamptz, migration_name varchar(255) NOT NULL, logs text,
                  rolled_back_at timestamptz, started_at timestamptz NOT NULL DEFAULT now(),
                  applied_steps_count integer NOT NULL DEFAULT 0)""",
                "INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, applied_steps_count)"
                        + " VALUES ('00000000-0000-0000-0000-000000000001', encode(sha256(convert_to('"
                        + INIT.replace("'", "''") + "', 'UTF8')), 'hex'), now(), '20240101000000_init', 1)");
        cluster.kubectl()
                .apply(Manifests.secrets(ns, PostgresServer.PASSWORD) + "---\n"
                        + """
                        apiVersion: v1
                        kind: ConfigMap
                        metadata:
                          name: shop-migrations
                          namespace: %s
                        data:
                          20240101000000_init.sql: |
                        %s
                          20241201000000_drop_customer.sql: |
                            %s
                        ---
                        apiVersion: schemaguard.io/v1alpha1
                        kind: SafeMigration
                        metadata:
                          name: drop-customer
                          namespace: %s
                        spec:
                          database:
                            host: 127.0.0.1
                            port: %d
                            name: %s
                            user: postgres
                            passwordSecretRef:
                              name: db-credentials
                          storage:
                            s3:
                              bucket: %s
                              prefix: migrations
                              endpoint: %s
                              forcePathStyle: true
                              credentialsSecretRef:
                                name: s3-credentials
                          engine: Prisma
                          migrations:
                            configMaps:
                              - name: shop-migrations
                        """.formatted(
                                        ns,
                                        INIT.lines()
                                                .map(l -> "    " + l)
                                                .reduce((a, b) -> a + "\n" + b)
                                                .orElseThrow(),
                                        sql,
                                        ns,
                                        pg.port(),
                                        db,
                                        BUCKET,
                                        s3.endpoint()))
                .orThrow();

        return db;
    }

    @Test
    void aMigrationBlockedByLintIsApprovedWithThePluginAndThenApplied() throws Exception {
        String ns = cluster.namespace("plugin-shop");
        String db = shop(ns, "it_plugin_shop", DROP_CUSTOMER.strip());
        SafeMigration blocked = awaitDone(ns, "drop-customer", 1);
        assertThat(blocked.getStatus().getPhase())
                .as(blocked.getStatus().getCurrentRun().getMessage())
                .isEqualTo(MigrationPhase.Blocked);

        Run overview = plugin("-n", ns, "status");
        assertThat(overview.exit()).isZero();
        assertThat(overview.stdout()).contains("SAFEMIGRATION").containsPattern("drop-customer +Blocked");
        Run tree = plugin("-n", ns, "status", "smig/drop-customer");
        assertThat(tree.exit()).isZero();
        assertThat(tree.stdout())
                .contains("SafeMigration " + ns + "/drop-customer  Blocked")
                .containsPattern("\\|- plan +Succeeded +\\d+s +drop-customer-g1-plan")
                .contains("DataLoss  20241201000000_drop_customer/migration.sql:1")
                .contains("blocking")
                .doesNotContain("\u001b[");

        Run approve = plugin("-n", ns, "approve", "drop-customer", "--all", "--yes");
        assertThat(approve.exit()).as(approve.stderr()).isZero();
        assertThat(approve.stdout()).contains("Approved 1 statement(s)");
        String hash = blocked.getStatus().getCurrentRun().getFindings().stream()
                .filter(f -> f.getSeverity() == io.schemaguard.api.SafeMigrationStatus.FindingStatus.Severity.DataLoss)
                .findFirst()
                .orElseThrow()
                .getStatementHash();
        assertThat(migration(ns, "drop-customer").getSpec().getSafety().getApprovedStatements())
                .containsExactly(hash);

        SafeMigration done = awaitDone(ns, "drop-customer", 2);
        assertThat(done.getStatus().getPhase())
                .as(done.getStatus().getCurrentRun().getMessage())
                .isEqualTo(MigrationPhase.Succeeded);
        assertThat(count(db, "SELECT count(*) FROM orders")).isEqualTo(800);
        assertThat(count(
                        db,
                        "SELECT count(*) FROM information_schema.columns WHERE table_name = 'orders'"
                                + " AND column_name = 'customer'"))
                .isZero();

        Run applied = plugin("-n", ns, "status", "drop-customer");
        assertThat(applied.stdout())
                .contains("Succeeded  (generation 2, observed 2)")
                .containsPattern("\\|- backup +Succeeded +\\d+s +\\S+")
                .containsPattern("\\|- rehearsal +Succeeded")
                .containsPattern("\\|- migrate +Succeeded +\\d+s +drop-customer-g2-migrate-1")
                .contains("approved");
        Run json = plugin("-n", ns, "status", "drop-customer", "-o", "json");
        SafeMigration parsed = Serialization.unmarshal(json.stdout(), SafeMigration.class);
        assertThat(parsed.getStatus().getPhase()).isEqualTo(MigrationPhase.Succeeded);
        Run again = plugin("-n", ns, "approve", "drop-customer");
        assertThat(again.exit()).isZero();
        assertThat(again.stdout()).contains("no unapproved blocking statements");
    }

    @Test
    void approveAsksPerStatementAndWritesOnlyTheStatementsAnsweredYes() throws Exception {
        String ns = cluster.namespace("plugin-ask");
        String db = shop(
                ns,
                "it_plugin_ask",
                "ALTER TABLE \"orders\" DROP COLUMN \"customer\";\n    ALTER TABLE \"orders\" DROP COLUMN \"total\";");
        SafeMigration blocked = awaitDone(ns, "drop-customer", 1);
        assertThat(blocked.getStatus().getPhase()).isEqualTo(MigrationPhase.Blocked);
        List<String> hashes = Approval.blocking(blocked).stream()
                .map(io.schemaguard.api.SafeMigrationStatus.FindingStatus::getStatementHash)
                .toList();
        assertThat(hashes).hasSize(2);

        Run ask = typing(cluster.controlPlane().adminKubeconfig(), "y\nn\n", "-n", ns, "approve", "drop-customer");
        assertThat(ask.exit()).as(ask.stderr()).isZero();
        assertThat(ask.stdout()).contains("Approve this statement? [y/N]").contains("Approved 1 statement(s)");
        assertThat(migration(ns, "drop-customer").getSpec().getSafety().getApprovedStatements())
                .containsExactly(hashes.get(0));
        SafeMigration still = awaitDone(ns, "drop-customer", 2);
        assertThat(still.getStatus().getPhase()).isEqualTo(MigrationPhase.Blocked);
        assertThat(Approval.blocking(still))
                .extracting(f -> f.getStatementHash())
                .containsExactly(hashes.get(1));

        Run noAnswer = plugin("-n", ns, "approve", "drop-customer");
        assertThat(noAnswer.exit()).isEqualTo(1);
        assertThat(noAnswer.stderr()).hasLineCount(1).contains("no answer on stdin");
        Run declined =
                typing(cluster.controlPlane().adminKubeconfig(), "n\n", "-n", ns, "approve", "drop-customer", "--all");
        assertThat(declined.stdout()).contains("Nothing approved");
        assertThat(migration(ns, "drop-customer").getSpec().getSafety().getApprovedStatements())
                .containsExactly(hashes.get(0));
        assertThat(count(db, "SELECT count(*) FROM orders")).isEqualTo(800);
    }

    @Test
    void aSchedulesBackupIsTakenNowAndRestoredIntoANewDatabaseWithEveryRow() throws Exception {
        String ns = cluster.namespace("plugin-backup");
        String db = pg.createDatabase("it_plugin_src");
        pg.execute(
                db,
                "CREATE TABLE orders (id serial PRIMARY KEY, total numeric)",
                "INSERT INTO orders (total) SELECT g FROM generate_series(1, 2500) g");
        String backup = Manifests.backup(ns, "unused", pg, db, s3, BUCKET, null);
        String template = backup.substring(backup.indexOf("spec:\n") + "spec:\n".length())
                .lines()
                .map(l -> "  " + l)
                .reduce("", (a, b) -> a + b + "\n");
        cluster.kubectl()
                .apply(Manifests.secrets(ns, PostgresServer.PASSWORD) + "---\n" + """
                        apiVersion: schemaguard.io/v1alpha1
                        kind: BackupSchedule
                        metadata:
                          name: nightly
                          namespace: %s
                        spec:
                          schedule: "0 3 * * *"
                          retention:
                            keepLast: 7
                          template:
                        %s""".formatted(ns, template))
                .orThrow();

        Run now = plugin("-n", ns, "backup", "now", "nightly", "--wait");
        assertThat(now.exit()).as(now.stderr()).isZero();
        assertThat(now.stdout()).contains("created").contains("Succeeded");
        List<DatabaseBackup> backups =
                admin.resources(DatabaseBackup.class).inNamespace(ns).list().getItems();
        assertThat(backups).singleElement().satisfies(b -> {
            assertThat(b.getMetadata().getLabels()).containsEntry("schemaguard.io/schedule", "nightly");
            assertThat(b.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
        });
        String name = backups.get(0).getMetadata().getName();
        await().atMost(TIMEOUT)
                .untilAsserted(() -> assertThat(
                                plugin("-n", ns, "status", "schedule/nightly").stdout())
                        .contains("backups (1)")
                        .containsPattern(name + " +Succeeded"));
        assertThat(plugin("-n", ns, "status").stdout())
                .contains("BACKUPSCHEDULE")
                .contains(name);

        Run restore = plugin("-n", ns, "restore", name, "--to-new-database", "it_plugin_copy", "--wait");
        assertThat(restore.exit()).as(restore.stderr()).isZero();
        assertThat(restore.stdout()).contains("Succeeded");
        assertThat(count("it_plugin_copy", "SELECT count(*) FROM orders")).isEqualTo(2500);

        Run logs = plugin("-n", ns, "logs", "databasebackup/" + name);
        // The process kubelet serves no kubelet API, so the API server cannot proxy pods/log: one line either way.
        assertThat(logs.exit() == 0
                        || logs.stderr()
                                        .lines()
                                        .filter(l -> l.startsWith("error: "))
                                        .count()
                                == 1)
                .as(logs.stderr())
                .isTrue();
        assertThat(logs.stderr()).doesNotContain("\tat ");
        // Due daily at 03:00: gone, a run at that hour cannot fire into a later IT class's operator.
        cluster.deleteSchedules(ns);
    }

    @Test
    void errorsAreOneLineWithTheRightExitCode() throws Exception {
        String ns = cluster.namespace("plugin-errors");
        Run missing = plugin("-n", ns, "status", "smig/nope");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.stderr().strip()).isEqualTo("error: SafeMigration \"nope\" not found in namespace " + ns);
        Run missingAny = plugin("-n", ns, "approve", "nope", "--yes");
        assertThat(missingAny.exit()).isEqualTo(1);
        assertThat(missingAny.stderr()).contains("not found").hasLineCount(1);

        Run usage = plugin("-n", ns, "restore", "some-backup");
        assertThat(usage.exit()).isEqualTo(2);
        assertThat(usage.stderr()).hasLineCount(1).contains("--to-new-database");
        assertThat(plugin("-n", ns, "status", "-o", "xml").exit()).isEqualTo(2);
        assertThat(plugin("-n", ns, "frobnicate").exit()).isEqualTo(2);

        // a ServiceAccount nobody granted anything: the API server's 403 names the verb and the resource
        admin.serviceAccounts()
                .inNamespace(ns)
                .resource(new io.fabric8.kubernetes.api.model.ServiceAccountBuilder()
                        .withNewMetadata()
                        .withName("nobody")
                        .endMetadata()
                        .build())
                .create();
        Path nobody = cluster.controlPlane().serviceAccountKubeconfig(ns, "nobody", Duration.ofMinutes(30));
        Run forbidden = plugin(nobody, "-n", ns, "status");
        assertThat(forbidden.exit()).isEqualTo(1);
        assertThat(forbidden.stderr())
                .hasLineCount(1)
                .startsWith("error: forbidden: ")
                .contains("cannot list resource \"safemigrations\" in API group \"schemaguard.io\"");

        // a cluster without the CRDs: a second control plane, nothing installed
        try (ControlPlane bare = ControlPlane.start(ControlPlane.binDir(), cp -> {})) {
            Run noCrd = plugin(bare.adminKubeconfig(), "status");
            assertThat(noCrd.exit()).isEqualTo(1);
            assertThat(noCrd.stderr()).hasLineCount(1).contains("the schemaguard.io CRDs are not installed");
            Run noCrdNamed = plugin(bare.adminKubeconfig(), "status", "smig/x");
            assertThat(noCrdNamed.stderr()).hasLineCount(1).contains("CRDs are not installed");
        }
    }
}
