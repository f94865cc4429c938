package io.schemaguard.contract;

import java.util.Locale;

/**
 * How a size reads for people, on both sides: a DatabaseBackup's {@code status.size} (from the
 * termination message's {@code sizeBytes}) and the runner's {@code list} and progress lines, so
 * {@code kubectl get} and the command line show the same "1.5 KiB".
 */
public final class Sizes {
    private Sizes() {}

    /** 1536 gives "1.5 KiB". */
    public static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
