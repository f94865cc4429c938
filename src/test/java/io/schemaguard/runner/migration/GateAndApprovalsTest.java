package io.schemaguard.runner.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.schemaguard.api.Durations;
import io.schemaguard.api.Phase;
import io.schemaguard.contract.MigrationGate;
import io.schemaguard.contract.MigrationGate.Decision;
import io.schemaguard.runner.migration.lint.Finding;
import io.schemaguard.runner.migration.lint.Finding.Severity;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GateAndApprovalsTest {
    static final Instant RUN = Instant.parse("2026-11-25T10:00:00Z");

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            nullValues = "-",
            value = {
                "no backup yet,                 -,         -,        -,        10:01:00, WAIT",
                "backup running,                Running,   10:00:05, -,        10:01:00, WAIT",
                "backup pending,                Pending,   10:00:05, -,        10:01:00, WAIT",
                "backup failed,                 Failed,    10:00:05, -,        10:01:00, CLOSED",
                "fresh backup,                  Succeeded, 10:00:05, 10:02:00, 10:03:00, OPEN",
                "exactly maxAge old,            Succeeded, 10:00:05, 10:02:00, 10:17:00, OPEN",
                "older than maxAge,             Succeeded, 10:00:05, 10:02:00, 10:17:01, STALE",
                "operator down for an hour,     Succeeded, 10:00:05, 10:02:00, 11:02:00, STALE",
                "backup taken before the run,   Succeeded, 09:59:59, 10:00:30, 10:01:00, STALE",
                "succeeded without completion,  Succeeded, 10:00:05, -,        10:01:00, STALE"
            })
    void theGateOpensOnlyOnAFreshSuccessfulBackupOfThisRun(
            String name, Phase phase, String created, String completed, String now, Decision expected) {
        assertThat(MigrationGate.decide(phase, at(created), at(completed), RUN, Duration.ofMinutes(15), at(now)))
                .isEqualTo(expected);
    }

    static Instant at(String hhmmss) {
        return hhmmss == null ? null : Instant.parse("2026-11-25T" + hhmmss + "Z");
    }

    @Test
    void durations() {
        assertThat(Durations.parse("15m")).isEqualTo(Duration.ofMinutes(15));
        assertThat(Durations.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThatThrownBy(() -> Durations.parse("15")).hasMessageContaining("invalid duration");
        assertThatThrownBy(() -> Durations.parse("m15")).hasMessageContaining("invalid duration");
    }

    static Finding finding(String rule, boolean destructive, String hash) {
        return finding(rule, destructive ? Severity.DATA_LOSS : Severity.NOTE, hash);
    }

    static Finding finding(String rule, Severity severity, String hash) {
        return new Finding(
                "V2__x.sql", 3, rule, severity, false, hash, "DROP TABLE orders", "drops table orders", List.of());
    }

    @Test
    void destructiveFindingsBlockUnlessAllowedOrApprovedOneByOne() {
        List<Finding> findings = List.of(
                finding("drop-table", true, "a".repeat(64)),
                finding("drop-column", true, "b".repeat(64)),
                finding("opaque-block", false, "c".repeat(64)));
        var none = Approvals.judge(findings, false, List.of());
        assertThat(Approvals.blocking(none)).isEqualTo(2);
        assertThat(none.get(2).blocks())
                .as("non-destructive findings never block")
                .isFalse();

        var one = Approvals.judge(findings, false, List.of("a".repeat(64)));
        assertThat(Approvals.blocking(one)).isEqualTo(1);
        assertThat(one.get(0).approved()).isTrue();
        assertThat(one.get(1).blocks()).isTrue();

        var all = Approvals.judge(findings, true, List.of());
        assertThat(Approvals.blocking(all)).isZero();
        assertThat(all.get(2).approved()).as("approval is about data loss").isFalse();
    }

    @Test
    void lockHazardsWarnByDefaultAndBlockWhenAskedUntilApproved() {
        List<Finding> findings = List.of(
                finding("index-without-concurrently", Severity.HAZARD, "d".repeat(64)),
                finding("drop-table", Severity.DATA_LOSS, "e".repeat(64)));
        var warn = Approvals.judge(findings, false, List.of(), false);
        assertThat(warn).extracting(Approvals.Judged::blocks).containsExactly(false, true);

        var block = Approvals.judge(findings, false, List.of(), true);
        assertThat(block).extracting(Approvals.Judged::blocks).containsExactly(true, true);
        assertThat(Approvals.judge(findings, true, List.of(), true))
                .extracting(Approvals.Judged::blocks)
                .as("allowing data loss does not wave lock hazards through")
                .containsExactly(true, false);
        assertThat(Approvals.judge(findings, false, List.of("d".repeat(64)), true))
                .extracting(Approvals.Judged::blocks)
                .as("an approved hazard runs")
                .containsExactly(false, true);
    }
}
