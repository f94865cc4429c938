package io.schemaguard.runner.migration.lint;

import java.util.List;

/**
 * Something a migration does that may lose data, hold locks that stop the application, act beyond
 * the migrated database, or that could not be analysed.
 *
 * @param file the migration file, relative to the migrations root
 * @param line 1-based line where the statement starts
 * @param rule short id, e.g. {@code drop-column}, {@code unparseable}
 * @param severity what it costs: data, availability, or nothing but a reviewer's attention
 * @param serverWide whether its effect reaches beyond the migrated database (other databases, roles,
 *        tablespaces, server settings): such a statement is never rehearsed on a shared server
 * @param statementHash SHA-256 (hex) of the statement, whitespace runs collapsed; what an approval names
 * @param statement the statement text (possibly shortened for display)
 * @param message one line for humans: what it does and why it matters
 * @param losses the tables and columns the statement removes, as far as the lint can tell; after the
 *        migration, a table or column that is gone and named by no approved finding fails the check
 */
public record Finding(
        String file,
        int line,
        String rule,
        Severity severity,
        boolean serverWide,
        String statementHash,
        String statement,
        String message,
        List<Loss> losses) {

    public Finding {
        losses = losses == null ? List.of() : List.copyOf(losses);
    }

    /** Blocks the run unless data loss is allowed or its statement approved. */
    public boolean destructive() {
        return severity == Severity.DATA_LOSS;
    }

    public enum Severity {
        /** Rows, columns, tables or whole databases can be lost: blocks unless approved. */
        DATA_LOSS,
        /** Locks, rewrites or run-time failures that stop the application for a while, or effects beyond the
         * database: warns, or blocks when the run asks for it (lockHazards: Block). */
        HAZARD,
        /** For a reviewer's eyes only. */
        NOTE
    }

    /**
     * A table ({@code column == null}) or a column a statement removes. Names are as PostgreSQL stores
     * them; {@code schema} is {@code public} for unqualified names.
     */
    public record Loss(String schema, String table, String column) {
        public static Loss table(String schema, String table) {
            return new Loss(schema, table, null);
        }

        public boolean isTable() {
            return column == null;
        }

        /** {@code orders}, {@code sales.orders}, {@code orders.note}, as the schema diff shows them. */
        public String display() {
            String t =
                    "public".equals(schema) ? SqlLint.quote(table) : SqlLint.quote(schema) + "." + SqlLint.quote(table);
            return column == null ? t : t + "." + SqlLint.quote(column);
        }
    }
}
