package io.schemaguard.runner.migration.lint;

import io.schemaguard.runner.migration.lint.Finding.Loss;
import java.util.List;

/**
 * What the lint may ask the target database before the pending migrations run: what a CASCADE drop
 * would take with it, a column's current type, and whether a validated constraint proves a column
 * holds no NULL. {@link #NONE} answers "unknown" to everything (a lint with no database), and the
 * rules then assume the worst.
 */
public interface Catalog {

    /**
     * An object a {@code DROP} names: its kind as the parser spells it ({@code OBJECT_TYPE},
     * {@code OBJECT_EXTENSION}, ...), its name parts ({@code [schema,] name}) and, for functions, the
     * argument types as SQL text ({@code null} when the statement gives none).
     */
    record DropTarget(String kind, List<String> names, List<String> argTypes) {
        public String display() {
            return String.join(".", names.stream().map(SqlLint::quote).toList())
                    + (argTypes == null ? "" : "(" + String.join(", ", argTypes) + ")");
        }
    }

    /**
     * The tables and columns (of tables that stay) dropping {@code target} with CASCADE would remove,
     * the target itself included when it is a table; {@code null} when unknown (no database, or the
     * object does not exist yet).
     */
    List<Loss> cascadeLosses(DropTarget target);

    /** The column's type as {@code format_type} spells it ({@code character varying(20)}), {@code null} when unknown. */
    String columnType(String schema, String table, String column);

    /** Whether a validated {@code CHECK (column IS NOT NULL)} constraint exists on the table. */
    boolean provenNotNull(String schema, String table, String column);

    Catalog NONE = new Catalog() {
        @Override
        public List<Loss> cascadeLosses(DropTarget target) {
            return null;
        }

        @Override
        public String columnType(String schema, String table, String column) {
            return null;
        }

        @Override
        public boolean provenNotNull(String schema, String table, String column) {
            return false;
        }
    };
}
