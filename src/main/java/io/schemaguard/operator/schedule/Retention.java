package io.schemaguard.operator.schedule;

import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.WeekFields;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * Which backups of a BackupSchedule to keep and which to delete: grandfather-father-son retention (as in
 * restic, borg or K8up) plus a maximum age, decided from the backups, the policy and {@code now} alone.
 *
 * <ul>
 * <li>RUNNING backups are never deleted and count toward no rule.</li>
 * <li>Protected backups ({@code protectedReason} set: pinned by a SafeMigration, marked keep) are never
 * deleted, whatever their outcome or age, and take no slot of any rule (keep*, failed history).</li>
 * <li>FAILED backups: the newest {@code failedHistoryLimit} are kept, the rest deleted. Nothing else
 * (keep*, maxAge, newest succeeded) keeps or counts them.</li>
 * <li>SUCCEEDED backups: with no keep* rule and no maxAge set, all are kept. Otherwise one is kept when ANY
 * rule keeps it, and deleted when none does. keepLast N keeps the N newest; keepDaily/keepWeekly/keepMonthly
 * N keep the newest backup of each of the N most recent calendar days / ISO weeks (week-based year) / months
 * in the policy's zone that have a backup (not the last N days of the calendar); maxAge keeps every backup
 * with {@code now - time <= maxAge}, the boundary included. So maxAge alone is the seed's "30 days" and
 * keeps everything younger; keep* rules set with it keep older backups too. A rule at 0 keeps nothing.</li>
 * <li>The newest SUCCEEDED backup (protected or not) is never deleted, even when no rule keeps it: a
 * schedule always leaves a restorable backup.</li>
 * </ul>
 * Backups are ordered newest first, ties on time by name (the name sorting first counts as newer), so the
 * decision does not depend on the input order. Names must be unique.
 */
public final class Retention {
    private Retention() {}

    public enum Outcome {
        SUCCEEDED,
        FAILED,
        RUNNING
    }

    /**
     * One DatabaseBackup of a schedule. time = when it was scheduled/created. protectedReason non-null when it
     * must never be deleted (e.g. "pinned by SafeMigration x", "marked keep").
     */
    public record Backup(String name, Instant time, Outcome outcome, String protectedReason) {
        public Backup {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(time, "time");
            Objects.requireNonNull(outcome, "outcome");
        }
    }

    /**
     * Any keep* may be null (not used); maxAge null = no age limit; zone = the schedule's time zone for calendar
     * days, weeks and months; failedHistoryLimit = how many FAILED backups to keep, newest first.
     */
    public record Policy(
            Integer keepLast,
            Integer keepDaily,
            Integer keepWeekly,
            Integer keepMonthly,
            Duration maxAge,
            int failedHistoryLimit,
            ZoneId zone) {
        public Policy {
            for (Integer keep : new Integer[] {keepLast, keepDaily, keepWeekly, keepMonthly}) {
                if (keep != null && keep < 0) {
                    throw new IllegalArgumentException("keep* must not be negative: " + keep);
                }
            }
            if (maxAge != null && maxAge.isNegative()) {
                throw new IllegalArgumentException("maxAge must not be negative: " + maxAge);
            }
            if (failedHistoryLimit < 0) {
                throw new IllegalArgumentException("failedHistoryLimit must not be negative: " + failedHistoryLimit);
            }
            Objects.requireNonNull(zone, "zone");
        }

        boolean anyRule() {
            return keepLast != null || keepDaily != null || keepWeekly != null || keepMonthly != null || maxAge != null;
        }
    }

    /** Names to keep and to delete, each with its reason(s), both ordered newest first. */
    public record Decision(Map<String, String> keep, Map<String, String> delete) {}

    static final Comparator<Backup> NEWEST_FIRST =
            Comparator.comparing(Backup::time).reversed().thenComparing(Backup::name);

    public static Decision decide(List<Backup> backups, Policy policy, Instant now) {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(now, "now");
        List<Backup> ordered = backups.stream().sorted(NEWEST_FIRST).toList();
        Set<String> names = new HashSet<>();
        for (Backup b : ordered) {
            if (!names.add(b.name())) {
                throw new IllegalArgumentException("duplicate backup name " + b.name());
            }
        }
        String newestSucceeded = ordered.stream()
                .filter(b -> b.outcome() == Outcome.SUCCEEDED)
                .map(Backup::name)
                .findFirst()
                .orElse(null);
        List<Rule> rules = rules(policy);
        String failedLimit = "failedBackupsHistoryLimit=" + policy.failedHistoryLimit();
        int failedKept = 0;

        Map<String, String> keep = new LinkedHashMap<>();
        Map<String, String> delete = new LinkedHashMap<>();
        for (Backup b : ordered) {
            if (b.protectedReason() != null) {
                keep.put(b.name(), b.protectedReason());
            } else if (b.outcome() == Outcome.RUNNING) {
                keep.put(b.name(), "running");
            } else if (b.outcome() == Outcome.FAILED) {
                if (failedKept < policy.failedHistoryLimit()) {
                    failedKept++;
                    keep.put(b.name(), "failed within " + failedLimit);
                } else {
                    delete.put(b.name(), "failed beyond " + failedLimit);
                }
            } else if (!policy.anyRule()) {
                keep.put(b.name(), "no retention rule");
            } else {
                List<String> keptBy = new ArrayList<>();
                List<String> notKeptBy = new ArrayList<>();
                ZonedDateTime local = b.time().atZone(policy.zone());
                for (Rule rule : rules) { // every rule sees every backup: a slot counts even if another rule keeps it
                    String reason = rule.offer(local, notKeptBy);
                    if (reason != null) {
                        keptBy.add(reason);
                    }
                }
                if (policy.maxAge() != null) {
                    boolean young = Duration.between(b.time(), now).compareTo(policy.maxAge()) <= 0;
                    (young ? keptBy : notKeptBy).add((young ? "within " : "older than ") + human(policy.maxAge()));
                }
                if (keptBy.isEmpty() && b.name().equals(newestSucceeded)) {
                    keptBy.add("newest succeeded");
                }
                if (keptBy.isEmpty()) {
                    delete.put(b.name(), String.join(", ", notKeptBy));
                } else {
                    keep.put(b.name(), String.join(", ", keptBy));
                }
            }
        }
        return new Decision(Collections.unmodifiableMap(keep), Collections.unmodifiableMap(delete));
    }

    private static List<Rule> rules(Policy policy) {
        List<Rule> rules = new ArrayList<>();
        if (policy.keepLast() != null) {
            rules.add(new Rule("keepLast", "last", policy.keepLast(), null));
        }
        if (policy.keepDaily() != null) {
            rules.add(new Rule(
                    "keepDaily",
                    "daily",
                    policy.keepDaily(),
                    t -> t.toLocalDate().toString()));
        }
        if (policy.keepWeekly() != null) {
            rules.add(new Rule(
                    "keepWeekly",
                    "weekly",
                    policy.keepWeekly(),
                    t -> String.format(
                            Locale.ROOT,
                            "%d-W%02d",
                            t.get(WeekFields.ISO.weekBasedYear()),
                            t.get(WeekFields.ISO.weekOfWeekBasedYear()))));
        }
        if (policy.keepMonthly() != null) {
            rules.add(new Rule(
                    "keepMonthly",
                    "monthly",
                    policy.keepMonthly(),
                    t -> YearMonth.from(t).toString()));
        }
        return rules;
    }

    /**
     * One keep* rule, offered the succeeded backups newest first. Periods come in order, so the first backup of
     * a period is its newest; it is kept while fewer than {@code limit} periods have been kept.
     */
    private static final class Rule {
        private final String setting;
        private final String label;
        private final int limit;
        private final Function<ZonedDateTime, String> period; // null: every backup is its own period (keepLast)
        private int kept;
        private String currentPeriod;
        private boolean currentKept;

        Rule(String setting, String label, int limit, Function<ZonedDateTime, String> period) {
            this.setting = setting;
            this.label = label;
            this.limit = limit;
            this.period = period;
        }

        /** The reason this rule keeps the backup, or null after adding why it does not to notKeptBy. */
        String offer(ZonedDateTime time, List<String> notKeptBy) {
            String p = period == null ? null : period.apply(time);
            if (period == null || !p.equals(currentPeriod)) {
                currentPeriod = p;
                currentKept = kept < limit;
                if (currentKept) {
                    kept++;
                    return label + " " + (p == null ? String.valueOf(kept) : p);
                }
            } else if (currentKept) {
                notKeptBy.add("newer one kept as " + label + " " + p);
                return null;
            }
            notKeptBy.add("beyond " + setting + "=" + limit);
            return null;
        }
    }

    /** 30d, 36h, 90m, else ISO-8601. */
    static String human(Duration d) {
        long s = d.getSeconds();
        if (d.getNano() != 0) {
            return d.toString();
        }
        if (s % 86_400 == 0) {
            return s / 86_400 + "d";
        }
        if (s % 3_600 == 0) {
            return s / 3_600 + "h";
        }
        if (s % 60 == 0) {
            return s / 60 + "m";
        }
        return d.toString();
    }
}
