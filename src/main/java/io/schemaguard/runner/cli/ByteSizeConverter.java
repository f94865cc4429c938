package io.schemaguard.runner.cli;

import java.util.Locale;
import picocli.CommandLine.ITypeConverter;

/** Parses {@code 16MiB}, {@code 5m}, {@code 1048576}. */
final class ByteSizeConverter implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
        String v = value.strip().toLowerCase(Locale.ROOT).replace("ib", "").replace("b", "");
        long multiplier = 1;
        if (v.endsWith("k")) {
            multiplier = 1024;
        } else if (v.endsWith("m")) {
            multiplier = 1024 * 1024;
        } else if (v.endsWith("g")) {
            multiplier = 1024L * 1024 * 1024;
        }
        if (multiplier > 1) {
            v = v.substring(0, v.length() - 1);
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(Long.parseLong(v.strip()), multiplier);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new picocli.CommandLine.TypeConversionException(
                    "'" + value + "' is not a size: give bytes, or a" + " number with KiB, MiB or GiB (16MiB)");
        }
        if (bytes > Integer.MAX_VALUE) {
            throw new picocli.CommandLine.TypeConversionException("size too large: " + value);
        }
        return (int) bytes;
    }
}
