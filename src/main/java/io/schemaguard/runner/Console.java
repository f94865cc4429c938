package io.schemaguard.runner;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/**
 * The runner's log: timestamped lines on stderr (what {@code kubectl logs} shows), so stdout stays
 * free for results that scripts read.
 */
public final class Console {
    private Console() {}

    public static void info(String format, Object... args) {
        System.err.println(
                Instant.now().truncatedTo(ChronoUnit.SECONDS) + " " + String.format(Locale.ROOT, format, args));
    }

    public static void error(String message) {
        System.err.println(Instant.now().truncatedTo(ChronoUnit.SECONDS) + " error: " + message);
    }
}
