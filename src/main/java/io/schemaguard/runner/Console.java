package io.schemaguard.runner;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/**
 * The runner's log: timestamped lines on stderr (what {@code kubectl logs} shows), so stdout stays
 * free for results that scripts read.
 */
public final class Console {
    private Console() {
    }

    public static void info(String format, Object... args) {
        System.err.println(Instant.now().truncatedTo(ChronoUnit.SECONDS) + " " + String.format(Locale.ROOT, format, args));
    }

    public static void error(String message) {
        System.err.println(Instant.now().truncatedTo(ChronoUnit.SECONDS) + " error: " + message);
    }

    /** 1536 gives "1.5 KiB". */
    public static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = { "KiB", "MiB", "GiB", "TiB", "PiB" };
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
