package io.schemaguard.runner.migration.lint;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One line per rule of {@link SqlLint}, for reports that list the rules apart from their findings
 * (SARIF's {@code tool.driver.rules}); a finding's own message says what its statement does.
 */
public final class LintRules {
    private LintRules() {}

    private static final Map<String, String> DESCRIPTIONS = new LinkedHashMap<>();

    static {
        // data loss
        rule(SqlLint.DROP_TABLE, "Drops a table that existed before the migration: its rows are lost");
        rule(SqlLint.DROP_COLUMN, "Drops a column that existed before the migration: its data is lost");
        rule(SqlLint.DROP_SCHEMA, "Drops a schema; with CASCADE every table in it and its rows go too");
        rule(
                SqlLint.CASCADE_DROP,
                "A DROP ... CASCADE removes the tables and columns that depend on the dropped object");
        rule(SqlLint.TRUNCATE, "Truncates a table that existed before the migration: every row is deleted");
        rule(SqlLint.DELETE_WITHOUT_WHERE, "DELETE without WHERE deletes every row of an existing table");
        rule(SqlLint.UPDATE_WITHOUT_WHERE, "UPDATE without WHERE overwrites a column's old values in every row");
        rule(
                SqlLint.ALTER_COLUMN_TYPE,
                "Changes a column's type: values are converted (cut, rounded or refused) and the table is rewritten");
        rule(SqlLint.RENAME_TABLE, "Renames an existing table: the running application's queries on the old name fail");
        rule(SqlLint.RENAME_COLUMN, "Renames an existing column: the running application's queries that name it fail");
        rule(SqlLint.RENAME_SCHEMA, "Renames a schema: the running application's queries on every table in it fail");
        rule(SqlLint.SET_SCHEMA, "Moves an existing table to another schema: queries on its old name fail");
        rule(SqlLint.RECREATE_TABLE, "Drops an existing table and creates it again: every existing row is lost");
        rule(
                SqlLint.DYNAMIC_SQL,
                "A DO block runs EXECUTE of a computed string: what it runs is known only at run time");
        rule(SqlLint.UNPARSEABLE, "PostgreSQL's parser rejects the statement, so it cannot be checked");
        rule(SqlLint.OPAQUE_BLOCK, "A DO block whose body cannot be analysed (not PL/pgSQL, or it does not parse)");
        // server-wide
        rule(SqlLint.DROP_DATABASE, "Drops a whole database, beyond the migrated one and any backup of it");
        rule(SqlLint.DROP_OWNED, "DROP OWNED drops every object a role owns, tables and their rows included");
        rule(SqlLint.CREATE_DATABASE, "Creates a database: acts on the server, not the migrated database");
        rule(
                SqlLint.ALTER_DATABASE,
                "Changes or renames a database, or its owner: acts on the server, not the migrated database");
        rule(SqlLint.ROLE_CHANGE, "Creates, changes, grants or drops roles, which every database of the server shares");
        rule(
                SqlLint.REASSIGN_OWNED,
                "REASSIGN OWNED gives a role's objects, databases and tablespaces included, to another role");
        rule(SqlLint.ALTER_SYSTEM, "ALTER SYSTEM changes the server's configuration for every database");
        rule(
                SqlLint.TABLESPACE_CHANGE,
                "Creates, changes or drops a tablespace: acts on the server, not the migrated database");
        // lock and downtime hazards
        rule(
                SqlLint.INDEX_WITHOUT_CONCURRENTLY,
                "Builds, drops or rebuilds an index without CONCURRENTLY: writes (or reads) wait on the lock");
        rule(
                SqlLint.CONCURRENTLY_IN_TRANSACTION,
                "CREATE INDEX CONCURRENTLY inside BEGIN ... COMMIT: PostgreSQL refuses it and the migration fails half-way");
        rule(
                SqlLint.CONSTRAINT_WITHOUT_NOT_VALID,
                "Adds a foreign key or CHECK constraint that checks every row while blocking writes; add it NOT VALID, then VALIDATE");
        rule(
                SqlLint.UNIQUE_WITHOUT_INDEX,
                "Adds a primary key, unique or exclusion constraint whose index is built under an ACCESS EXCLUSIVE lock");
        rule(
                SqlLint.VOLATILE_DEFAULT,
                "Adds a column whose default differs per row (volatile function, serial, identity, stored generated): the table is rewritten");
        rule(SqlLint.TABLE_REWRITE, "CLUSTER or VACUUM FULL rewrites the table under an ACCESS EXCLUSIVE lock");
        rule(
                SqlLint.TRANSACTION_CONTROL,
                "BEGIN, COMMIT or ROLLBACK inside a migration file: a failure after it leaves the migration half-applied");
        rule(
                SqlLint.NOT_NULL_WITHOUT_DEFAULT,
                "Adds a NOT NULL column without a default to an existing table: fails as soon as the table holds a row");
        rule(
                SqlLint.SET_NOT_NULL,
                "SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock unless a validated CHECK proves it");
        rule(
                SqlLint.RENAME_OBJECT,
                "Renames or moves a view, sequence, function or other object: queries that use its old name fail");
    }

    private static void rule(String id, String description) {
        if (DESCRIPTIONS.put(id, description) != null) {
            throw new IllegalStateException("rule " + id + " described twice");
        }
    }

    /** Every rule id with its one-line description, in the order above (data loss first). */
    public static Map<String, String> all() {
        return Collections.unmodifiableMap(DESCRIPTIONS);
    }

    /** The rule's one line, or its id for a rule this table does not know yet. */
    public static String describe(String id) {
        return DESCRIPTIONS.getOrDefault(id, id);
    }
}
