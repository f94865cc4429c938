package io.schemaguard.runner.pipeline;

import io.schemaguard.contract.Sizes;
import io.schemaguard.runner.Console;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** Logs dumped and stored bytes and the current rate at a steady interval, so long dumps show life. */
final class ProgressMeter implements AutoCloseable {
    final AtomicLong rawBytes = new AtomicLong();
    final AtomicLong storedBytes = new AtomicLong();
    private final long startNanos = System.nanoTime();
    private final ScheduledExecutorService timer;
    private long lastRaw;
    private long lastNanos = startNanos;

    ProgressMeter(Duration interval) {
        if (interval.isZero() || interval.isNegative()) {
            timer = null;
            return;
        }
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "progress");
            t.setDaemon(true);
            return t;
        });
        long ms = interval.toMillis();
        timer.scheduleAtFixedRate(this::report, ms, ms, TimeUnit.MILLISECONDS);
    }

    private synchronized void report() {
        long now = System.nanoTime();
        long raw = rawBytes.get();
        double seconds = (now - lastNanos) / 1e9;
        double rate = seconds > 0 ? (raw - lastRaw) / seconds / (1024 * 1024) : 0;
        lastRaw = raw;
        lastNanos = now;
        Console.info(
                "progress: dumped %s, stored %s, %s MiB/s",
                Sizes.bytes(raw), Sizes.bytes(storedBytes.get()), String.format(Locale.ROOT, "%.1f", rate));
    }

    double elapsedSeconds() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
