package io.schemaguard.operator.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RunEndTest {

    static RunEnd end(String run, String phase) {
        if (phase == null) {
            return RunEnd.NONE;
        }
        boolean terminal = switch (phase) {
            case "Succeeded", "Failed", "Blocked", "Restored" -> true;
            default -> false;
        };
        return new RunEnd(run, phase, terminal);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            nullValues = "-",
            value = {
                // case,                                     before run, before phase, after run, after phase, finished
                "no status yet and still none,                -, -,         -, -,         false",
                "first status not ended,                     -, -,         1, Pending,   false",
                "a run starts,                                1, Pending,   1, Running,   false",
                "a run ends,                                  1, Running,   1, Succeeded, true",
                "a run fails,                                 1, Migrating, 1, Failed,    true",
                "ended on its first pass (blocked at plan),   -, -,         1, Blocked,   true",
                "a resync of the ended run,                   1, Succeeded, 1, Succeeded, false",
                "the operator restarts and reads it back,     1, Failed,    1, Failed,    false",
                "an ended run's message changes phase name,   1, Failed,    1, Restored,  false",
                "the next generation ends straight away,      1, Succeeded, 2, Blocked,   true",
                "the next generation starts,                  1, Succeeded, 2, Pending,   false",
                "a restore (one run) ends,                    '', Running,  '', Succeeded, true",
                "a restore's resync,                          '', Failed,   '', Failed,    false",
            })
    void aRunIsCountedOnceWhenItEnds(
            String name, String beforeRun, String beforePhase, String afterRun, String afterPhase, boolean finished) {
        assertThat(RunEnd.finished(end(beforeRun, beforePhase), end(afterRun, afterPhase)))
                .isEqualTo(finished);
    }

    @Test
    void nullsAreNoRun() {
        assertThat(RunEnd.finished(null, null)).isFalse();
        assertThat(RunEnd.finished(null, end("1", "Succeeded"))).isTrue();
    }

    @Test
    void metricsAreRecordedOnceWithTheirLabelsAndDuration() {
        var registry = new SimpleMeterRegistry();
        var metrics = new RunMetrics(registry);
        RunEnd running = end("", "Running");
        RunEnd done = end("", "Succeeded");
        metrics.restore("ns", "Replace", running, done, "2026-12-01T10:00:00Z", "2026-12-01T10:00:42Z");
        metrics.restore("ns", "Replace", done, done, "2026-12-01T10:00:00Z", "2026-12-01T10:00:42Z");
        metrics.migration("ns", "Flyway", end("3", "Migrating"), end("3", "Failed"), "2026-12-01T10:00:00Z", null);

        assertThat(registry.get("schemaguard.restore.runs")
                        .tags("namespace", "ns", "mode", "Replace", "result", "Succeeded")
                        .counter()
                        .count())
                .isEqualTo(1.0);
        var timer = registry.get("schemaguard.restore.duration")
                .tags("namespace", "ns", "mode", "Replace", "result", "Succeeded")
                .timer();
        assertThat(timer.count()).isEqualTo(1);
        assertThat(timer.totalTime(java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(42.0);
        assertThat(registry.get("schemaguard.migration.runs")
                        .tags("namespace", "ns", "engine", "Flyway", "result", "Failed")
                        .counter()
                        .count())
                .isEqualTo(1.0);
        assertThat(registry.find("schemaguard.migration.duration").timer())
                .as("no start time, no duration")
                .isNull();
    }
}
