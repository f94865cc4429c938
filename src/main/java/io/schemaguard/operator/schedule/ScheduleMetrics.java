package io.schemaguard.operator.schedule;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.schemaguard.api.BackupSchedule;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.Phase;
import io.schemaguard.operator.jobs.Labels;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Prometheus metrics of scheduled backups (Micrometer; scraped at /q/metrics): when each schedule
 * last succeeded, how long and how large its backups are, failures by reason, what retention
 * deleted, and how late runs start. A backup's outcome is counted once per operator process.
 */
@ApplicationScoped
public class ScheduleMetrics {
    private static final int REMEMBERED = 20_000;

    @Inject
    MeterRegistry registry;

    private final Map<String, AtomicLong> lastSuccess = new ConcurrentHashMap<>();
    private final Set<String> counted = ConcurrentHashMap.newKeySet();
    private final Map<String, AtomicLong> orphans = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> missing = new ConcurrentHashMap<>();

    void scheduled(BackupSchedule schedule, Instant now, DatabaseBackup created) {
        Tags tags = tags(schedule);
        Counter.builder("schemaguard.schedule.runs")
                .description("Backups a schedule created")
                .tags(tags)
                .register(registry)
                .increment();
        String scheduled = created.getMetadata().getAnnotations().get(Labels.SCHEDULED_TIME_ANNOTATION);
        if (scheduled != null) {
            Duration delay = Duration.between(Instant.parse(scheduled), now);
            Timer.builder("schemaguard.schedule.delay")
                    .description("From a run's scheduled time (jitter included) to" + " its DatabaseBackup's creation")
                    .tags(tags)
                    .register(registry)
                    .record(delay.isNegative() ? Duration.ZERO : delay);
        }
    }

    void pruned(BackupSchedule schedule) {
        Counter.builder("schemaguard.retention.deletions")
                .description("Backups deleted by retention")
                .tags(tags(schedule))
                .register(registry)
                .increment();
    }

    /** Records what the schedule's backups show: last success, and each finished backup once. */
    void observe(BackupSchedule schedule, List<DatabaseBackup> backups) {
        Tags tags = tags(schedule);
        String key = schedule.getMetadata().getNamespace() + "/"
                + schedule.getMetadata().getName();
        for (DatabaseBackup b : backups) {
            var st = b.getStatus();
            if (st == null
                    || st.getPhase() == null
                    || !st.getPhase().isTerminal()
                    || !schedule.getMetadata()
                            .getName()
                            .equals(
                                    b.getMetadata().getAnnotations() == null
                                            ? null
                                            : b.getMetadata().getAnnotations().get(Labels.SCHEDULE_NAME_ANNOTATION))) {
                continue;
            }
            if (st.getPhase() == Phase.Succeeded && st.getCompletedAt() != null) {
                long t = Instant.parse(st.getCompletedAt()).getEpochSecond();
                lastSuccess
                        .computeIfAbsent(key, k -> {
                            AtomicLong v = new AtomicLong();
                            registry.gauge(
                                    "schemaguard.backup.last.success.timestamp.seconds",
                                    tags.and("database", database(schedule)),
                                    v);
                            return v;
                        })
                        .accumulateAndGet(t, Math::max);
            }
            String uid = b.getMetadata().getUid() == null
                    ? b.getMetadata().getName()
                    : b.getMetadata().getUid();
            if (counted.size() > REMEMBERED) {
                counted.clear();
            }
            if (!counted.add(uid)) {
                continue;
            }
            if (st.getPhase() == Phase.Succeeded) {
                if (st.getStartedAt() != null && st.getCompletedAt() != null) {
                    Timer.builder("schemaguard.backup.duration")
                            .description("Wall time of scheduled backups")
                            .tags(tags)
                            .register(registry)
                            .record(Duration.between(
                                    Instant.parse(st.getStartedAt()), Instant.parse(st.getCompletedAt())));
                }
                if (st.getSizeBytes() != null) {
                    DistributionSummary.builder("schemaguard.backup.size")
                            .baseUnit("bytes")
                            .description("Stored size of scheduled backups")
                            .tags(tags)
                            .register(registry)
                            .record(st.getSizeBytes());
                }
            } else {
                String reason = st.getConditions() == null
                        ? "Unknown"
                        : st.getConditions().stream()
                                .filter(c -> "Ready".equals(c.getType()))
                                .map(c -> c.getReason())
                                .findFirst()
                                .orElse("Unknown");
                Counter.builder("schemaguard.backup.failures")
                        .description("Scheduled backups that failed, by reason")
                        .tags(tags.and("reason", reason))
                        .register(registry)
                        .increment();
            }
        }
    }

    /** What the schedule's last orphan scan found, as gauges the PrometheusRule alerts on. */
    void orphans(BackupSchedule schedule) {
        var o = schedule.getStatus() == null ? null : schedule.getStatus().getOrphans();
        if (o == null || o.getOrphanCount() == null) {
            return;
        }
        String key = schedule.getMetadata().getNamespace() + "/"
                + schedule.getMetadata().getName();
        orphanGauge(key, "schemaguard.backup.orphans", schedule, orphans).set(o.getOrphanCount());
        orphanGauge(key, "schemaguard.backup.missing.objects", schedule, missing)
                .set(o.getMissingCount());
    }

    private AtomicLong orphanGauge(String key, String name, BackupSchedule schedule, Map<String, AtomicLong> into) {
        return into.computeIfAbsent(key, k -> registry.gauge(name, tags(schedule), new AtomicLong()));
    }

    private static Tags tags(BackupSchedule s) {
        return Tags.of(
                "namespace",
                s.getMetadata().getNamespace(),
                "schedule",
                s.getMetadata().getName());
    }

    private static String database(BackupSchedule s) {
        var t = s.getSpec().getTemplate();
        if (t == null || t.getDatabase() == null) {
            return "";
        }
        return t.getDatabase().getName() != null
                ? t.getDatabase().getName()
                : "secret:" + t.getDatabase().getUriSecretRef().getName();
    }
}
