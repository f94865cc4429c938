package io.schemaguard.runner.postgres;

/** SQL text helpers. */
public final class Sql {
    private Sql() {}

    /** A quoted identifier, safe for any name (unicode, quotes, reserved words). */
    public static String ident(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    public static String table(String schema, String name) {
        return ident(schema) + "." + ident(name);
    }
}
