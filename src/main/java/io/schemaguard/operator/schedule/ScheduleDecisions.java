package io.schemaguard.operator.schedule;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * When a BackupSchedule runs, decided from what is persisted (its lastScheduleTime and creation time) and the
 * time passed in, never from memory: an operator restarted at any moment makes the same decision.
 */
public final class ScheduleDecisions {
    /**
     * Missed times are counted one by one for the status and Events; after an outage of a year a
     * {@code * * * * *} schedule has half a million. Counting stops here, and {@link Decision#missed()} equal to
     * this means "this many or more".
     */
    public static final int MISSED_COUNT_CAP = 1000;

    private ScheduleDecisions() {}

    /**
     * @param runFor the scheduled (nominal, unjittered) time to run a backup for now, or null; the caller
     *        stores it as lastScheduleTime once the run is created
     * @param next when the next run will be due (its nominal time plus the jitter): to requeue at and to show as
     *        nextScheduleTime; null if the schedule never fires again
     * @param missed due times older than runFor (or than skipped) that get no run of their own: only the latest
     *        is ever caught up; at most {@link #MISSED_COUNT_CAP}, meaning that many or more
     * @param tooLate the latest due time is past its starting deadline, so it is skipped
     * @param skipped that time when tooLate, else null; the caller stores it as lastScheduleTime so it is not
     *        considered again
     */
    public record Decision(Instant runFor, Instant next, int missed, boolean tooLate, Instant skipped) {}

    /**
     * Like a Kubernetes CronJob, except that after an outage only the latest missed time is run.
     *
     * <p>A scheduled time t is due once {@code t + jitter <= now}. The times considered are those after
     * lastScheduleTime (after creationTime before the first run); the latest due one is run, unless now is later
     * than its due instant plus startingDeadline.
     *
     * @param lastScheduleTime the nominal time of the last run (or skip), null before the first
     * @param creationTime when the schedule was created; times before it never run
     * @param startingDeadline null for no deadline
     * @param jitter this schedule's delay after each nominal time (see {@link #jitter}), null for none
     */
    public static Decision decide(
            CronSchedule schedule,
            Instant lastScheduleTime,
            Instant creationTime,
            Duration startingDeadline,
            Duration jitter,
            Instant now) {
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(now, "now");
        Instant since =
                lastScheduleTime != null ? lastScheduleTime : Objects.requireNonNull(creationTime, "creationTime");
        Duration delay = jitter == null ? Duration.ZERO : jitter;
        if (delay.isNegative()) {
            throw new IllegalArgumentException("jitter must not be negative: " + jitter);
        }
        if (startingDeadline != null && startingDeadline.isNegative()) {
            throw new IllegalArgumentException("startingDeadline must not be negative: " + startingDeadline);
        }
        Instant dueBy = now.minus(delay); // nominal times up to this one are due
        Instant next = nextDue(schedule, later(dueBy, since), delay);

        Instant latest = schedule.lastAtOrBefore(dueBy);
        if (latest == null || !latest.isAfter(since)) {
            return new Decision(null, next, 0, false, null);
        }
        int missed = countBetween(schedule, since, latest);
        if (startingDeadline != null && now.isAfter(latest.plus(delay).plus(startingDeadline))) {
            return new Decision(null, next, missed, true, latest);
        }
        return new Decision(latest, next, missed, false, null);
    }

    /** Nominal times strictly between from and to, counted up to {@link #MISSED_COUNT_CAP}. */
    private static int countBetween(CronSchedule schedule, Instant from, Instant to) {
        int count = 0;
        for (Instant t = schedule.nextAfter(from);
                t != null && t.isBefore(to) && count < MISSED_COUNT_CAP;
                t = schedule.nextAfter(t)) {
            count++;
        }
        return count;
    }

    private static Instant nextDue(CronSchedule schedule, Instant after, Duration delay) {
        Instant nominal = schedule.nextAfter(after);
        return nominal == null ? null : nominal.plus(delay);
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    /**
     * A stable delay in [0, window), whole seconds, derived from key (for example namespace/name): schedules
     * sharing a cron expression start spread over the window instead of all at once against the same storage and
     * databases, and each keeps the same delay across restarts and replicas. Null or zero window: no delay.
     */
    public static Duration jitter(String key, Duration window) {
        Objects.requireNonNull(key, "key");
        if (window == null || window.isZero()) {
            return Duration.ZERO;
        }
        if (window.isNegative()) {
            throw new IllegalArgumentException("jitter window must not be negative: " + window);
        }
        long hash =
                ByteBuffer.wrap(sha256(key.getBytes(StandardCharsets.UTF_8))).getLong();
        long millis = Long.remainderUnsigned(hash, window.toMillis() == 0 ? 1 : window.toMillis());
        return Duration.ofMillis(millis).truncatedTo(ChronoUnit.SECONDS);
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java runtime", e);
        }
    }
}
