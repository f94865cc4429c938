package io.schemaguard.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.schemaguard.contract.FailureReason;
import io.schemaguard.contract.RunnerResult;
import java.time.Duration;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

/** Option converters and the termination-message contract between runner and operator. */
class SmallPartsTest {

    @Test
    void byteSizes() {
        ByteSizeConverter c = new ByteSizeConverter();
        assertThat(c.convert("16MiB")).isEqualTo(16 * 1024 * 1024);
        assertThat(c.convert("5m")).isEqualTo(5 * 1024 * 1024);
        assertThat(c.convert("64KiB")).isEqualTo(64 * 1024);
        assertThat(c.convert("1048576")).isEqualTo(1048576);
        assertThatThrownBy(() -> c.convert("4GiB")).hasMessageContaining("too large");
    }

    @Test
    void durations() {
        DurationConverter c = new DurationConverter();
        assertThat(c.convert("10s")).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.convert("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(c.convert("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(c.convert("PT1H")).isEqualTo(Duration.ofHours(1));
        assertThat(c.convert("0")).isZero();
        assertThatThrownBy(() -> c.convert("10x")).hasMessageContaining("invalid duration");
    }

    @Test
    void terminationMessagesRoundTripAndStayShort() {
        RunnerResult failed = RunnerResult.failed(FailureReason.StorageFull, "x".repeat(5000));
        assertThat(failed.toJson().length()).isLessThan(4096);
        RunnerResult parsed = RunnerResult.parse(failed.toJson());
        assertThat(parsed.reason()).isEqualTo("StorageFull");
        assertThat(parsed.succeeded()).isFalse();
        assertThat(RunnerResult.parse("panic: the log tail of a crashed container"))
                .isNull();
        assertThat(RunnerResult.parse("{\"unrelated\":1}")).isNull();
        assertThat(RunnerResult.parse(null)).isNull();
    }

    @Test
    void configurationErrorsShareOneExitCodeThatThePodFailurePolicyStopsOn() {
        var notWorthRetrying = EnumSet.of(
                FailureReason.InvalidArguments,
                FailureReason.PgToolTooOld,
                FailureReason.TargetNotEmpty,
                FailureReason.PrerequisitesMissing,
                FailureReason.MigrationBlocked,
                FailureReason.BackupStale,
                FailureReason.RehearsalRefused,
                FailureReason.BackupInProgress,
                FailureReason.StorageUnsupported);
        for (FailureReason r : notWorthRetrying) {
            assertThat(r.exitCode()).as(r.name()).isEqualTo(FailureReason.CONFIGURATION_EXIT_CODE);
        }
        for (FailureReason r : FailureReason.values()) {
            if (!notWorthRetrying.contains(r)) {
                assertThat(r.exitCode())
                        .as(r.name())
                        .isNotEqualTo(FailureReason.CONFIGURATION_EXIT_CODE)
                        .isNotZero();
            }
        }
    }
}
