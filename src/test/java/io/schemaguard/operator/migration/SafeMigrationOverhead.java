package io.schemaguard.operator.migration;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.MigrationPhase;
import io.schemaguard.api.Phase;
import io.schemaguard.api.SafeMigration;
import io.schemaguard.testing.Manifests;
import io.schemaguard.testing.PostgresServer;
import io.schemaguard.testing.S3Server;
import io.schemaguard.testing.cluster.OperatorProcess;
import io.schemaguard.testing.cluster.RealCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The benchmark behind bench/safemigration-overhead.sh (not a test: its name matches neither
 * surefire's nor failsafe's patterns, the script names it with -Dit.test). On the real control
 * plane, per round and each on its own copy of the same database: a SafeMigration of the seed's
 * change with rehearsal off, timed from create to its terminal phase; the same backup as a
 * DatabaseBackup created by hand (the spec the SafeMigration gave its own), timed to Succeeded; the
 * same migration Job created by hand (the SafeMigration's migrate Job, pointed at the hand-made
 * backup), timed to Complete; and the SafeMigration again with rehearsal on. overhead = SafeMigration
 * - backup - migration (medians): what the plan Job, the gate and the reconciles between steps cost.
 * Environment: BENCH_ROUNDS (3), BENCH_ROWS (orders rows, 300000), BENCH_RESULT (file for the last line).
 */
class SafeMigrationOverhead {
    @RegisterExtension
    static final RealCluster cluster = new RealCluster();

    static final String BUCKET = "bench-migrations";

    final int rounds = Integer.parseInt(System.getenv().getOrDefault("BENCH_ROUNDS", "3"));
    final int rows = Integer.parseInt(System.getenv().getOrDefault("BENCH_ROWS", "300000"));
    final PostgresServer pg = PostgresServer.shared();
    final S3Server s3 = S3Server.shared();
    final KubernetesClient admin = cluster.admin();

    @Test
    void measure() throws Exception {
        s3.createBucket(BUCKET);
        OperatorProcess operator = cluster.startOperator("schemaguard-operator-bench");
        try {
            String ns = cluster.namespace("bench");
            cluster.kubectl()
                    .apply(Manifests.secrets(ns, PostgresServer.PASSWORD) + "---\n"
                            + SafeMigrationIT.configMap(
                                    ns,
                                    "shop-migrations",
                                    Map.of(
                                            "20240101000000_init.sql",
                                            SafeMigrationIT.INIT,
                                            "20241125000000_add_customer_reference.sql",
                                            SafeMigrationIT.ADD_REFERENCE)))
                    .orThrow();
            String template = SafeMigrationIT.shop(pg, "bench_template", rows, true);
            pg.execute(template, "VACUUM ANALYZE orders");

            List<Double> plain = new ArrayList<>();
            List<Double> backup = new ArrayList<>();
            List<Double> migrate = new ArrayList<>();
            List<Double> rehearsed = new ArrayList<>();
            // round 0 warms the page cache and the runner's class loading; it is not counted
            for (int r = 0; r <= rounds; r++) {
                String name = "add-reference-" + r;
                double e2e = safeMigration(ns, name, copy(template), false);
                String db2 = copy(template);
                DatabaseBackup own = admin.resources(DatabaseBackup.class)
                        .inNamespace(ns)
                        .withName(name + "-g1-b1")
                        .get();
                String byHand = "by-hand-" + r;
                double b = backupByHand(ns, own, byHand, db2);
                String id = admin.resources(DatabaseBackup.class)
                        .inNamespace(ns)
                        .withName(byHand)
                        .get()
                        .getStatus()
                        .getBackupId();
                double m = migrateByHand(ns, name + "-g1-migrate-1", "by-hand-migrate-" + r, db2, id);
                double withRehearsal = safeMigration(ns, "rehearsed-" + r, copy(template), true);
                System.out.printf(
                        Locale.ROOT,
                        "bench: round %d%s: safemigration_s=%.2f backup_s=%.2f migrate_s=%.2f"
                                + " safemigration_rehearsal_s=%.2f%n",
                        r,
                        r == 0 ? " (warm-up, not counted)" : "",
                        e2e,
                        b,
                        m,
                        withRehearsal);
                if (r > 0) {
                    plain.add(e2e);
                    backup.add(b);
                    migrate.add(m);
                    rehearsed.add(withRehearsal);
                }
            }
            double overhead = median(plain) - median(backup) - median(migrate);
            double rehearsal = median(rehearsed) - median(plain);
            String last = String.format(
                    Locale.ROOT,
                    "overhead_s=%.2f backup_s=%.2f migrate_s=%.2f rehearsal_s=%.2f",
                    overhead,
                    median(backup),
                    median(migrate),
                    rehearsal);
            System.out.printf(
                    Locale.ROOT,
                    "bench: %d rows, medians of %d rounds: safemigration_s=%.2f" + " safemigration_rehearsal_s=%.2f%n",
                    rows,
                    rounds,
                    median(plain),
                    median(rehearsed));
            System.out.println(last);
            String out = System.getenv("BENCH_RESULT");
            if (out != null) {
                Files.writeString(Path.of(out), last + "\n");
            }
        } finally {
            cluster.stopOperator(operator);
        }
    }

    String copy(String template) {
        String db = pg.createDatabase("bench_copy");
        pg.execute("postgres", "DROP DATABASE " + db, "CREATE DATABASE " + db + " TEMPLATE " + template);
        return db;
    }

    /** Seconds from creating the SafeMigration to its terminal phase, which must be Succeeded. */
    double safeMigration(String ns, String name, String db, boolean rehearsal) {
        String yaml =
                SafeMigrationIT.safeMigration(pg, s3, BUCKET, ns, name, db, "      - name: shop-migrations", rehearsal);
        long t0 = System.nanoTime();
        cluster.kubectl().apply(yaml).orThrow();
        await(name, () -> {
            SafeMigration m = admin.resources(SafeMigration.class)
                    .inNamespace(ns)
                    .withName(name)
                    .get();
            return m != null
                    && m.getStatus() != null
                    && m.getStatus().getPhase() != null
                    && m.getStatus().getPhase().isTerminal();
        });
        double s = (System.nanoTime() - t0) / 1e9;
        SafeMigration done = admin.resources(SafeMigration.class)
                .inNamespace(ns)
                .withName(name)
                .get();
        assertThat(done.getStatus().getPhase())
                .as(done.getStatus().getCurrentRun().getMessage())
                .isEqualTo(MigrationPhase.Succeeded);
        assertThat(done.getStatus().getCurrentRun().getRehearsal()).isEqualTo(rehearsal ? "Passed" : "Skipped");
        return s;
    }

    /** The SafeMigration's own backup spec, for another copy of the database, created by hand. */
    double backupByHand(String ns, DatabaseBackup own, String name, String db) {
        DatabaseBackup b = new DatabaseBackup();
        b.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
        b.setSpec(own.getSpec());
        b.getSpec().getDatabase().setName(db);
        long t0 = System.nanoTime();
        admin.resources(DatabaseBackup.class).inNamespace(ns).resource(b).create();
        await(name, () -> {
            DatabaseBackup x = admin.resources(DatabaseBackup.class)
                    .inNamespace(ns)
                    .withName(name)
                    .get();
            return x.getStatus() != null
                    && (x.getStatus().getPhase() == Phase.Succeeded
                            || x.getStatus().getPhase() == Phase.Failed);
        });
        double s = (System.nanoTime() - t0) / 1e9;
        assertThat(admin.resources(DatabaseBackup.class)
                        .inNamespace(ns)
                        .withName(name)
                        .get()
                        .getStatus()
                        .getPhase())
                .isEqualTo(Phase.Succeeded);
        return s;
    }

    /** The SafeMigration's migrate Job, pointed at another database and its hand-made backup, created by hand. */
    double migrateByHand(String ns, String ownJob, String name, String db, String backupId) {
        Job own = admin.batch().v1().jobs().inNamespace(ns).withName(ownJob).get();
        PodTemplateSpec pod = own.getSpec().getTemplate();
        pod.getMetadata().setLabels(Map.of("app", "by-hand"));
        pod.getSpec().getContainers().forEach(c -> {
            c.setArgs(c.getArgs().stream()
                    .map(a -> a.startsWith("--backup=") ? "--backup=" + backupId : a)
                    .toList());
            for (EnvVar e : c.getEnv()) {
                if (e.getName().equals("PGDATABASE")) {
                    e.setValue(db);
                }
            }
        });
        Job job = new JobBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(ns)
                .endMetadata()
                .withNewSpec()
                .withBackoffLimit(0)
                .withTemplate(pod)
                .endSpec()
                .build();
        long t0 = System.nanoTime();
        admin.batch().v1().jobs().inNamespace(ns).resource(job).create();
        await(name, () -> {
            Job j = admin.batch().v1().jobs().inNamespace(ns).withName(name).get();
            return j.getStatus() != null
                    && ((j.getStatus().getSucceeded() != null && j.getStatus().getSucceeded() > 0)
                            || (j.getStatus().getFailed() != null
                                    && j.getStatus().getFailed() > 0));
        });
        double s = (System.nanoTime() - t0) / 1e9;
        assertThat(admin.batch()
                        .v1()
                        .jobs()
                        .inNamespace(ns)
                        .withName(name)
                        .get()
                        .getStatus()
                        .getSucceeded())
                .as("the migration Job run by hand")
                .isEqualTo(1);
        return s;
    }

    static void await(String what, BooleanSupplier done) {
        long deadline = System.nanoTime() + 300_000_000_000L;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(what + " did not finish in 5 minutes");
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }
}
