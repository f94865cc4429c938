package io.schemaguard.operator.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.schemaguard.operator.schedule.Retention.Backup;
import io.schemaguard.operator.schedule.Retention.Decision;
import io.schemaguard.operator.schedule.Retention.Outcome;
import io.schemaguard.operator.schedule.Retention.Policy;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class RetentionTest {
    static final ZoneId UTC = ZoneOffset.UTC;
    static final ZoneId NEW_YORK = ZoneId.of("America/New_York");
    /** A Wednesday, in ISO week 2026-W48; the daily backups below run at 03:00 UTC, so their ages are whole days. */
    static final Instant NOW = Instant.parse("2026-11-25T03:00:00Z");

    static final Duration DAYS_30 = Duration.ofDays(30);

    static Backup ok(String name, String time) {
        return new Backup(name, Instant.parse(time), Outcome.SUCCEEDED, null);
    }

    static Backup failed(String name, String time) {
        return new Backup(name, Instant.parse(time), Outcome.FAILED, null);
    }

    static Backup running(String name, String time) {
        return new Backup(name, Instant.parse(time), Outcome.RUNNING, null);
    }

    static Backup protectedBy(String reason, String name, String time, Outcome outcome) {
        return new Backup(name, Instant.parse(time), outcome, reason);
    }

    /** One succeeded backup a day at hh:mm UTC, named d-YYYY-MM-DD, from first to last inclusive. */
    static List<Backup> daily(String first, String last, String hhmm) {
        return LocalDate.parse(first)
                .datesUntil(LocalDate.parse(last).plusDays(1))
                .map(d -> ok("d-" + d, d + "T" + hhmm + ":00Z"))
                .toList();
    }

    /** The names daily() gives, newest first, from newest back to oldest inclusive. */
    static List<String> days(String newest, String oldest) {
        List<String> names = new ArrayList<>(LocalDate.parse(oldest)
                .datesUntil(LocalDate.parse(newest).plusDays(1))
                .map(d -> "d-" + d)
                .toList());
        Collections.reverse(names);
        return names;
    }

    static Policy policy(Integer last, Integer daily, Integer weekly, Integer monthly, Duration maxAge, int failed) {
        return new Policy(last, daily, weekly, monthly, maxAge, failed, UTC);
    }

    static Policy in(ZoneId zone, Policy p) {
        return new Policy(
                p.keepLast(), p.keepDaily(), p.keepWeekly(), p.keepMonthly(), p.maxAge(), p.failedHistoryLimit(), zone);
    }

    @SafeVarargs
    static <T> List<T> concat(List<T>... lists) {
        return Stream.of(lists).flatMap(List::stream).toList();
    }

    record Row(String name, List<Backup> backups, Policy policy, Instant now, List<String> kept) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Row> table() {
        return Stream.of(
                new Row("empty input", List.of(), policy(3, 7, 4, 12, DAYS_30, 3), NOW, List.of()),
                new Row(
                        "a policy with nothing set keeps every succeeded backup",
                        List.of(
                                ok("a", "2025-01-01T00:00:00Z"), ok("b", "2024-01-01T00:00:00Z"),
                                ok("c", "2020-01-01T00:00:00Z"), failed("f", "2019-01-01T00:00:00Z")),
                        policy(null, null, null, null, null, 1),
                        NOW,
                        List.of("a", "b", "c", "f")),
                new Row(
                        "maxAge 30d over 40 daily backups keeps 31: exactly 30d old is kept",
                        daily("2026-10-17", "2026-11-25", "03:00"),
                        policy(null, null, null, null, DAYS_30, 3),
                        NOW,
                        days("2026-11-25", "2026-10-26")),
                new Row(
                        "maxAge 30d one second later keeps 30: 30d and 1s old is deleted",
                        daily("2026-10-17", "2026-11-25", "03:00"),
                        policy(null, null, null, null, DAYS_30, 3),
                        NOW.plusSeconds(1),
                        days("2026-11-25", "2026-10-27")),
                new Row(
                        "keepLast 3",
                        daily("2026-11-16", "2026-11-25", "03:00"),
                        policy(3, null, null, null, null, 3),
                        NOW,
                        List.of("d-2026-11-25", "d-2026-11-24", "d-2026-11-23")),
                new Row(
                        "every keep* at 0 still keeps the newest succeeded",
                        daily("2026-11-16", "2026-11-25", "03:00"),
                        policy(0, 0, 0, 0, null, 3),
                        NOW,
                        List.of("d-2026-11-25")),
                new Row(
                        "keepDaily 7 with three backups a day keeps the newest of each of 7 days",
                        concat(
                                daily("2026-11-16", "2026-11-25", "01:00").stream()
                                        .map(b -> ok(b.name() + "-01", b.time().toString()))
                                        .toList(),
                                daily("2026-11-16", "2026-11-25", "09:00").stream()
                                        .map(b -> ok(b.name() + "-09", b.time().toString()))
                                        .toList(),
                                daily("2026-11-16", "2026-11-25", "17:00").stream()
                                        .map(b -> ok(b.name() + "-17", b.time().toString()))
                                        .toList()),
                        policy(null, 7, null, null, null, 3),
                        Instant.parse("2026-11-25T20:00:00Z"),
                        days("2026-11-25", "2026-11-19").stream()
                                .map(n -> n + "-17")
                                .toList()),
                new Row(
                        "keepDaily 3 counts days that have a backup, not the last 3 calendar days",
                        List.of(
                                ok("nov-25", "2026-11-25T03:00:00Z"), ok("nov-20", "2026-11-20T03:00:00Z"),
                                ok("nov-10", "2026-11-10T03:00:00Z"), ok("nov-01", "2026-11-01T03:00:00Z")),
                        policy(null, 3, null, null, null, 3),
                        NOW,
                        List.of("nov-25", "nov-20", "nov-10")),
                new Row(
                        "keepWeekly 4 across the year boundary: 2026-W51, W52, W53 (to Sun 2027-01-03), 2027-W01",
                        daily("2026-12-10", "2027-01-06", "12:00"),
                        policy(null, null, 4, null, null, 3),
                        Instant.parse("2027-01-06T13:00:00Z"),
                        List.of("d-2027-01-06", "d-2027-01-03", "d-2026-12-27", "d-2026-12-20")),
                new Row(
                        "keepMonthly 12 keeps the newest of each of the 12 most recent months",
                        LocalDate.parse("2025-09-01")
                                .datesUntil(LocalDate.parse("2026-12-01"))
                                .filter(d -> d.getDayOfMonth() == 1 || d.getDayOfMonth() == 15)
                                .map(d -> ok("m-" + d, d + "T03:00:00Z"))
                                .toList(),
                        policy(null, null, null, 12, null, 3),
                        NOW,
                        List.of(
                                "m-2026-11-15",
                                "m-2026-10-15",
                                "m-2026-09-15",
                                "m-2026-08-15",
                                "m-2026-07-15",
                                "m-2026-06-15",
                                "m-2026-05-15",
                                "m-2026-04-15",
                                "m-2026-03-15",
                                "m-2026-02-15",
                                "m-2026-01-15",
                                "m-2025-12-15")),
                new Row(
                        "maxAge 7d with keepMonthly 3: the 8 youngest, plus Oct 31 (only 2 months have a backup)",
                        daily("2026-10-17", "2026-11-25", "03:00"),
                        policy(null, null, null, 3, Duration.ofDays(7), 3),
                        NOW,
                        concat(days("2026-11-25", "2026-11-18"), List.of("d-2026-10-31"))),
                new Row(
                        "GFS 7/4/12 over 400 daily backups keeps 7 + 2 + 11 = 20",
                        daily("2025-10-22", "2026-11-25", "03:00"),
                        policy(null, 7, 4, 12, null, 3),
                        NOW,
                        concat(
                                days("2026-11-25", "2026-11-19"),
                                List.of(
                                        "d-2026-11-15",
                                        "d-2026-11-08",
                                        "d-2026-10-31",
                                        "d-2026-09-30",
                                        "d-2026-08-31",
                                        "d-2026-07-31",
                                        "d-2026-06-30",
                                        "d-2026-05-31",
                                        "d-2026-04-30",
                                        "d-2026-03-31",
                                        "d-2026-02-28",
                                        "d-2026-01-31",
                                        "d-2025-12-31"))),
                new Row(
                        "23:30 and 00:30 UTC are two days in UTC",
                        List.of(ok("a", "2026-11-24T23:30:00Z"), ok("b", "2026-11-25T00:30:00Z")),
                        policy(null, 2, null, null, null, 3),
                        NOW,
                        List.of("b", "a")),
                new Row(
                        "23:30 and 00:30 UTC are one day in New York",
                        List.of(ok("a", "2026-11-24T23:30:00Z"), ok("b", "2026-11-25T00:30:00Z")),
                        in(NEW_YORK, policy(null, 2, null, null, null, 3)),
                        NOW,
                        List.of("b")),
                new Row(
                        "Nov 30 noon and Dec 1 02:00 UTC are two months in UTC",
                        List.of(ok("nov-30", "2026-11-30T12:00:00Z"), ok("dec-01", "2026-12-01T02:00:00Z")),
                        policy(null, null, null, 2, null, 3),
                        Instant.parse("2026-12-01T03:00:00Z"),
                        List.of("dec-01", "nov-30")),
                new Row(
                        "Nov 30 noon and Dec 1 02:00 UTC are both November in New York",
                        List.of(ok("nov-30", "2026-11-30T12:00:00Z"), ok("dec-01", "2026-12-01T02:00:00Z")),
                        in(NEW_YORK, policy(null, null, null, 2, null, 3)),
                        Instant.parse("2026-12-01T03:00:00Z"),
                        List.of("dec-01")),
                new Row(
                        "pinned and keep-marked backups older than maxAge are kept",
                        List.of(
                                ok("new", "2026-11-24T03:00:00Z"),
                                protectedBy(
                                        "pinned by SafeMigration shop-v2",
                                        "old-pinned",
                                        "2026-09-26T03:00:00Z",
                                        Outcome.SUCCEEDED),
                                ok("old", "2026-09-26T02:00:00Z"),
                                protectedBy("marked keep", "old-marked", "2026-08-27T03:00:00Z", Outcome.SUCCEEDED)),
                        policy(null, null, null, null, DAYS_30, 3),
                        NOW,
                        List.of("new", "old-pinned", "old-marked")),
                new Row(
                        "a pinned failed backup is kept even with failed limit 0",
                        List.of(
                                failed("f", "2026-11-24T03:00:00Z"),
                                protectedBy(
                                        "pinned by SafeMigration shop-v2",
                                        "f-pinned",
                                        "2026-11-23T03:00:00Z",
                                        Outcome.FAILED)),
                        policy(null, null, null, null, DAYS_30, 0),
                        NOW,
                        List.of("f-pinned")),
                new Row(
                        "a protected backup takes no keepLast slot",
                        List.of(
                                protectedBy("marked keep", "p", "2026-11-25T02:00:00Z", Outcome.SUCCEEDED),
                                ok("s1", "2026-11-24T03:00:00Z"),
                                ok("s2", "2026-11-23T03:00:00Z")),
                        policy(1, null, null, null, null, 3),
                        NOW,
                        List.of("p", "s1")),
                new Row(
                        "the newest succeeded is kept though older than maxAge; a newer failed one does not count",
                        List.of(
                                failed("f1", "2026-11-24T03:00:00Z"),
                                ok("s1", "2026-10-16T03:00:00Z"),
                                ok("s2", "2026-10-06T03:00:00Z")),
                        policy(null, null, null, null, DAYS_30, 1),
                        NOW,
                        List.of("f1", "s1")),
                new Row(
                        "a pinned newest succeeded is the restorable one: older unpinned ones go by maxAge",
                        List.of(
                                protectedBy("marked keep", "p", "2026-10-16T03:00:00Z", Outcome.SUCCEEDED),
                                ok("s1", "2026-10-06T03:00:00Z")),
                        policy(null, null, null, null, DAYS_30, 3),
                        NOW,
                        List.of("p")),
                new Row(
                        "all failed, nothing succeeded: only the failed limit applies, maxAge keeps none beyond it",
                        List.of(
                                failed("f1", "2026-11-25T01:00:00Z"),
                                failed("f2", "2026-11-24T01:00:00Z"),
                                failed("f3", "2026-11-23T01:00:00Z"),
                                failed("f4", "2026-11-22T01:00:00Z"),
                                failed("f5", "2026-11-21T01:00:00Z")),
                        policy(3, null, null, null, DAYS_30, 3),
                        NOW,
                        List.of("f1", "f2", "f3")),
                new Row(
                        "failed limit 0 deletes every failed backup",
                        List.of(
                                failed("f1", "2026-11-25T01:00:00Z"),
                                ok("s1", "2026-11-24T01:00:00Z"),
                                failed("f2", "2026-11-23T01:00:00Z")),
                        policy(5, null, null, null, null, 0),
                        NOW,
                        List.of("s1")),
                new Row(
                        "failed backups take no keepLast slot",
                        List.of(
                                failed("f", "2026-11-25T01:00:00Z"), ok("s1", "2026-11-24T01:00:00Z"),
                                ok("s2", "2026-11-23T01:00:00Z"), ok("s3", "2026-11-22T01:00:00Z")),
                        policy(2, null, null, null, null, 0),
                        NOW,
                        List.of("s1", "s2")),
                new Row(
                        "running backups are never deleted and take no slot",
                        List.of(
                                running("r", "2026-11-25T02:00:00Z"), ok("s1", "2026-11-24T03:00:00Z"),
                                ok("s2", "2026-11-23T03:00:00Z"), running("r-old", "2026-08-17T03:00:00Z")),
                        policy(1, null, null, null, null, 3),
                        NOW,
                        List.of("r", "s1", "r-old")),
                new Row(
                        "running backups survive keep* at 0",
                        List.of(
                                running("r", "2026-11-25T02:00:00Z"),
                                ok("s1", "2026-11-24T03:00:00Z"),
                                ok("s2", "2026-11-23T03:00:00Z")),
                        policy(0, 0, null, null, null, 3),
                        NOW,
                        List.of("r", "s1")),
                new Row(
                        "equal times: the name sorting first counts as newer",
                        List.of(ok("b", "2026-11-24T03:00:00Z"), ok("a", "2026-11-24T03:00:00Z")),
                        policy(1, null, null, null, null, 3),
                        NOW,
                        List.of("a")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void decides(Row row) {
        Decision decision = Retention.decide(row.backups(), row.policy(), row.now());

        assertThat(decision.keep().keySet()).containsExactlyElementsOf(row.kept());
        List<String> deletedNewestFirst = row.backups().stream()
                .sorted(Retention.NEWEST_FIRST)
                .map(Backup::name)
                .filter(n -> !row.kept().contains(n))
                .toList();
        assertThat(decision.delete().keySet()).containsExactlyElementsOf(deletedNewestFirst);
    }

    @Test
    void reasonsNameTheRulesThatKeepOrWouldHaveKept() {
        List<Backup> backups = concat(
                daily("2025-10-22", "2026-11-25", "03:00"),
                List.of(
                        failed("f1", "2026-11-25T02:00:00Z"),
                        failed("f2", "2026-11-24T02:00:00Z"),
                        running("r", "2026-11-25T02:59:00Z"),
                        protectedBy(
                                "pinned by SafeMigration shop-v2",
                                "pinned",
                                "2025-01-01T00:00:00Z",
                                Outcome.SUCCEEDED)));
        Decision d = Retention.decide(backups, policy(1, 7, 4, 12, DAYS_30, 1), NOW);

        assertThat(d.keep())
                .containsEntry("d-2026-11-25", "last 1, daily 2026-11-25, weekly 2026-W48, monthly 2026-11, within 30d")
                .containsEntry("d-2026-11-22", "daily 2026-11-22, weekly 2026-W47, within 30d")
                .containsEntry("d-2026-11-15", "weekly 2026-W46, within 30d")
                .containsEntry("d-2026-10-31", "monthly 2026-10, within 30d")
                .containsEntry("d-2026-10-26", "within 30d")
                .containsEntry("d-2026-09-30", "monthly 2026-09")
                .containsEntry("d-2025-12-31", "monthly 2025-12")
                .containsEntry("f1", "failed within failedBackupsHistoryLimit=1")
                .containsEntry("r", "running")
                .containsEntry("pinned", "pinned by SafeMigration shop-v2");
        assertThat(d.delete())
                .containsEntry("f2", "failed beyond failedBackupsHistoryLimit=1")
                .containsEntry(
                        "d-2026-10-25",
                        "beyond keepLast=1, beyond keepDaily=7, "
                                + "beyond keepWeekly=4, newer one kept as monthly 2026-10, older than 30d")
                .containsEntry(
                        "d-2025-11-30",
                        "beyond keepLast=1, beyond keepDaily=7, "
                                + "beyond keepWeekly=4, beyond keepMonthly=12, older than 30d");
        // 31 within 30d (Oct 26 .. Nov 25; every kept day, week and the Nov and Oct months among them),
        // the 10 month ends Sep 2026 .. Dec 2025, and r, f1, pinned
        assertThat(d.keep()).hasSize(31 + 10 + 3);
        assertThat(d.keep().keySet()).first().isEqualTo("d-2026-11-25");
    }

    @Test
    void isoWeeksUseTheWeekBasedYear() {
        Decision d = Retention.decide(
                daily("2026-12-27", "2027-01-04", "12:00"),
                policy(null, null, 3, null, null, 3),
                Instant.parse("2027-01-05T00:00:00Z"));

        assertThat(d.keep())
                .containsExactly(
                        Map.entry("d-2027-01-04", "weekly 2027-W01"),
                        Map.entry("d-2027-01-03", "weekly 2026-W53"),
                        Map.entry("d-2026-12-27", "weekly 2026-W52"));
        assertThat(d.delete())
                .containsEntry("d-2026-12-31", "newer one kept as weekly 2026-W53")
                .containsEntry("d-2026-12-28", "newer one kept as weekly 2026-W53");
    }

    @Test
    void newestSucceededIsTheReasonOnlyWhenNoRuleKeepsIt() {
        Decision d = Retention.decide(
                List.of(ok("s1", "2026-10-16T03:00:00Z"), ok("s2", "2026-10-06T03:00:00Z")),
                policy(null, null, null, null, Duration.ofHours(36), 3),
                NOW);

        assertThat(d.keep()).containsExactly(Map.entry("s1", "newest succeeded"));
        assertThat(d.delete()).containsExactly(Map.entry("s2", "older than 36h"));
    }

    @Test
    void inputOrderDoesNotChangeTheDecision() {
        List<Backup> backups = concat(
                daily("2025-10-22", "2026-11-25", "03:00"),
                List.of(
                        failed("f1", "2026-11-25T02:00:00Z"),
                        failed("f2", "2026-11-24T02:00:00Z"),
                        running("r", "2026-11-25T02:59:00Z"),
                        ok("same-time-b", "2026-11-20T03:00:00Z"),
                        ok("same-time-a", "2026-11-20T03:00:00Z"),
                        protectedBy("marked keep", "kept", "2025-01-01T00:00:00Z", Outcome.FAILED)));
        Policy policy = in(NEW_YORK, policy(2, 7, 4, 12, Duration.ofDays(2), 1));
        Decision expected = Retention.decide(backups, policy, NOW);

        Random random = new Random(42);
        for (int i = 0; i < 5; i++) {
            List<Backup> shuffled = new ArrayList<>(backups);
            Collections.shuffle(shuffled, random);
            Decision d = Retention.decide(shuffled, policy, NOW);
            assertThat(List.copyOf(d.keep().entrySet()))
                    .isEqualTo(List.copyOf(expected.keep().entrySet()));
            assertThat(List.copyOf(d.delete().entrySet()))
                    .isEqualTo(List.copyOf(expected.delete().entrySet()));
        }
    }

    @Test
    void rejectsDuplicateNamesAndNegativeSettings() {
        assertThatThrownBy(() -> Retention.decide(
                        List.of(ok("a", "2026-11-24T03:00:00Z"), failed("a", "2026-11-23T03:00:00Z")),
                        policy(1, null, null, null, null, 3),
                        NOW))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("duplicate backup name a");
        assertThatThrownBy(() -> policy(null, -1, null, null, null, 3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> policy(null, null, null, null, Duration.ofDays(-1), 3))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> policy(null, null, null, null, null, -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
