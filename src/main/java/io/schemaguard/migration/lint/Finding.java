package io.schemaguard.migration.lint;

/**
 * Something a migration does that may lose data (or that could not be analysed).
 *
 * @param file the migration file, relative to the migrations root
 * @param line 1-based line where the statement starts
 * @param rule short id, e.g. {@code drop-column}, {@code unparseable}
 * @param destructive whether it blocks the run unless data loss is allowed or its statement approved
 * @param statementHash SHA-256 (hex) of the statement, whitespace runs collapsed; what an approval names
 * @param statement the statement text (possibly shortened for display)
 * @param message one line for humans: what it does and why it matters
 */
public record Finding(String file, int line, String rule, boolean destructive, String statementHash, String statement,
        String message) {
}
