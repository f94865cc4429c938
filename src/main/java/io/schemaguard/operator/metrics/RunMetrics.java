package io.schemaguard.operator.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * Prometheus metrics of restores and migrations (Micrometer; scraped at /q/metrics), recorded once
 * when a run ends ({@link RunEnd#finished}): {@code schemaguard_restore_runs_total} and
 * {@code schemaguard_restore_duration_seconds} by namespace, mode and result;
 * {@code schemaguard_migration_runs_total} and {@code schemaguard_migration_duration_seconds} by
 * namespace, engine and result. The Grafana dashboard (deploy/grafana) reads them.
 */
@ApplicationScoped
public class RunMetrics {

    @Inject
    MeterRegistry registry;

    public RunMetrics() {}

    /** For tests without CDI. */
    public RunMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** A DatabaseRestore's pass; {@code mode} NewDatabase or Replace. */
    public void restore(
            String namespace, String mode, RunEnd before, RunEnd after, String startedAt, String completedAt) {
        record("restore", Tags.of("namespace", namespace, "mode", mode), before, after, startedAt, completedAt);
    }

    /** A SafeMigration's pass; {@code engine} Flyway, Prisma or Command. */
    public void migration(
            String namespace, String engine, RunEnd before, RunEnd after, String startedAt, String completedAt) {
        record("migration", Tags.of("namespace", namespace, "engine", engine), before, after, startedAt, completedAt);
    }

    private void record(String what, Tags tags, RunEnd before, RunEnd after, String startedAt, String completedAt) {
        if (!RunEnd.finished(before, after)) {
            return;
        }
        Tags withResult = tags.and("result", after.phase());
        Counter.builder("schemaguard." + what + ".runs")
                .description("Ended " + what + " runs, by result")
                .tags(withResult)
                .register(registry)
                .increment();
        Duration took = between(startedAt, completedAt);
        if (took != null) {
            Timer.builder("schemaguard." + what + ".duration")
                    .description("Wall time of " + what + " runs, from start to end")
                    .tags(withResult)
                    .register(registry)
                    .record(took);
        }
    }

    /** Null when either end is unknown (a run blocked before it started has no start). */
    private static Duration between(String startedAt, String completedAt) {
        if (startedAt == null || completedAt == null) {
            return null;
        }
        try {
            Duration d = Duration.between(Instant.parse(startedAt), Instant.parse(completedAt));
            return d.isNegative() ? Duration.ZERO : d;
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
