package io.schemaguard.api;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as the resources write them ({@code 15m}, {@code 1h30m}, {@code 30d}), parsed in one place. */
public final class Durations {
    /** Without days: timeouts and ages measured in minutes or hours. */
    public static final String PATTERN = "^([0-9]+(ms|s|m|h))+$";
    /** With days: retention and jitter windows. */
    public static final String PATTERN_WITH_DAYS = "^([0-9]+(ms|s|m|h|d))+$";

    private static final Pattern PART = Pattern.compile("([0-9]+)(ms|s|m|h|d)");

    private Durations() {}

    public static Duration parse(String value) {
        Duration total = Duration.ZERO;
        Matcher m = PART.matcher(value);
        int end = 0;
        while (m.find()) {
            if (m.start() != end) {
                throw new IllegalArgumentException("invalid duration '" + value + "'");
            }
            long n = Long.parseLong(m.group(1));
            total = total.plus(
                    switch (m.group(2)) {
                        case "ms" -> Duration.ofMillis(n);
                        case "s" -> Duration.ofSeconds(n);
                        case "m" -> Duration.ofMinutes(n);
                        case "h" -> Duration.ofHours(n);
                        default -> Duration.ofDays(n);
                    });
            end = m.end();
        }
        if (end != value.length() || end == 0) {
            throw new IllegalArgumentException("invalid duration '" + value + "' (e.g. 15m, 5s, 1h30m, 30d)");
        }
        return total;
    }
}
