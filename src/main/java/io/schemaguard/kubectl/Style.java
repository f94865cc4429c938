package io.schemaguard.kubectl;

import java.util.Locale;

/** ANSI colour for a terminal, nothing when piped: the plain text stays grep- and diff-able. */
public record Style(boolean colour) {
    public static final Style PLAIN = new Style(false);

    /** kubectl's rule of thumb: colour only on a terminal, and never when NO_COLOR is set (no-color.org). */
    public static Style detect(boolean terminal, String noColor) {
        return new Style(terminal && (noColor == null || noColor.isEmpty()));
    }

    public String bold(String s) {
        return wrap("1", s);
    }

    public String dim(String s) {
        return wrap("2", s);
    }

    /** A state (phase, step state, severity) in the colour its meaning has: green good, red bad, yellow busy. */
    public String state(String s) {
        if (s == null) {
            return "";
        }
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "succeeded", "done", "ready", "true", "restored" -> wrap("32", s);
            case "failed", "blocked", "dataloss", "false", "stalled" -> wrap("31", s);
            case "hazard",
                    "running",
                    "pending",
                    "waiting",
                    "backingup",
                    "rehearsing",
                    "migrating",
                    "planning",
                    "restoring",
                    "waitingfordatabase" -> wrap("33", s);
            default -> s;
        };
    }

    private String wrap(String code, String s) {
        return colour ? "\u001b[" + code + "m" + s + "\u001b[0m" : s;
    }
}
