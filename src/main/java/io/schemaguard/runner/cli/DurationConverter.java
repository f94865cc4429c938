package io.schemaguard.runner.cli;

import java.time.Duration;
import picocli.CommandLine.ITypeConverter;

/** Parses {@code 500ms}, {@code 10s}, {@code 2m}, {@code 1h}, {@code 0} and ISO-8601 ({@code PT10S}). */
final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        String v = value.strip();
        if (v.equals("0")) {
            return Duration.ZERO;
        }
        if (v.toUpperCase().startsWith("P")) {
            return Duration.parse(v);
        }
        if (v.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
        }
        long n = Long.parseLong(v.substring(0, v.length() - 1));
        return switch (v.charAt(v.length() - 1)) {
            case 's' -> Duration.ofSeconds(n);
            case 'm' -> Duration.ofMinutes(n);
            case 'h' -> Duration.ofHours(n);
            default -> throw new IllegalArgumentException("invalid duration '" + value + "' (e.g. 10s, 2m, 1h)");
        };
    }
}
