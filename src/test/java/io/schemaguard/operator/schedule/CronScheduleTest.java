package io.schemaguard.operator.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class CronScheduleTest {

    static Instant at(String iso) {
        return Instant.parse(iso);
    }

    // 2026-03-10 is a Tuesday; 2026-03-13 a Friday; 2026-03-15 a Sunday.
    @ParameterizedTest(name = "{0} in {1} after {2} -> {3}")
    @CsvSource(
            nullValues = "none",
            value = {
                "@yearly,          UTC, 2026-03-10T12:00:00Z, 2027-01-01T00:00:00Z",
                "@annually,        UTC, 2026-03-10T12:00:00Z, 2027-01-01T00:00:00Z",
                "@monthly,         UTC, 2026-03-10T12:00:00Z, 2026-04-01T00:00:00Z",
                "@weekly,          UTC, 2026-03-10T12:00:00Z, 2026-03-15T00:00:00Z",
                "@daily,           UTC, 2026-03-10T12:00:00Z, 2026-03-11T00:00:00Z",
                "@midnight,        UTC, 2026-03-10T12:00:00Z, 2026-03-11T00:00:00Z",
                "@hourly,          UTC, 2026-03-10T12:10:00Z, 2026-03-10T13:00:00Z",
                "' @daily ',       UTC, 2026-03-10T12:00:00Z, 2026-03-11T00:00:00Z",
                "*/15 * * * *,     UTC, 2026-03-10T12:10:00Z, 2026-03-10T12:15:00Z",
                "*/15 * * * *,     UTC, 2026-03-10T12:15:00Z, 2026-03-10T12:30:00Z", // strictly after
                "*/15 * * * *,     UTC, 2026-03-10T12:14:59.999Z, 2026-03-10T12:15:00Z",
                "0 2 * * *,        UTC, 2026-03-10T12:00:00Z, 2026-03-11T02:00:00Z",
                "0 3 * * 1-5,      UTC, 2026-03-13T04:00:00Z, 2026-03-16T03:00:00Z", // Friday after 03:00 -> Monday
                "0 3 * * 1-5,      UTC, 2026-03-10T02:00:00Z, 2026-03-10T03:00:00Z",
                "0 3 * * MON-FRI,  UTC, 2026-03-13T04:00:00Z, 2026-03-16T03:00:00Z",
                "0 0 * * 7,        UTC, 2026-03-10T12:00:00Z, 2026-03-15T00:00:00Z", // 7 is Sunday, like 0
                "'0 3 1 JAN,JUL *', UTC, 2026-03-10T12:00:00Z, 2026-07-01T03:00:00Z",
                "0 3 1 jan-mar *,  UTC, 2026-03-10T12:00:00Z, 2027-01-01T03:00:00Z",
                "0 0 29 2 *,       UTC, 2026-03-01T00:00:00Z, 2028-02-29T00:00:00Z",
                "0 0 30 2 *,       UTC, 2026-03-01T00:00:00Z, none", // valid fields, never a date
                // 0 2 * * * in winter (CET +1, EST -5) and in summer (CEST +2, EDT -4)
                "0 2 * * *,        UTC,              2026-01-14T12:00:00Z, 2026-01-15T02:00:00Z",
                "0 2 * * *,        Europe/Madrid,    2026-01-14T12:00:00Z, 2026-01-15T01:00:00Z",
                "0 2 * * *,        America/New_York, 2026-01-14T12:00:00Z, 2026-01-15T07:00:00Z",
                "0 2 * * *,        UTC,              2026-07-14T12:00:00Z, 2026-07-15T02:00:00Z",
                "0 2 * * *,        Europe/Madrid,    2026-07-14T12:00:00Z, 2026-07-15T00:00:00Z",
                "0 2 * * *,        America/New_York, 2026-07-14T12:00:00Z, 2026-07-15T06:00:00Z",
                "0 2 * * *,        +05:30,           2026-07-14T12:00:00Z, 2026-07-14T20:30:00Z",
            })
    void nextAfter(String expression, String zone, String after, String expected) {
        CronSchedule schedule = CronSchedule.parse(expression, zone);
        assertThat(schedule.nextAfter(at(after))).isEqualTo(expected == null ? null : at(expected));
    }

    @ParameterizedTest(name = "{0} in {1} at or before {2} -> {3}")
    @CsvSource(
            nullValues = "none",
            value = {
                "30 2 * * *, UTC,              2026-01-10T02:30:00Z,     2026-01-10T02:30:00Z", // inclusive
                "30 2 * * *, UTC,              2026-01-10T02:30:30Z,     2026-01-10T02:30:00Z",
                "30 2 * * *, UTC,              2026-01-10T02:29:59.999Z, 2026-01-09T02:30:00Z",
                "@monthly,   UTC,              2026-03-10T12:00:00Z,     2026-03-01T00:00:00Z",
                "0 0 30 2 *, UTC,              2026-03-10T12:00:00Z,     none",
                "0 2 * * *,  Europe/Madrid,    2026-01-15T01:00:00Z,     2026-01-15T01:00:00Z",
                "0 2 * * *,  America/New_York, 2026-01-15T06:59:59Z,     2026-01-14T07:00:00Z",
                // Madrid, clocks back 03:00 CEST -> 02:00 CET on 2026-10-25 (01:00Z): 02:30 is shown twice
                "30 2 * * *, Europe/Madrid,    2026-10-25T00:20:00Z,     2026-10-24T00:30:00Z", // 02:20 CEST
                "30 2 * * *, Europe/Madrid,    2026-10-25T00:30:00Z,     2026-10-25T00:30:00Z", // 02:30 CEST
                "30 2 * * *, Europe/Madrid,    2026-10-25T01:10:00Z,     2026-10-25T00:30:00Z", // 02:10 CET
                "30 2 * * *, Europe/Madrid,    2026-10-25T01:45:00Z,     2026-10-25T00:30:00Z", // 02:45 CET
                "30 * * * *, Europe/Madrid,    2026-10-25T01:45:00Z,     2026-10-25T00:30:00Z", // no 02:30 CET either
                "30 * * * *, Europe/Madrid,    2026-10-25T02:30:00Z,     2026-10-25T02:30:00Z", // 03:30 CET
                // Madrid, clocks forward 02:00 CET -> 03:00 CEST on 2026-03-29 (01:00Z): 02:30 is never shown
                "30 2 * * *, Europe/Madrid,    2026-03-29T00:59:59Z,     2026-03-28T01:30:00Z",
                "30 2 * * *, Europe/Madrid,    2026-03-29T01:00:00Z,     2026-03-29T01:00:00Z",
                "30 2 * * *, Europe/Madrid,    2026-03-29T23:00:00Z,     2026-03-29T01:00:00Z",
                // New York, clocks forward 02:00 EST -> 03:00 EDT on 2026-03-08 (07:00Z)
                "30 2 * * *, America/New_York, 2026-03-08T07:00:00Z,     2026-03-08T07:00:00Z",
                // New York, clocks back 02:00 EDT -> 01:00 EST on 2026-11-01 (06:00Z): 01:30 is shown twice
                "30 1 * * *, America/New_York, 2026-11-01T06:45:00Z,     2026-11-01T05:30:00Z", // 01:45 EST
            })
    void lastAtOrBefore(String expression, String zone, String at, String expected) {
        CronSchedule schedule = CronSchedule.parse(expression, zone);
        assertThat(schedule.lastAtOrBefore(at(at))).isEqualTo(expected == null ? null : at(expected));
    }

    record Sequence(String name, String expression, String zone, String after, List<String> expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Sequence> daylightSaving() {
        return Stream.of(
                new Sequence(
                        "Madrid spring: 02:30 never shown, runs once when clocks jump to 03:00 CEST",
                        "30 2 * * *",
                        "Europe/Madrid",
                        "2026-03-27T12:00:00Z",
                        List.of("2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z")),
                new Sequence(
                        "Madrid spring: 02:00 itself is never shown either",
                        "0 2 * * *",
                        "Europe/Madrid",
                        "2026-03-27T12:00:00Z",
                        List.of("2026-03-28T01:00:00Z", "2026-03-29T01:00:00Z", "2026-03-30T00:00:00Z")),
                new Sequence(
                        "Madrid autumn: 02:30 shown twice, runs once at 02:30 CEST",
                        "30 2 * * *",
                        "Europe/Madrid",
                        "2026-10-23T12:00:00Z",
                        List.of("2026-10-24T00:30:00Z", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z")),
                new Sequence(
                        "New York spring: 02:30 never shown, runs at 03:00 EDT",
                        "30 2 * * *",
                        "America/New_York",
                        "2026-03-06T12:00:00Z",
                        List.of("2026-03-07T07:30:00Z", "2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z")),
                new Sequence(
                        "New York autumn: 02:30 shown once (the repeated hour is 01:xx)",
                        "30 2 * * *",
                        "America/New_York",
                        "2026-10-30T12:00:00Z",
                        List.of("2026-10-31T06:30:00Z", "2026-11-01T07:30:00Z", "2026-11-02T07:30:00Z")),
                new Sequence(
                        "New York autumn: 01:30 shown twice, runs once at 01:30 EDT",
                        "30 1 * * *",
                        "America/New_York",
                        "2026-10-30T12:00:00Z",
                        List.of("2026-10-31T05:30:00Z", "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z")),
                new Sequence(
                        "Madrid autumn hourly: the repeated 02:30 CET does not run",
                        "30 * * * *",
                        "Europe/Madrid",
                        "2026-10-24T23:00:00Z",
                        List.of("2026-10-24T23:30:00Z", "2026-10-25T00:30:00Z", "2026-10-25T02:30:00Z")),
                new Sequence(
                        "Madrid spring every 15 min: the skipped hour's times run once, at the jump",
                        "*/15 * * * *",
                        "Europe/Madrid",
                        "2026-03-29T00:40:00Z",
                        List.of("2026-03-29T00:45:00Z", "2026-03-29T01:00:00Z", "2026-03-29T01:15:00Z")),
                new Sequence(
                        "Madrid spring: a search from inside the jump's instant",
                        "30 2 * * *",
                        "Europe/Madrid",
                        "2026-03-29T00:59:59Z",
                        List.of("2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z")),
                new Sequence(
                        "Madrid autumn: a search from 02:10 CET, inside the repeated hour",
                        "30 2 * * *",
                        "Europe/Madrid",
                        "2026-10-25T01:10:00Z",
                        List.of("2026-10-26T01:30:00Z")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("daylightSaving")
    void nextTimesAcrossDaylightSaving(Sequence row) {
        CronSchedule schedule = CronSchedule.parse(row.expression(), row.zone());
        List<Instant> actual = new ArrayList<>();
        Instant t = at(row.after());
        for (int i = 0; i < row.expected().size(); i++) {
            t = schedule.nextAfter(t);
            actual.add(t);
        }
        assertThat(actual)
                .containsExactlyElementsOf(
                        row.expected().stream().map(Instant::parse).toList());
    }

    /** Daily schedules run exactly once on each local day of the transitions, whatever the hour. */
    @ParameterizedTest(name = "{0} on {1}")
    @CsvSource({
        "Europe/Madrid,    2026-03-29",
        "Europe/Madrid,    2026-10-25",
        "America/New_York, 2026-03-08",
        "America/New_York, 2026-11-01",
    })
    void dailyRunsOnceOnTransitionDays(String zone, String date) {
        ZoneId id = ZoneId.of(zone);
        Instant dayStart = LocalDateTime.parse(date + "T00:00").atZone(id).toInstant();
        Instant dayEnd =
                LocalDateTime.parse(date + "T00:00").plusDays(1).atZone(id).toInstant();
        for (int hour = 0; hour < 24; hour++) {
            for (int minute : new int[] {0, 30, 59}) {
                CronSchedule schedule = CronSchedule.parse(minute + " " + hour + " * * *", zone);
                List<Instant> runs = new ArrayList<>();
                for (Instant t = schedule.nextAfter(dayStart.minusNanos(1));
                        t.isBefore(dayEnd);
                        t = schedule.nextAfter(t)) {
                    runs.add(t);
                }
                assertThat(runs).as("%02d:%02d", hour, minute).hasSize(1);
                Instant run = runs.get(0);
                assertThat(schedule.lastAtOrBefore(run)).isEqualTo(run);
                assertThat(schedule.lastAtOrBefore(run.minusSeconds(1))).isBefore(dayStart);
            }
        }
    }

    /**
     * What cron-utils alone does in the zone, and why CronSchedule places wall-clock times itself: it skips the
     * spring time and, searched from inside the repeated hour, returns the autumn time a second time.
     */
    @Test
    void cronUtilsAloneSkipsTheSpringTimeAndRepeatsTheAutumnOne() {
        ExecutionTime raw = ExecutionTime.forCron(
                new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX)).parse("30 2 * * *"));
        ZoneId madrid = ZoneId.of("Europe/Madrid");
        ZonedDateTime spring = at("2026-03-28T12:00:00Z").atZone(madrid);
        assertThat(raw.nextExecution(spring).orElseThrow().toInstant()).isEqualTo(at("2026-03-30T00:30:00Z"));
        ZonedDateTime autumnSecondPass = at("2026-10-25T00:45:00Z").atZone(madrid); // 02:45 CEST
        assertThat(raw.nextExecution(autumnSecondPass).orElseThrow().toInstant())
                .isEqualTo(at("2026-10-25T01:30:00Z"));

        CronSchedule schedule = CronSchedule.parse("30 2 * * *", "Europe/Madrid");
        assertThat(schedule.nextAfter(at("2026-03-28T12:00:00Z"))).isEqualTo(at("2026-03-29T01:00:00Z"));
        assertThat(schedule.nextAfter(at("2026-10-25T00:45:00Z"))).isEqualTo(at("2026-10-26T01:30:00Z"));
    }

    @ParameterizedTest(name = "zone {0} -> {1}")
    @CsvSource(
            nullValues = "none",
            value = {
                "none,          UTC",
                "'',            UTC",
                "'  ',          UTC",
                "Europe/Madrid, Europe/Madrid",
                "' Europe/Madrid ', Europe/Madrid",
                "+02:00,        +02:00",
            })
    void zone(String given, String expected) {
        CronSchedule schedule = CronSchedule.parse("@daily", given);
        assertThat(schedule.zone()).isEqualTo(ZoneId.of(expected));
        assertThat(schedule.expression()).isEqualTo("@daily");
    }

    @ParameterizedTest(name = "{0} / {1}")
    @CsvSource(
            nullValues = "none",
            delimiter = '|',
            value = {
                "0 2 * * * *   | UTC           | invalid schedule \"0 2 * * * *\": Cron expression contains 6 parts but we expect one of [5]",
                "61 * * * *    | UTC           | invalid schedule \"61 * * * *\": Failed to parse cron expression. Value 61 not in range [0, 59]",
                "0 24 * * *    | UTC           | invalid schedule \"0 24 * * *\": Failed to parse cron expression. Value 24 not in range [0, 23]",
                "*/0 * * * *   | UTC           | invalid schedule \"*/0 * * * *\": Failed to parse cron expression. Period 0 not in range [0, 59]",
                "''            | UTC           | invalid schedule \"\": Empty expression!",
                "none          | UTC           | invalid schedule null: Expression must not be null",
                "garbage       | UTC           | invalid schedule \"garbage\": Cron expression contains 1 parts but we expect one of [5]",
                "0 2 * * FOO   | UTC           | invalid schedule \"0 2 * * FOO\": Failed to parse cron expression. Invalid chars in expression! Expression: FOO Invalid chars: FOO",
                "@reboot       | UTC           | invalid schedule \"@reboot\": unknown macro; use 5 fields or one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly",
                "@dialy        | UTC           | invalid schedule \"@dialy\": unknown macro; use 5 fields or one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly",
                "@daily        | Mars/Olympus  | unknown time zone \"Mars/Olympus\": Unknown time-zone ID: Mars/Olympus",
                "@daily        | europe/madrid | unknown time zone \"europe/madrid\": Unknown time-zone ID: europe/madrid",
                "@daily        | +25:00        | unknown time zone \"+25:00\": Zone offset hours not in valid range: value 25 is not in the range -18 to 18",
            })
    void invalid(String expression, String zone, String message) {
        assertThatThrownBy(() -> CronSchedule.parse(expression, zone))
                .isInstanceOf(InvalidScheduleException.class)
                .hasMessage(message);
    }
}
