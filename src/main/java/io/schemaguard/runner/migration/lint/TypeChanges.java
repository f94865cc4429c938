package io.schemaguard.runner.migration.lint;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether changing a column from one type to another keeps every value exactly (PostgreSQL then
 * changes only the catalog: no rewrite, no value converted): a longer or unbounded {@code varchar},
 * {@code varchar} to {@code text}, a wider {@code numeric} of the same scale, and the like. Types are
 * spelled as {@code format_type} does ({@code character varying(20)}, {@code numeric(10,2)}) or as
 * {@link SqlLint} displays a parsed type ({@code varchar(20)}); anything not known to be safe is not.
 */
final class TypeChanges {

    private static final Pattern TYPE = Pattern.compile("^([a-z ]+?)(?:\\((\\d+)(?:,\\s*(\\d+))?\\))?(\\[\\])*$");

    private TypeChanges() {}

    static boolean preservesValues(String from, String to) {
        if (from == null || to == null) {
            return false;
        }
        Parsed a = Parsed.of(from);
        Parsed b = Parsed.of(to);
        if (a == null || b == null || a.arrays != b.arrays) {
            return false;
        }
        if (a.name.equals(b.name) && a.length == b.length && a.scale == b.scale) {
            return true; // the same type spelled twice
        }
        return switch (a.name) {
            case "varchar" -> (b.name.equals("varchar") && wider(a.length, b.length)) || b.name.equals("text");
            case "text" -> b.name.equals("varchar") && b.length < 0;
            case "varbit" -> b.name.equals("varbit") && wider(a.length, b.length);
            case "numeric" ->
                b.name.equals("numeric")
                        && (b.length < 0 || (a.length >= 0 && a.scale == b.scale && b.length >= a.length));
            case "cidr" -> b.name.equals("inet");
            default -> false;
        };
    }

    /** Whether a length limit of {@code to} admits every value of {@code from} (-1: no limit). */
    private static boolean wider(int from, int to) {
        return to < 0 || (from >= 0 && to >= from);
    }

    private record Parsed(String name, int length, int scale, int arrays) {
        static Parsed of(String spelled) {
            String s = spelled.toLowerCase(Locale.ROOT).trim().replace("\"", "");
            int arrays = 0;
            while (s.endsWith("[]")) {
                arrays++;
                s = s.substring(0, s.length() - 2).trim();
            }
            Matcher m = TYPE.matcher(s);
            if (!m.matches()) {
                return null;
            }
            String name = switch (m.group(1).trim()) {
                case "character varying", "varchar" -> "varchar";
                case "bit varying", "varbit" -> "varbit";
                case "numeric", "decimal" -> "numeric";
                default -> m.group(1).trim();
            };
            int length = m.group(2) == null ? -1 : Integer.parseInt(m.group(2));
            int scale = m.group(3) == null
                    ? (length >= 0 && name.equals("numeric") ? 0 : -1)
                    : Integer.parseInt(m.group(3));
            return new Parsed(name, length, scale, arrays);
        }
    }
}
