package io.schemaguard.operator.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.schemaguard.api.BackupSchedule;
import io.schemaguard.api.BackupTemplate;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.testing.Fixtures;
import io.schemaguard.testing.cluster.OperatorProcess;
import io.schemaguard.testing.cluster.RealCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The benchmark behind bench/schedule-scale.sh (not a test: its name matches neither surefire's nor
 * failsafe's patterns; the script names it with -Dit.test). On the real control plane, BENCH_SCHEDULES
 * (1000) BackupSchedules in BENCH_NAMESPACES (100) namespaces, all due in the same minute, jitter off,
 * served by one packaged operator (-Xmx384m, as under the Deployment's 512Mi limit). For each, the
 * delay from its scheduled time to the moment a watch sees its DatabaseBackup; and the operator's
 * peak RSS (VmHWM). The backups' Jobs are created, but their pods stay Pending (the process kubelet
 * skips these namespaces): the figure is the operator's. Last line to BENCH_RESULT.
 */
class ScheduleScale {
    @RegisterExtension
    static final RealCluster cluster = new RealCluster();

    final int schedules = Integer.parseInt(System.getenv().getOrDefault("BENCH_SCHEDULES", "1000"));
    final int namespaces = Integer.parseInt(System.getenv().getOrDefault("BENCH_NAMESPACES", "100"));

    @Test
    void measure() throws Exception {
        KubernetesClient admin = cluster.admin();
        // BENCH_OPERATOR_<NAME>=value reaches the operator as <NAME>=value (to try its settings)
        Map<String, String> env = new HashMap<>();
        System.getenv().forEach((k, v) -> {
            if (k.startsWith("BENCH_OPERATOR_")) {
                env.put(k.substring("BENCH_OPERATOR_".length()), v);
            }
        });
        OperatorProcess operator = cluster.startOperator(new OperatorProcess.Settings(
                "schemaguard-operator-scale",
                cluster.operatorKubeconfig(),
                RealCluster.OPERATOR_NAMESPACE,
                List.of(),
                RealCluster.RUNNER_IMAGE,
                env));
        try {
            List<String> ns = new ArrayList<>();
            for (int i = 0; i < namespaces; i++) {
                ns.add(cluster.namespace("scale"));
            }
            // due at the first whole minute at least 90 s away, so every schedule exists before it
            Instant due = Instant.now().plusSeconds(150).truncatedTo(ChronoUnit.MINUTES);
            var utc = due.atZone(ZoneOffset.UTC);
            String cron = utc.getMinute() + " " + utc.getHour() + " * * *";

            Map<String, Double> seen = new ConcurrentHashMap<>();
            AtomicLong early = new AtomicLong();
            Watch watch = admin.resources(DatabaseBackup.class).inAnyNamespace().watch(new Watcher<>() {
                @Override
                public void eventReceived(Action action, DatabaseBackup b) {
                    if (action == Action.ADDED && b.getMetadata().getNamespace().startsWith("scale-")) {
                        Instant now = Instant.now();
                        if (now.isBefore(due)) {
                            early.incrementAndGet();
                        }
                        seen.putIfAbsent(
                                b.getMetadata().getNamespace() + "/"
                                        + b.getMetadata().getName(),
                                Duration.between(due, now).toNanos() / 1e9);
                    }
                }

                @Override
                public void onClose(WatcherException cause) {}
            });
            long t0 = System.nanoTime();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<?>> created = new ArrayList<>();
            for (int i = 0; i < schedules; i++) {
                String namespace = ns.get(i % namespaces);
                String name = "nightly-" + i;
                created.add(pool.submit(
                        () -> admin.resource(schedule(namespace, name, cron)).create()));
            }
            for (Future<?> f : created) {
                f.get();
            }
            pool.shutdown();
            System.out.printf(
                    Locale.ROOT,
                    "bench: %d schedules in %d namespaces created in %.1f s, all due at %s (%s UTC)%n",
                    schedules,
                    namespaces,
                    (System.nanoTime() - t0) / 1e9,
                    due,
                    cron);
            assertThat(Instant.now())
                    .as("every schedule exists before the due minute")
                    .isBefore(due);

            long deadline = System.nanoTime()
                    + Duration.between(Instant.now(), due).plusSeconds(180).toNanos();
            while (seen.size() < schedules && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            watch.close();
            long rss = operator.peakRssKiB();
            assertThat(early.get()).as("no backup before its time").isZero();
            assertThat(seen).as("a backup for every schedule").hasSize(schedules);
            List<Double> delays = new ArrayList<>(seen.values());
            Collections.sort(delays);
            double p50 = delays.get((int) Math.ceil(0.50 * delays.size()) - 1);
            double p99 = delays.get((int) Math.ceil(0.99 * delays.size()) - 1);
            double max = delays.get(delays.size() - 1);
            System.out.printf(
                    Locale.ROOT,
                    "bench: delay from the scheduled time to the DatabaseBackup: p50 %.2f s,"
                            + " p99 %.2f s, max %.2f s; operator peak RSS %d MiB%n",
                    p50,
                    p99,
                    max,
                    rss / 1024);
            String last =
                    String.format(Locale.ROOT, "schedules=%d p99_s=%.2f peak_rss_mib=%d", schedules, p99, rss / 1024);
            System.out.println(last);
            String out = System.getenv("BENCH_RESULT");
            if (out != null) {
                Files.writeString(Path.of(out), last + "\n");
            }
        } finally {
            cluster.stopOperator(operator);
        }
    }

    static BackupSchedule schedule(String ns, String name, String cron) {
        BackupSchedule s = new BackupSchedule();
        s.getMetadata().setName(name);
        s.getMetadata().setNamespace(ns);
        s.getSpec().setSchedule(cron);
        s.getSpec().setOrphanScanInterval("0s");
        DatabaseBackup like = Fixtures.backup(
                ns,
                "x",
                "orders-db." + ns + ".svc",
                5432,
                "shop",
                Fixtures.s3("team-backups", "http://minio.storage.svc:9000", "s3-credentials"));
        BackupTemplate t = new BackupTemplate();
        t.setDatabase(like.getSpec().getDatabase());
        t.setStorage(like.getSpec().getStorage());
        s.getSpec().setTemplate(t);
        return s;
    }
}
