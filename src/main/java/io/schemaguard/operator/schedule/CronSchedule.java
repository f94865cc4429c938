package io.schemaguard.operator.schedule;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A 5-field Unix cron expression (or a macro such as {@code @daily}) read as wall-clock times in a time zone.
 *
 * <p>Why not simply cron-utils' {@link ExecutionTime} in the zone: around daylight saving changes it skips a
 * time the clocks jump over (a {@code 30 2 * * *} backup in Europe/Madrid would not run on the last Sunday of
 * March) and, depending on where the search starts, returns a time the clocks show twice at both instants (the
 * same backup could run twice on the last Sunday of October). A backup schedule should do neither, so the cron
 * times are computed by cron-utils on the plain wall-clock calendar (no daylight saving) and each wall-clock
 * time is then placed on the time line like classic Unix cron does:
 * <ul>
 * <li>a wall-clock time shown twice (clocks go back) fires once, at its first occurrence;</li>
 * <li>a wall-clock time that is never shown (clocks go forward) fires at the instant the clocks jump; several
 * such times fire once, together.</li>
 * </ul>
 * So a daily schedule fires exactly once every day, and the times returned are strictly increasing.
 * Frequent schedules pay for that: {@code *}{@code /15 * * * *} in Europe/Madrid has no run during the repeated
 * hour in October. Use the UTC zone to follow elapsed time instead of the wall clock.
 */
public final class CronSchedule {
    public static final String UTC = "UTC";

    /** cron-utils' UNIX definition does not accept macros; these are their usual meanings. */
    private static final Map<String, String> MACROS = Map.of(
            "@yearly", "0 0 1 1 *",
            "@annually", "0 0 1 1 *",
            "@monthly", "0 0 1 * *",
            "@weekly", "0 0 * * 0",
            "@daily", "0 0 * * *",
            "@midnight", "0 0 * * *",
            "@hourly", "0 * * * *");

    private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

    private final String expression;
    private final ZoneId zone;
    private final ZoneRules rules;
    /** The cron's times on the wall clock, computed in UTC where no time is skipped or repeated. */
    private final ExecutionTime wallClock;

    private CronSchedule(String expression, ZoneId zone, ExecutionTime wallClock) {
        this.expression = expression;
        this.zone = zone;
        this.rules = zone.getRules();
        this.wallClock = wallClock;
    }

    /**
     * @param expression 5-field Unix cron (names such as {@code MON-FRI} or {@code JAN} allowed) or one of
     *        {@code @yearly @annually @monthly @weekly @daily @midnight @hourly}
     * @param timeZone an ID that {@link ZoneId#of} accepts, such as {@code Europe/Madrid}; null or blank is UTC
     * @throws InvalidScheduleException with a message naming the input and the parser's reason
     */
    public static CronSchedule parse(String expression, String timeZone) {
        ZoneId zone = parseZone(timeZone);
        String trimmed = expression == null ? null : expression.trim();
        String fields = trimmed;
        if (trimmed != null && trimmed.startsWith("@")) {
            fields = MACROS.get(trimmed.toLowerCase(Locale.ROOT));
            if (fields == null) {
                throw new InvalidScheduleException("invalid schedule " + quote(expression)
                        + ": unknown macro; use 5 fields or one of @yearly, @annually, @monthly, @weekly, @daily,"
                        + " @midnight, @hourly");
            }
        }
        Cron cron;
        try {
            cron = PARSER.parse(fields).validate();
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new InvalidScheduleException("invalid schedule " + quote(expression) + ": " + e.getMessage(), e);
        }
        return new CronSchedule(trimmed, zone, ExecutionTime.forCron(cron));
    }

    private static ZoneId parseZone(String timeZone) {
        if (timeZone == null || timeZone.isBlank()) {
            return ZoneId.of(UTC);
        }
        try {
            return ZoneId.of(timeZone.trim());
        } catch (DateTimeException e) {
            throw new InvalidScheduleException("unknown time zone " + quote(timeZone) + ": " + e.getMessage(), e);
        }
    }

    private static String quote(String s) {
        return s == null ? "null" : '"' + s + '"';
    }

    /** The first scheduled time strictly after {@code t}, or null if the expression never fires again. */
    public Instant nextAfter(Instant t) {
        // Every wall-clock time up to t's own maps to an instant <= t (see place()), so start there. Inside a
        // repeated hour the next few wall-clock times may still map to their first, earlier occurrence: skip them.
        LocalDateTime from = LocalDateTime.ofInstant(t, zone);
        while (true) {
            Optional<ZonedDateTime> next = wallClock.nextExecution(from.atZone(ZoneOffset.UTC));
            if (next.isEmpty()) {
                return null;
            }
            from = next.get().toLocalDateTime();
            Instant placed = place(from);
            if (placed.isAfter(t)) {
                return placed;
            }
        }
    }

    /** The most recent scheduled time at or before {@code t}, or null if the expression never fired before. */
    public Instant lastAtOrBefore(Instant t) {
        LocalDateTime local = LocalDateTime.ofInstant(t, zone);
        // Wall-clock times are whole minutes: the last one <= local is the last one before the next minute.
        LocalDateTime before = local.truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
        ZoneOffsetTransition transition = rules.getTransition(local);
        if (transition != null && transition.isOverlap() && rules.getOffset(t).equals(transition.getOffsetAfter())) {
            // t is in the second pass of a repeated hour: the whole repeated hour fired in its first pass, before t.
            before = transition.getDateTimeBefore();
        }
        Optional<ZonedDateTime> last = wallClock.lastExecution(before.atZone(ZoneOffset.UTC));
        return last.map(w -> place(w.toLocalDateTime())).orElse(null);
    }

    /**
     * The instant a wall-clock time fires at. Never decreasing as the wall-clock time grows, which is what lets
     * nextAfter and lastAtOrBefore search the wall clock.
     */
    private Instant place(LocalDateTime wall) {
        ZoneOffsetTransition transition = rules.getTransition(wall);
        if (transition == null) {
            return wall.atZone(zone).toInstant();
        }
        if (transition.isGap()) {
            return transition.getInstant();
        }
        return wall.toInstant(transition.getOffsetBefore());
    }

    /** The expression as given (trimmed), macros not expanded. */
    public String expression() {
        return expression;
    }

    public ZoneId zone() {
        return zone;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CronSchedule other && expression.equals(other.expression) && zone.equals(other.zone);
    }

    @Override
    public int hashCode() {
        return Objects.hash(expression, zone);
    }

    @Override
    public String toString() {
        return expression + " (" + zone + ")";
    }
}
