package io.schemaguard.kubectl;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/** Ages and durations the way kubectl prints them (45s, 3m12s, 2h5m, 4d). */
public final class Times {
    private Times() {}

    public static Instant parse(String t) {
        if (t == null || t.isBlank()) {
            return null;
        }
        try {
            return Instant.parse(t);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** From {@code from} to {@code to} (or to {@code now} while still running); "" when it never started. */
    public static String between(String from, String to, Instant now) {
        Instant a = parse(from);
        if (a == null) {
            return "";
        }
        Instant b = parse(to);
        return format(Duration.between(a, b == null ? now : b));
    }

    public static String age(String t, Instant now) {
        Instant a = parse(t);
        return a == null ? "" : format(Duration.between(a, now));
    }

    public static String format(Duration d) {
        long s = Math.max(0, d.getSeconds());
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return s / 60 + "m" + (s % 60 == 0 ? "" : s % 60 + "s");
        }
        if (s < 86400) {
            return s / 3600 + "h" + (s % 3600 / 60 == 0 ? "" : s % 3600 / 60 + "m");
        }
        return s / 86400 + "d" + (s % 86400 / 3600 == 0 ? "" : s % 86400 / 3600 + "h");
    }
}
