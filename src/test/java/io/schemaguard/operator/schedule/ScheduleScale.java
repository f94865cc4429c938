package io.schemaguard.operator.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
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
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The benchmark behind bench/schedule-scale.sh (not a test: its name matches neither surefire's nor
 * failsafe's patterns; the script names it with -Dit.test). On the real control plane, alternating
 * BENCH_ROUNDS (2) rounds of each:
 * <ul>
 * <li>ours: BENCH_SCHEDULES (1000) BackupSchedules in BENCH_NAMESPACES (100) new namespaces, all due in the
 * same minute, jitter off, served by one packaged operator (-Xmx384m, as under the Deployment's 512Mi
 * limit); the delay from the scheduled time to the moment a watch sees each DatabaseBackup;</li>
 * <li>the anchor: as many plain batch/v1 CronJobs in as many new namespaces, due in the same minute,
 * served by kube-controller-manager's CronJob controller; the delay to the moment a watch sees each Job.</li>
 * </ul>
 * Both figures are "scheduled time to the object that starts the work". The Jobs' pods stay Pending (the
 * process kubelet skips these namespaces). Each round also counts the API server's requests during its
 * burst, by verb and resource (apiserver_request_total), per run. Last line to BENCH_RESULT.
 */
class ScheduleScale {
    @RegisterExtension
    static final RealCluster cluster = new RealCluster();

    final int schedules = Integer.parseInt(System.getenv().getOrDefault("BENCH_SCHEDULES", "1000"));
    final int namespaces = Integer.parseInt(System.getenv().getOrDefault("BENCH_NAMESPACES", "100"));
    final int rounds = Integer.parseInt(System.getenv().getOrDefault("BENCH_ROUNDS", "2"));
    final boolean anchor = !"false".equals(System.getenv().getOrDefault("BENCH_CRONJOB", "true"));

    record Round(String kind, double p50, double p99, double max, Map<String, Double> requestsPerRun) {}

    @Test
    void measure() throws Exception {
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
        List<Round> ours = new ArrayList<>();
        List<Round> cron = new ArrayList<>();
        try {
            for (int r = 1; r <= rounds; r++) {
                ours.add(round(r, "schemaguard", "scale"));
                if (anchor) {
                    cron.add(round(r, "cronjob", "scale-cron"));
                }
            }
            long rss = operator.peakRssKiB();
            double p99 = median(ours.stream().map(Round::p99).toList());
            String last;
            if (anchor) {
                double cronP99 = median(cron.stream().map(Round::p99).toList());
                last = String.format(
                        Locale.ROOT,
                        "schedules=%d p99_s=%.2f cronjob_p99_s=%.2f vs_cronjob=%.2f peak_rss_mib=%d",
                        schedules,
                        p99,
                        cronP99,
                        cronP99 / p99,
                        rss / 1024);
            } else {
                last = String.format(
                        Locale.ROOT, "schedules=%d p99_s=%.2f peak_rss_mib=%d", schedules, p99, rss / 1024);
            }
            System.out.println(last);
            String out = System.getenv("BENCH_RESULT");
            if (out != null) {
                Files.writeString(Path.of(out), last + "\n");
            }
        } finally {
            cluster.stopOperator(operator);
        }
    }

    /** One round of {@code kind}: create, wait for the due minute, measure, then remove what fires again. */
    private Round round(int number, String kind, String prefix) throws Exception {
        KubernetesClient admin = cluster.admin();
        boolean isCron = kind.equals("cronjob");
        List<String> ns = new ArrayList<>();
        for (int i = 0; i < namespaces; i++) {
            ns.add(cluster.namespace(prefix));
        }
        // due at the first whole minute at least 75 s away, so every object exists (and has settled) before it
        Instant due = Instant.now().plusSeconds(135).truncatedTo(ChronoUnit.MINUTES);
        var utc = due.atZone(ZoneOffset.UTC);
        String cronExpr = utc.getMinute() + " " + utc.getHour() + " * * *";

        Map<String, Double> seen = new ConcurrentHashMap<>();
        AtomicLong early = new AtomicLong();
        Watcher<HasMetadata> watcher = new Watcher<>() {
            @Override
            public void eventReceived(Action action, HasMetadata o) {
                if (action == Action.ADDED && ns.contains(o.getMetadata().getNamespace())) {
                    Instant now = Instant.now();
                    if (now.isBefore(due)) {
                        early.incrementAndGet();
                    }
                    seen.putIfAbsent(
                            o.getMetadata().getNamespace() + "/"
                                    + o.getMetadata().getName(),
                            Duration.between(due, now).toNanos() / 1e9);
                }
            }

            @Override
            public void onClose(WatcherException cause) {}
        };
        @SuppressWarnings({"unchecked", "rawtypes"})
        Watch watch = isCron
                ? admin.batch().v1().jobs().inAnyNamespace().watch((Watcher) watcher)
                : admin.resources(DatabaseBackup.class).inAnyNamespace().watch((Watcher) watcher);
        long t0 = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> created = new ArrayList<>();
        for (int i = 0; i < schedules; i++) {
            String namespace = ns.get(i % namespaces);
            String name = "nightly-" + i;
            created.add(pool.submit(() -> isCron
                    ? admin.resource(cronJob(namespace, name, cronExpr)).create()
                    : admin.resource(schedule(namespace, name, cronExpr)).create()));
        }
        for (Future<?> f : created) {
            f.get();
        }
        pool.shutdown();
        System.out.printf(
                Locale.ROOT,
                "bench: round %d, %s: %d in %d namespaces created in %.1f s, all due at %s (%s UTC)%n",
                number,
                kind,
                schedules,
                namespaces,
                (System.nanoTime() - t0) / 1e9,
                due,
                cronExpr);
        assertThat(Instant.now())
                .as("every schedule exists before the due minute")
                .isBefore(due.minusSeconds(15));
        // the requests of the burst alone: counted from just before the due time
        Thread.sleep(
                Math.max(0, Duration.between(Instant.now(), due).minusSeconds(3).toMillis()));
        Map<String, Double> before = requests(admin);

        long deadline = System.nanoTime()
                + Duration.between(Instant.now(), due).plusSeconds(180).toNanos();
        while (seen.size() < schedules && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        watch.close();
        // then until the writes that follow a run (the backup's Job and status, the CronJob's status) settle
        Map<String, Double> after = settled(admin);
        Map<String, Double> perRun = new TreeMap<>();
        after.forEach((k, v) -> {
            double d = v - before.getOrDefault(k, 0.0);
            if (d >= schedules / 10.0) { // the requests that scale with the runs; not the odd lease renewal
                perRun.put(k, d / schedules);
            }
        });
        assertThat(early.get()).as("nothing before its time").isZero();
        assertThat(seen).as("one object for every schedule").hasSize(schedules);
        List<Double> delays = new ArrayList<>(seen.values());
        Collections.sort(delays);
        double p50 = delays.get((int) Math.ceil(0.50 * delays.size()) - 1);
        double p99 = delays.get((int) Math.ceil(0.99 * delays.size()) - 1);
        double max = delays.get(delays.size() - 1);
        StringBuilder req = new StringBuilder();
        double writes = 0;
        for (var e : perRun.entrySet()) {
            req.append(String.format(Locale.ROOT, " %s=%.2f", e.getKey(), e.getValue()));
            if (!e.getKey().startsWith("GET")
                    && !e.getKey().startsWith("LIST")
                    && !e.getKey().startsWith("WATCH")) {
                writes += e.getValue();
            }
        }
        System.out.printf(
                Locale.ROOT,
                "bench: round %d, %s: delay from the scheduled time to the %s: p50 %.2f s, p99 %.2f s, max %.2f s%n",
                number,
                kind,
                isCron ? "Job" : "DatabaseBackup",
                p50,
                p99,
                max);
        System.out.printf(
                Locale.ROOT,
                "bench: round %d, %s: API requests per run (all clients, writes %.2f):%s%n",
                number,
                kind,
                writes,
                req);
        // nothing fires again into the next round
        for (String n : ns) {
            if (isCron) {
                admin.batch().v1().cronjobs().inNamespace(n).delete();
            } else {
                cluster.deleteSchedules(n);
            }
        }
        return new Round(kind, p50, p99, max, perRun);
    }

    private static final Pattern REQUEST = Pattern.compile("^apiserver_request_total\\{([^}]*)} (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");

    /** The API server's request counters, summed by verb and resource (with subresource), e.g. "POST jobs". */
    static Map<String, Double> requests(KubernetesClient admin) {
        Map<String, Double> sums = new TreeMap<>();
        for (String line : admin.raw("/metrics").split("\n")) {
            Matcher m = REQUEST.matcher(line);
            if (!m.matches()) {
                continue;
            }
            Map<String, String> labels = new HashMap<>();
            Matcher l = LABEL.matcher(m.group(1));
            while (l.find()) {
                labels.put(l.group(1), l.group(2));
            }
            String resource = labels.getOrDefault("resource", "");
            if (resource.isEmpty()) {
                continue;
            }
            String sub = labels.getOrDefault("subresource", "");
            String key = labels.get("verb") + " " + resource + (sub.isEmpty() ? "" : "/" + sub);
            sums.merge(key, Double.parseDouble(m.group(2)), Double::sum);
        }
        return sums;
    }

    /** The counters once their total has stopped moving for 3 s (at most 60 s). */
    private static Map<String, Double> settled(KubernetesClient admin) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Map<String, Double> last = requests(admin);
        while (System.nanoTime() < deadline) {
            Thread.sleep(3000);
            Map<String, Double> now = requests(admin);
            double moved = now.entrySet().stream()
                    .filter(e -> !e.getKey().startsWith("WATCH")
                            && !e.getKey().startsWith("GET leases")
                            && !e.getKey().startsWith("PUT leases"))
                    .mapToDouble(e -> e.getValue() - last.getOrDefault(e.getKey(), 0.0))
                    .sum();
            last.clear();
            last.putAll(now);
            if (moved < 10) {
                break;
            }
        }
        return last;
    }

    private static double median(List<Double> values) {
        List<Double> v = new ArrayList<>(values);
        Collections.sort(v);
        int n = v.size();
        return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
    }

    /** A plain CronJob, as a team would write one for a nightly pg_dump; its pods stay Pending here. */
    static CronJob cronJob(String ns, String name, String cron) {
        return new CronJobBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(ns)
                .endMetadata()
                .withNewSpec()
                .withSchedule(cron)
                .withTimeZone("Etc/UTC")
                .withConcurrencyPolicy("Forbid")
                .withNewJobTemplate()
                .withNewSpec()
                .withBackoffLimit(0)
                .withNewTemplate()
                .withNewSpec()
                .withRestartPolicy("Never")
                .addNewContainer()
                .withName("backup")
                .withImage(RealCluster.RUNNER_IMAGE)
                .withArgs("backup")
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .endJobTemplate()
                .endSpec()
                .build();
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
