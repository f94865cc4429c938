package io.schemaguard.operator.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.schemaguard.operator.schedule.ScheduleDecisions.Decision;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class ScheduleDecisionsTest {
    static final String HOURLY = "0 * * * *";
    static final Instant CREATED = Instant.parse("2026-05-04T09:20:00Z");

    record Row(
            String name,
            String expression,
            String zone,
            String lastScheduleTime,
            Instant creationTime,
            Duration startingDeadline,
            Duration jitter,
            String now,
            Decision expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Instant t(String iso) {
        return iso == null ? null : Instant.parse(iso);
    }

    static Decision run(String runFor, String next, int missed) {
        return new Decision(t(runFor), t(next), missed, false, null);
    }

    static Decision wait(String next) {
        return new Decision(null, t(next), 0, false, null);
    }

    static Decision tooLate(String skipped, String next, int missed) {
        return new Decision(null, t(next), missed, true, t(skipped));
    }

    static Row hourly(String name, String last, Duration deadline, Duration jitter, String now, Decision expected) {
        return new Row(name, HOURLY, null, last, CREATED, deadline, jitter, now, expected);
    }

    static Stream<Row> table() {
        Duration m7 = Duration.ofMinutes(7);
        return Stream.of(
                hourly(
                        "first run after creation",
                        null,
                        null,
                        null,
                        "2026-05-04T10:00:05Z",
                        run("2026-05-04T10:00:00Z", "2026-05-04T11:00:00Z", 0)),
                hourly("not yet due", null, null, null, "2026-05-04T09:59:59Z", wait("2026-05-04T10:00:00Z")),
                hourly(
                        "exactly due",
                        null,
                        null,
                        null,
                        "2026-05-04T10:00:00Z",
                        run("2026-05-04T10:00:00Z", "2026-05-04T11:00:00Z", 0)),
                hourly(
                        "jitter delays a due time",
                        null,
                        null,
                        m7,
                        "2026-05-04T10:06:59Z",
                        wait("2026-05-04T10:07:00Z")),
                hourly(
                        "jittered time due",
                        null,
                        null,
                        m7,
                        "2026-05-04T10:07:00Z",
                        run("2026-05-04T10:00:00Z", "2026-05-04T11:07:00Z", 0)),
                hourly(
                        "operator down across 5 times: one run for the latest, 4 missed",
                        "2026-05-04T10:00:00Z",
                        null,
                        null,
                        "2026-05-04T15:30:00Z",
                        run("2026-05-04T15:00:00Z", "2026-05-04T16:00:00Z", 4)),
                hourly(
                        "outage with jitter: the 15:00 time is not due until 15:07",
                        "2026-05-04T10:00:00Z",
                        null,
                        m7,
                        "2026-05-04T15:05:00Z",
                        run("2026-05-04T14:00:00Z", "2026-05-04T15:07:00Z", 3)),
                hourly(
                        "starting deadline exceeded: skipped, not run",
                        "2026-05-04T10:00:00Z",
                        Duration.ofMinutes(10),
                        null,
                        "2026-05-04T15:30:00Z",
                        tooLate("2026-05-04T15:00:00Z", "2026-05-04T16:00:00Z", 4)),
                hourly(
                        "starting deadline reached exactly: still runs",
                        "2026-05-04T10:00:00Z",
                        Duration.ofMinutes(30),
                        null,
                        "2026-05-04T15:30:00Z",
                        run("2026-05-04T15:00:00Z", "2026-05-04T16:00:00Z", 4)),
                hourly(
                        "starting deadline counts from the jittered due instant",
                        "2026-05-04T14:00:00Z",
                        Duration.ofMinutes(10),
                        m7,
                        "2026-05-04T15:17:00Z",
                        run("2026-05-04T15:00:00Z", "2026-05-04T16:07:00Z", 0)),
                hourly(
                        "starting deadline with jitter exceeded by a second",
                        "2026-05-04T14:00:00Z",
                        Duration.ofMinutes(10),
                        m7,
                        "2026-05-04T15:17:01Z",
                        tooLate("2026-05-04T15:00:00Z", "2026-05-04T16:07:00Z", 0)),
                hourly(
                        "zero starting deadline: only a decision at the due instant runs",
                        "2026-05-04T14:00:00Z",
                        Duration.ZERO,
                        null,
                        "2026-05-04T15:00:00Z",
                        run("2026-05-04T15:00:00Z", "2026-05-04T16:00:00Z", 0)),
                hourly(
                        "a time already run (persisted) is not run again",
                        "2026-05-04T15:00:00Z",
                        null,
                        null,
                        "2026-05-04T15:30:00Z",
                        wait("2026-05-04T16:00:00Z")),
                hourly(
                        "a time skipped as too late (persisted) is not reconsidered",
                        "2026-05-04T15:00:00Z",
                        Duration.ofMinutes(10),
                        null,
                        "2026-05-04T15:30:00Z",
                        wait("2026-05-04T16:00:00Z")),
                hourly(
                        "lastScheduleTime wins over creationTime",
                        "2026-05-04T12:00:00Z",
                        null,
                        null,
                        "2026-05-04T12:30:00Z",
                        wait("2026-05-04T13:00:00Z")),
                new Row(
                        "created just after a scheduled time: that time is not run",
                        HOURLY,
                        null,
                        null,
                        Instant.parse("2026-05-04T10:00:01Z"),
                        null,
                        null,
                        "2026-05-04T10:30:00Z",
                        wait("2026-05-04T11:00:00Z")),
                new Row(
                        "created exactly at a scheduled time: that time is not run",
                        HOURLY,
                        null,
                        null,
                        Instant.parse("2026-05-04T10:00:00Z"),
                        null,
                        null,
                        "2026-05-04T10:00:00Z",
                        wait("2026-05-04T11:00:00Z")),
                new Row(
                        "created within the jitter after a time: next is the following time",
                        HOURLY,
                        null,
                        null,
                        Instant.parse("2026-05-04T10:05:00Z"),
                        null,
                        Duration.ofMinutes(10),
                        "2026-05-04T10:05:00Z",
                        wait("2026-05-04T11:10:00Z")),
                hourly(
                        "clock behind the persisted time: nothing runs, next after it",
                        "2026-05-04T11:00:00Z",
                        null,
                        null,
                        "2026-05-04T10:30:00Z",
                        wait("2026-05-04T12:00:00Z")),
                new Row(
                        "expression that never fires",
                        "0 0 30 2 *",
                        null,
                        null,
                        CREATED,
                        null,
                        null,
                        "2026-05-04T10:30:00Z",
                        wait(null)),
                new Row(
                        "daily in Madrid: the spring time runs when the clocks jump",
                        "30 2 * * *",
                        "Europe/Madrid",
                        "2026-03-28T01:30:00Z",
                        CREATED.minus(Duration.ofDays(100)),
                        null,
                        null,
                        "2026-03-29T01:00:00Z",
                        run("2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z", 0)),
                new Row(
                        "daily in Madrid: 02:30 CET after 02:30 CEST ran is not run again",
                        "30 2 * * *",
                        "Europe/Madrid",
                        "2026-10-25T00:30:00Z",
                        CREATED,
                        null,
                        null,
                        "2026-10-25T01:45:00Z",
                        wait("2026-10-26T01:30:00Z")),
                new Row(
                        "daily in New York: 01:30 EST after 01:30 EDT ran is not run again",
                        "30 1 * * *",
                        "America/New_York",
                        "2026-11-01T05:30:00Z",
                        CREATED,
                        null,
                        null,
                        "2026-11-01T06:31:00Z",
                        wait("2026-11-02T06:30:00Z")),
                new Row(
                        "weekdays: a weekend outage catches up Friday's time only once on Monday morning",
                        "0 3 * * 1-5",
                        null,
                        "2026-05-07T03:00:00Z",
                        CREATED,
                        null,
                        null,
                        "2026-05-11T02:00:00Z",
                        run("2026-05-08T03:00:00Z", "2026-05-11T03:00:00Z", 0)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void decide(Row row) {
        Decision decision = ScheduleDecisions.decide(
                CronSchedule.parse(row.expression(), row.zone()),
                t(row.lastScheduleTime()),
                row.creationTime(),
                row.startingDeadline(),
                row.jitter(),
                t(row.now()));
        assertThat(decision).isEqualTo(row.expected());
    }

    @Test
    void aYearLongOutageOfAnEveryMinuteScheduleIsDecidedQuicklyWithTheCountCapped() {
        CronSchedule everyMinute = CronSchedule.parse("* * * * *", null);
        Decision decision = assertTimeoutPreemptively(
                Duration.ofSeconds(10),
                () -> ScheduleDecisions.decide(
                        everyMinute,
                        Instant.parse("2025-05-04T00:00:00Z"),
                        CREATED,
                        null,
                        null,
                        Instant.parse("2026-05-04T00:00:30Z")));
        assertThat(decision)
                .isEqualTo(new Decision(
                        Instant.parse("2026-05-04T00:00:00Z"),
                        Instant.parse("2026-05-04T00:01:00Z"),
                        ScheduleDecisions.MISSED_COUNT_CAP,
                        false,
                        null));
    }

    @Test
    void negativeDurationsAreRejected() {
        CronSchedule schedule = CronSchedule.parse(HOURLY, null);
        Instant now = Instant.parse("2026-05-04T10:00:00Z");
        assertThatThrownBy(() -> ScheduleDecisions.decide(schedule, null, CREATED, null, Duration.ofSeconds(-1), now))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ScheduleDecisions.decide(schedule, null, CREATED, Duration.ofSeconds(-1), null, now))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ScheduleDecisions.jitter("a", Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** Values computed apart from the code: SHA-256 of the key, first 8 bytes unsigned, mod 3,600,000 ms. */
    @ParameterizedTest(name = "{0} in {1} -> {2}")
    @CsvSource(
            nullValues = "none",
            value = {
                "shop/nightly,   PT1H,    PT38M56S",
                "billing/hourly, PT1H,    PT26M30S",
                "shop/nightly,   none,    PT0S",
                "shop/nightly,   PT0S,    PT0S",
                "shop/nightly,   PT0.5S,  PT0S",
                "shop/nightly,   PT1S,    PT0S",
            })
    void jitter(String key, String window, String expected) {
        Duration w = window == null ? null : Duration.parse(window);
        assertThat(ScheduleDecisions.jitter(key, w)).isEqualTo(Duration.parse(expected));
        assertThat(ScheduleDecisions.jitter(key, w)).isEqualTo(Duration.parse(expected)); // same on every call
    }

    @Test
    void jitterSpreadsKeysOverTheWindow() {
        Duration window = Duration.ofHours(1);
        Set<Long> minutes = new HashSet<>();
        Set<Duration> offsets = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            Duration offset = ScheduleDecisions.jitter("team-" + (i % 10) + "/db-" + i, window);
            assertThat(offset).isGreaterThanOrEqualTo(Duration.ZERO).isLessThan(window);
            assertThat(offset.getNano()).isZero();
            minutes.add(offset.toMinutes());
            offsets.add(offset);
        }
        assertThat(minutes).hasSizeGreaterThanOrEqualTo(30);
        assertThat(offsets).hasSizeGreaterThan(800); // 3,600 possible seconds: few collisions
    }
}
