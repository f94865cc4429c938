package io.schemaguard.migration.lint;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;

import io.schemaguard.migration.lint.PgQueryParser.Statement;

/**
 * Finds what pending migrations do that may lose data, statement by statement, on PostgreSQL's own
 * parse trees ({@link PgQueryParser}). Pure apart from the parser: no database, clock or environment.
 * <p>
 * Files are read in apply order and remembered across files: a table created (or a column added) by a
 * pending file holds no existing data, so changing, emptying or dropping it again is not a finding; an
 * existing table dropped and later created again is {@code recreate-table}. Unqualified names are taken
 * to be in {@code public} (the default search_path).
 * <p>
 * What is not analysed: a {@code DO} block's body is PL/pgSQL the parser keeps as an opaque string, so
 * a DO block is an {@code opaque-block} finding that does not block (review it by hand); function bodies
 * are only defined by a migration, not run, so they are not findings.
 * <p>
 * {@link Finding#statementHash()} is the SHA-256 of the statement from its first to its last token with
 * every whitespace run collapsed to one space: comments before and after a statement (Prisma's
 * {@code -- DropTable}) are not part of it, comments inside it are, so editing such a comment asks for a
 * new approval.
 */
public final class SqlLint {

    public static final String DROP_TABLE = "drop-table";
    public static final String DROP_COLUMN = "drop-column";
    public static final String DROP_SCHEMA = "drop-schema";
    public static final String TRUNCATE = "truncate";
    public static final String DELETE_WITHOUT_WHERE = "delete-without-where";
    public static final String UPDATE_WITHOUT_WHERE = "update-without-where";
    public static final String ALTER_COLUMN_TYPE = "alter-column-type";
    public static final String SET_NOT_NULL = "set-not-null";
    public static final String RENAME_TABLE = "rename-table";
    public static final String RENAME_COLUMN = "rename-column";
    public static final String RECREATE_TABLE = "recreate-table";
    public static final String UNPARSEABLE = "unparseable";
    /** Not destructive: a DO block, whose PL/pgSQL body is not analysed. */
    public static final String OPAQUE_BLOCK = "opaque-block";

    /** Length of {@link Finding#statement()}, for display; the hash covers the whole statement. */
    static final int STATEMENT_DISPLAY_LENGTH = 200;

    private static final Pattern WHITESPACE = Pattern.compile("\\s+");
    private static final Pattern PLAIN_IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_$]*");
    private static final Map<String, String> TYPE_NAMES = Map.ofEntries(Map.entry("int2", "smallint"),
            Map.entry("int4", "integer"), Map.entry("int8", "bigint"), Map.entry("float4", "real"),
            Map.entry("float8", "double precision"), Map.entry("bool", "boolean"), Map.entry("bpchar", "char"),
            Map.entry("timestamptz", "timestamp with time zone"), Map.entry("timetz", "time with time zone"));

    /** A migration file already parsed: the input of {@link #check(List)}. */
    public record ParsedFile(String name, List<Statement> statements) {
    }

    private SqlLint() {
    }

    /**
     * Lints {@code files} in apply order; findings in file and statement order. Throws
     * {@link IllegalStateException} when libpg_query 18 is not found (scripts/build-pg-query.sh builds it):
     * no lint is never a clean lint.
     */
    public static List<Finding> lint(List<MigrationFile> files) {
        PgQueryParser parser = PgQueryParser.get();
        List<ParsedFile> parsed = new ArrayList<>(files.size());
        for (MigrationFile file : files) {
            parsed.add(new ParsedFile(file.name(), parser.parse(file.sql())));
        }
        return check(parsed);
    }

    /** Lints one file. */
    public static List<Finding> lint(String file, String sql) {
        return lint(List.of(new MigrationFile(file, sql)));
    }

    /** The rules alone, over statements already parsed (no native code): the files in apply order. */
    public static List<Finding> check(List<ParsedFile> files) {
        Run run = new Run();
        for (int f = 0; f < files.size(); f++) {
            ParsedFile file = files.get(f);
            for (int s = 0; s < file.statements().size(); s++) {
                run.check(new Site(f, s, file.name(), file.statements().get(s)));
            }
        }
        run.found.sort(Comparator.comparingInt((Anchored a) -> a.site.fileIndex).thenComparingInt(a -> a.site.index));
        return run.found.stream().map(Anchored::finding).toList();
    }

    /** Whitespace runs collapsed to one space, trimmed: what {@link #statementHash(String)} hashes. */
    public static String normalize(String statement) {
        return WHITESPACE.matcher(statement).replaceAll(" ").trim();
    }

    public static String statementHash(String statement) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(normalize(statement).getBytes(UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    // --- the rules --------------------------------------------------------------------------------------

    /** Where a statement is: file and statement index (for ordering), file name, the statement. */
    private record Site(int fileIndex, int index, String file, Statement statement) {
        int line() {
            return statement.line();
        }
    }

    private record Anchored(Site site, Finding finding) {
    }

    private record Table(String schema, String name) {
        static Table of(JsonNode rangeVar) {
            String schema = rangeVar.path("schemaname").asText("");
            return new Table(schema.isEmpty() ? "public" : schema, rangeVar.path("relname").asText());
        }

        /** From a DROP's name list: [[catalog.]schema.]name. */
        static Table ofNames(List<String> names) {
            String name = names.get(names.size() - 1);
            return new Table(names.size() > 1 ? names.get(names.size() - 2) : "public", name);
        }

        String display() {
            return "public".equals(schema) ? quote(name) : quote(schema) + "." + quote(name);
        }
    }

    private record Column(Table table, String name) {
        String display() {
            return table.display() + "." + quote(name);
        }
    }

    /** One lint over a list of files: what the pending files created so far, and what they dropped. */
    private static final class Run {
        final List<Anchored> found = new ArrayList<>();
        /** Created by a pending file, so they hold no existing data. */
        final Set<Table> newTables = new HashSet<>();
        final Set<Column> newColumns = new HashSet<>();
        /** Existing tables dropped by a pending file, with the drop, until they are created again. */
        final Map<Table, Site> dropped = new HashMap<>();

        void check(Site site) {
            Statement statement = site.statement();
            if (!statement.parsed()) {
                add(site, UNPARSEABLE, true, "PostgreSQL's parser rejects it: " + statement.error());
                return;
            }
            JsonNode tree = statement.tree();
            String type = tree.fieldNames().hasNext() ? tree.fieldNames().next() : "";
            JsonNode node = tree.path(type);
            switch (type) {
                case "DropStmt" -> drop(site, node);
                case "TruncateStmt" -> truncate(site, node);
                case "AlterTableStmt" -> alterTable(site, node);
                case "RenameStmt" -> rename(site, node);
                case "CreateStmt" -> created(site, node.path("relation"), node.path("if_not_exists").asBoolean());
                case "CreateTableAsStmt" -> {
                    if ("OBJECT_TABLE".equals(node.path("objtype").asText())) {
                        created(site, node.path("into").path("rel"), node.path("if_not_exists").asBoolean());
                    }
                }
                case "DoStmt" -> add(site, OPAQUE_BLOCK, false,
                        "DO block: its PL/pgSQL body is not analysed; review what it changes by hand");
                default -> {
                }
            }
            if ("SelectStmt".equals(type) && node.has("intoClause")) {
                created(site, node.path("intoClause").path("rel"), false); // SELECT ... INTO new_table
            }
            dataChanges(site, tree);
        }

        private void drop(Site site, JsonNode drop) {
            switch (drop.path("removeType").asText()) {
                case "OBJECT_TABLE" -> {
                    List<Table> existing = new ArrayList<>();
                    for (JsonNode object : drop.path("objects")) {
                        Table table = Table.ofNames(strings(object.path("List").path("items")));
                        if (newTables.remove(table)) {
                            newColumns.removeIf(column -> column.table().equals(table));
                        } else {
                            existing.add(table);
                            dropped.put(table, site);
                        }
                    }
                    if (!existing.isEmpty()) {
                        add(site, DROP_TABLE, true, "drops " + plural("table", existing.size()) + " "
                                + displayAll(existing, Table::display) + ": " + their(existing.size()) + " rows are lost");
                    }
                }
                case "OBJECT_SCHEMA" -> {
                    List<String> schemas = strings(drop.path("objects"));
                    boolean cascade = "DROP_CASCADE".equals(drop.path("behavior").asText());
                    add(site, DROP_SCHEMA, true, "drops " + plural("schema", schemas.size()) + " "
                            + displayAll(schemas, SqlLint::quote) + (cascade
                                    ? " with everything in it: the rows of its tables are lost"
                                    : ": it fails unless empty, and with CASCADE every table in it would go"));
                }
                default -> {
                }
            }
        }

        private void truncate(Site site, JsonNode truncate) {
            List<Table> existing = new ArrayList<>();
            for (JsonNode relation : truncate.path("relations")) {
                Table table = Table.of(relation.path("RangeVar"));
                if (!newTables.contains(table)) {
                    existing.add(table);
                }
            }
            if (!existing.isEmpty()) {
                add(site, TRUNCATE, true, "truncates " + displayAll(existing, Table::display) + ": every row is deleted");
            }
        }

        private void alterTable(Site site, JsonNode alter) {
            if (!"OBJECT_TABLE".equals(alter.path("objtype").asText())) {
                return; // ALTER TYPE/INDEX/VIEW/FOREIGN TABLE ... hold no rows of their own
            }
            Table table = Table.of(alter.path("relation"));
            List<Column> droppedColumns = new ArrayList<>();
            Map<Column, String> retyped = new LinkedHashMap<>();
            List<Column> notNull = new ArrayList<>();
            for (JsonNode cmdNode : alter.path("cmds")) {
                JsonNode cmd = cmdNode.path("AlterTableCmd");
                Column column = new Column(table, cmd.path("name").asText());
                switch (cmd.path("subtype").asText()) {
                    case "AT_AddColumn" -> {
                        // ADD COLUMN IF NOT EXISTS may meet an existing column: not known to be new.
                        if (!cmd.path("missing_ok").asBoolean()) {
                            newColumns.add(new Column(table, cmd.path("def").path("ColumnDef").path("colname").asText()));
                        }
                    }
                    case "AT_DropColumn" -> {
                        if (!isNew(column)) {
                            droppedColumns.add(column);
                        }
                        newColumns.remove(column);
                    }
                    case "AT_AlterColumnType" -> {
                        if (!isNew(column)) {
                            retyped.put(column, typeName(cmd.path("def").path("ColumnDef").path("typeName")));
                        }
                    }
                    case "AT_SetNotNull" -> {
                        if (!isNew(column)) {
                            notNull.add(column);
                        }
                    }
                    default -> {
                    }
                }
            }
            if (!droppedColumns.isEmpty()) {
                add(site, DROP_COLUMN, true, "drops " + plural("column", droppedColumns.size()) + " "
                        + displayAll(droppedColumns, Column::display) + ": " + their(droppedColumns.size()) + " data is lost");
            }
            if (!retyped.isEmpty()) {
                String changes = retyped.entrySet().stream().map(e -> e.getKey().display() + " to " + e.getValue())
                        .collect(Collectors.joining(", "));
                add(site, ALTER_COLUMN_TYPE, true, "changes the type of " + changes
                        + ": values are converted (they may be cut, rounded or refused) and the table is rewritten under an exclusive lock");
            }
            if (!notNull.isEmpty()) {
                add(site, SET_NOT_NULL, true, "sets " + displayAll(notNull, Column::display)
                        + " NOT NULL: fails if a row holds NULL, and scans the table under an exclusive lock");
            }
        }

        private void rename(Site site, JsonNode rename) {
            switch (rename.path("renameType").asText()) {
                case "OBJECT_TABLE" -> {
                    Table from = Table.of(rename.path("relation"));
                    Table to = new Table(from.schema(), rename.path("newname").asText());
                    if (newTables.remove(from)) {
                        newTables.add(to);
                        moveColumns(from, to);
                    } else {
                        add(site, RENAME_TABLE, true, "renames table " + from.display() + " to " + quote(to.name())
                                + ": the running application's queries on " + from.display() + " fail");
                    }
                }
                case "OBJECT_COLUMN" -> {
                    if (!"OBJECT_TABLE".equals(rename.path("relationType").asText())) {
                        return;
                    }
                    Table table = Table.of(rename.path("relation"));
                    Column from = new Column(table, rename.path("subname").asText());
                    String to = rename.path("newname").asText();
                    if (isNew(from)) {
                        if (newColumns.remove(from)) {
                            newColumns.add(new Column(table, to));
                        }
                    } else {
                        add(site, RENAME_COLUMN, true, "renames column " + from.display() + " to " + quote(to)
                                + ": the running application's queries that name " + quote(from.name()) + " fail");
                    }
                }
                default -> {
                }
            }
        }

        /** CREATE TABLE (or AS, or SELECT INTO): a table with no existing data; after a drop, a recreated one. */
        private void created(Site site, JsonNode relation, boolean ifNotExists) {
            Table table = Table.of(relation);
            Site drop = dropped.remove(table);
            if (drop != null) {
                String where = drop.file().equals(site.file()) ? "line " + site.line()
                        : site.file() + " line " + site.line();
                add(drop, RECREATE_TABLE, true, "drops table " + table.display() + " (line " + drop.line()
                        + ") and creates it again (" + where + "): every existing row is lost, the new table starts empty");
                newTables.add(table);
            } else if (!ifNotExists) {
                newTables.add(table); // IF NOT EXISTS may keep an existing table: not known to be new
            }
        }

        /** DELETE and UPDATE without WHERE, at the top or in a WITH clause. */
        private void dataChanges(Site site, JsonNode tree) {
            String type = tree.fieldNames().hasNext() ? tree.fieldNames().next() : "";
            JsonNode node = tree.path(type);
            for (JsonNode cte : node.path("withClause").path("ctes")) {
                dataChanges(site, cte.path("CommonTableExpr").path("ctequery"));
            }
            if (node.has("whereClause") || !node.has("relation")) {
                return;
            }
            Table table = Table.of(node.path("relation"));
            if (newTables.contains(table)) {
                return;
            }
            if ("DeleteStmt".equals(type)) {
                add(site, DELETE_WITHOUT_WHERE, true, "deletes every row of " + table.display() + " (no WHERE)");
            } else if ("UpdateStmt".equals(type)) {
                List<String> assigned = new ArrayList<>();
                for (JsonNode target : node.path("targetList")) {
                    assigned.add(target.path("ResTarget").path("name").asText());
                }
                // Filling columns this migration added (a backfill) overwrites no existing data.
                if (!assigned.stream().allMatch(column -> newColumns.contains(new Column(table, column)))) {
                    add(site, UPDATE_WITHOUT_WHERE, true, "updates every row of " + table.display()
                            + " (no WHERE): the old values of " + displayAll(assigned, SqlLint::quote) + " are lost");
                }
            }
        }

        private boolean isNew(Column column) {
            return newTables.contains(column.table()) || newColumns.contains(column);
        }

        private void moveColumns(Table from, Table to) {
            List<Column> moved = newColumns.stream().filter(c -> c.table().equals(from)).toList();
            moved.forEach(c -> {
                newColumns.remove(c);
                newColumns.add(new Column(to, c.name()));
            });
        }

        private void add(Site site, String rule, boolean destructive, String message) {
            String text = site.statement().text();
            String display = normalize(text);
            if (display.length() > STATEMENT_DISPLAY_LENGTH) {
                display = display.substring(0, STATEMENT_DISPLAY_LENGTH - 1) + "…";
            }
            found.add(new Anchored(site, new Finding(site.file(), site.line(), rule, destructive, statementHash(text),
                    display, WHITESPACE.matcher(message).replaceAll(" "))));
        }
    }

    // --- names --------------------------------------------------------------------------------------------

    private static List<String> strings(JsonNode nodes) {
        List<String> values = new ArrayList<>();
        for (JsonNode node : nodes) {
            values.add(node.path("String").path("sval").asText());
        }
        return values;
    }

    /** A type as SQL would spell it: {@code numeric(65,30)}, {@code integer}, {@code text[]}. */
    private static String typeName(JsonNode typeName) {
        List<String> names = new ArrayList<>(strings(typeName.path("names")));
        if (names.size() > 1 && "pg_catalog".equals(names.get(0))) {
            names.remove(0);
        }
        String name = names.size() == 1 ? TYPE_NAMES.getOrDefault(names.get(0), quote(names.get(0)))
                : names.stream().map(SqlLint::quote).collect(Collectors.joining("."));
        List<String> modifiers = new ArrayList<>();
        for (JsonNode modifier : typeName.path("typmods")) {
            JsonNode value = modifier.path("A_Const").path("ival");
            if (value.isMissingNode()) {
                modifiers = null; // e.g. interval's field masks: not worth spelling out
                break;
            }
            modifiers.add(String.valueOf(value.path("ival").asInt(0)));
        }
        if (modifiers != null && !modifiers.isEmpty() && !"interval".equals(name)) {
            name += "(" + String.join(",", modifiers) + ")";
        }
        return name + "[]".repeat(typeName.path("arrayBounds").size());
    }

    static String quote(String identifier) {
        return PLAIN_IDENTIFIER.matcher(identifier).matches() ? identifier
                : '"' + identifier.replace("\"", "\"\"") + '"';
    }

    private static <T> String displayAll(List<T> items, java.util.function.Function<T, String> display) {
        return items.stream().map(display).collect(Collectors.joining(", "));
    }

    private static String plural(String noun, int count) {
        return count == 1 ? noun : noun + "s";
    }

    private static String their(int count) {
        return count == 1 ? "its" : "their";
    }
}
