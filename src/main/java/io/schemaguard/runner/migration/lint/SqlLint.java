package io.schemaguard.runner.migration.lint;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.schemaguard.runner.migration.lint.Catalog.DropTarget;
import io.schemaguard.runner.migration.lint.Finding.Loss;
import io.schemaguard.runner.migration.lint.Finding.Severity;
import io.schemaguard.runner.migration.lint.PgQueryParser.Statement;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Finds what pending migrations do that may lose data, hold locks the application waits on, or act
 * beyond the migrated database, statement by statement, on PostgreSQL's own parse trees
 * ({@link PgQueryParser}). Pure apart from the parser and the {@link Catalog} it is given.
 * <p>
 * Files are read in apply order and remembered across files: a table created (or a column added) by a
 * pending file holds no existing data, so changing, emptying or dropping it again is not a finding,
 * until a pending statement copies rows into it from a table that existed before
 * ({@code INSERT ... SELECT}, {@code UPDATE ... FROM}, {@code CREATE TABLE ... AS}, {@code COPY}); an
 * existing table dropped and later created again is {@code recreate-table}. Unqualified names are taken
 * to be in {@code public} (the default search_path).
 * <p>
 * {@code DO} blocks are read through their PL/pgSQL tree ({@link PlpgsqlBody}): every embedded
 * statement and every {@code EXECUTE} of a literal is linted as top-level SQL and reported on the DO
 * statement (an approval names the block); an {@code EXECUTE} of a computed string is
 * {@code dynamic-sql}. Function bodies are only defined by a migration, not run, so they are not findings.
 * <p>
 * {@link Finding#statementHash()} is the SHA-256 of the statement from its first to its last token with
 * every whitespace run collapsed to one space: comments before and after a statement (Prisma's
 * {@code -- DropTable}) are not part of it, comments inside it are, so editing such a comment asks for a
 * new approval.
 */
public final class SqlLint {

    // data loss
    public static final String DROP_TABLE = "drop-table";
    public static final String DROP_COLUMN = "drop-column";
    public static final String DROP_SCHEMA = "drop-schema";
    public static final String CASCADE_DROP = "cascade-drop";
    public static final String TRUNCATE = "truncate";
    public static final String DELETE_WITHOUT_WHERE = "delete-without-where";
    public static final String UPDATE_WITHOUT_WHERE = "update-without-where";
    public static final String ALTER_COLUMN_TYPE = "alter-column-type";
    public static final String RENAME_TABLE = "rename-table";
    public static final String RENAME_COLUMN = "rename-column";
    public static final String RENAME_SCHEMA = "rename-schema";
    public static final String SET_SCHEMA = "set-schema";
    public static final String RECREATE_TABLE = "recreate-table";
    public static final String DYNAMIC_SQL = "dynamic-sql";
    public static final String UNPARSEABLE = "unparseable";
    /** A DO block whose body cannot be analysed (a language other than PL/pgSQL, or a body that does not parse). */
    public static final String OPAQUE_BLOCK = "opaque-block";
    // server-wide
    public static final String DROP_DATABASE = "drop-database";
    public static final String DROP_OWNED = "drop-owned";
    public static final String CREATE_DATABASE = "create-database";
    public static final String ALTER_DATABASE = "alter-database";
    public static final String ROLE_CHANGE = "role-change";
    public static final String REASSIGN_OWNED = "reassign-owned";
    public static final String ALTER_SYSTEM = "alter-system";
    public static final String TABLESPACE_CHANGE = "tablespace-change";
    // lock and downtime hazards
    public static final String INDEX_WITHOUT_CONCURRENTLY = "index-without-concurrently";
    public static final String CONCURRENTLY_IN_TRANSACTION = "concurrently-in-transaction";
    public static final String CONSTRAINT_WITHOUT_NOT_VALID = "constraint-without-not-valid";
    public static final String UNIQUE_WITHOUT_INDEX = "unique-without-index";
    public static final String VOLATILE_DEFAULT = "volatile-default";
    public static final String TABLE_REWRITE = "table-rewrite";
    public static final String TRANSACTION_CONTROL = "transaction-control";
    public static final String NOT_NULL_WITHOUT_DEFAULT = "not-null-without-default";
    public static final String SET_NOT_NULL = "set-not-null";
    public static final String RENAME_OBJECT = "rename-object";

    /** Length of {@link Finding#statement()}, for display; the hash covers the whole statement. */
    static final int STATEMENT_DISPLAY_LENGTH = 200;

    private static final Pattern WHITESPACE = Pattern.compile("\\s+");
    private static final Pattern PLAIN_IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_$]*");
    private static final Map<String, String> TYPE_NAMES = Map.ofEntries(
            Map.entry("int2", "smallint"),
            Map.entry("int4", "integer"),
            Map.entry("int8", "bigint"),
            Map.entry("float4", "real"),
            Map.entry("float8", "double precision"),
            Map.entry("bool", "boolean"),
            Map.entry("bpchar", "char"),
            Map.entry("timestamptz", "timestamp with time zone"),
            Map.entry("timetz", "time with time zone"));
    /** Built-in functions whose value differs per row: as a new column's default they rewrite the table. */
    private static final Set<String> VOLATILE_FUNCTIONS = Set.of(
            "random",
            "gen_random_uuid",
            "uuid_generate_v1",
            "uuid_generate_v1mc",
            "uuid_generate_v4",
            "uuidv4",
            "uuidv7",
            "clock_timestamp",
            "timeofday",
            "nextval",
            "random_normal",
            "txid_current");

    private static final Set<String> SERIAL_TYPES =
            Set.of("serial", "serial4", "bigserial", "serial8", "smallserial", "serial2");
    /** Kinds of object whose CASCADE drop is asked of the catalog. */
    private static final Set<String> CASCADING_KINDS = Set.of(
            "OBJECT_TYPE",
            "OBJECT_DOMAIN",
            "OBJECT_EXTENSION",
            "OBJECT_SCHEMA",
            "OBJECT_FUNCTION",
            "OBJECT_PROCEDURE",
            "OBJECT_ROUTINE",
            "OBJECT_AGGREGATE",
            "OBJECT_TABLE",
            "OBJECT_VIEW",
            "OBJECT_MATVIEW",
            "OBJECT_SEQUENCE",
            "OBJECT_FOREIGN_TABLE",
            "OBJECT_COLLATION",
            "OBJECT_OPERATOR",
            "OBJECT_CAST",
            "OBJECT_FOREIGN_SERVER",
            "OBJECT_FDW");

    /** A migration file already parsed: its statements, and the bodies of its DO blocks by statement index. */
    public record ParsedFile(String name, List<Statement> statements, Map<Integer, PlpgsqlBody> bodies) {
        public ParsedFile(String name, List<Statement> statements) {
            this(name, statements, Map.of());
        }
    }

    private SqlLint() {}

    /**
     * Lints {@code files} in apply order, asking {@code catalog} what the database holds; findings in
     * file and statement order. Throws {@link IllegalStateException} when libpg_query 18 is not found
     * (scripts/build-pg-query.sh builds it):
     * no lint is never a clean lint.
     */
    public static List<Finding> lint(List<MigrationFile> files, Catalog catalog) {
        PgQueryParser parser = PgQueryParser.get();
        List<ParsedFile> parsed = new ArrayList<>(files.size());
        for (MigrationFile file : files) {
            List<Statement> statements = parser.parse(file.sql());
            Map<Integer, PlpgsqlBody> bodies = new HashMap<>();
            for (int i = 0; i < statements.size(); i++) {
                Statement s = statements.get(i);
                if (s.parsed() && s.tree().has("DoStmt")) {
                    bodies.put(
                            i, PlpgsqlBody.read(parser, s, doLanguage(s.tree().path("DoStmt"))));
                }
            }
            parsed.add(new ParsedFile(file.name(), statements, bodies));
        }
        return check(parsed, catalog);
    }

    /** Lints with no database to ask: what depends on a dropped object, or a column's type, is unknown. */
    public static List<Finding> lint(List<MigrationFile> files) {
        return lint(files, Catalog.NONE);
    }

    /** Lints one file. */
    public static List<Finding> lint(String file, String sql) {
        return lint(List.of(new MigrationFile(file, sql)));
    }

    /** The rules alone, over statements already parsed (no native code): the files in apply order. */
    public static List<Finding> check(List<ParsedFile> files) {
        return check(files, Catalog.NONE);
    }

    public static List<Finding> check(List<ParsedFile> files, Catalog catalog) {
        Run run = new Run(catalog);
        for (int f = 0; f < files.size(); f++) {
            ParsedFile file = files.get(f);
            run.inTransaction = false;
            for (int s = 0; s < file.statements().size(); s++) {
                Statement statement = file.statements().get(s);
                Site site = Site.of(f, s, file.name(), statement);
                PlpgsqlBody body = file.bodies().get(s);
                if (body != null) {
                    run.doBlock(site, body);
                } else {
                    run.check(site);
                }
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
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(normalize(statement).getBytes(UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    private static String doLanguage(JsonNode doStmt) {
        for (JsonNode arg : doStmt.path("args")) {
            JsonNode def = arg.path("DefElem");
            if ("language".equals(def.path("defname").asText())) {
                return def.path("arg").path("String").path("sval").asText("plpgsql");
            }
        }
        return "plpgsql";
    }

    // --- the rules --------------------------------------------------------------------------------------

    /**
     * Where a statement is: file and statement index (for ordering), file name, the statement a finding
     * names (its hash is what an approval takes), the line reported, and the tree the rules read (a
     * statement inside a DO block is reported on the block).
     */
    private record Site(
            int fileIndex, int index, String file, Statement statement, int line, JsonNode tree, String error) {
        static Site of(int fileIndex, int index, String file, Statement statement) {
            return new Site(fileIndex, index, file, statement, statement.line(), statement.tree(), statement.error());
        }

        Site inner(Statement embedded) {
            return new Site(fileIndex, index, file, statement, embedded.line(), embedded.tree(), embedded.error());
        }

        Site at(int otherLine) {
            return new Site(fileIndex, index, file, statement, otherLine, tree, error);
        }
    }

    private record Anchored(Site site, Finding finding) {}

    private record Table(String schema, String name) {
        static Table of(JsonNode rangeVar) {
            String schema = rangeVar.path("schemaname").asText("");
            return new Table(
                    schema.isEmpty() ? "public" : schema,
                    rangeVar.path("relname").asText());
        }

        /** From a DROP's name list: [[catalog.]schema.]name. */
        static Table ofNames(List<String> names) {
            String name = names.get(names.size() - 1);
            return new Table(names.size() > 1 ? names.get(names.size() - 2) : "public", name);
        }

        String display() {
            return "public".equals(schema) ? quote(name) : quote(schema) + "." + quote(name);
        }

        Loss loss() {
            return Loss.table(schema, name);
        }
    }

    private record Column(Table table, String name) {
        String display() {
            return table.display() + "." + quote(name);
        }

        Loss loss() {
            return new Loss(table.schema(), table.name(), name);
        }
    }

    /** One lint over a list of files: what the pending files created so far, and what they dropped. */
    private static final class Run {
        final Catalog catalog;
        final List<Anchored> found = new ArrayList<>();
        /** Created by a pending file and not filled from existing data since, so they hold none. */
        final Set<Table> newTables = new HashSet<>();

        final Set<Column> newColumns = new HashSet<>();
        /** Indexes created by a pending file (on any table): dropping one again locks nothing in use. */
        final Set<String> newIndexes = new HashSet<>();
        /** Columns a validated CHECK (column IS NOT NULL) of a pending file proves free of NULLs. */
        final Set<Column> provenNotNull = new HashSet<>();
        /** CHECK (column IS NOT NULL) constraints added NOT VALID, by table and name, until validated. */
        final Map<String, Column> pendingNotNullChecks = new HashMap<>();
        /** Existing tables dropped by a pending file, with the drop, until they are created again. */
        final Map<Table, Site> dropped = new HashMap<>();
        /** Inside an explicit BEGIN of the current file. */
        boolean inTransaction;

        Run(Catalog catalog) {
            this.catalog = catalog;
        }

        void doBlock(Site site, PlpgsqlBody body) {
            if (body.error() != null) {
                add(
                        site,
                        OPAQUE_BLOCK,
                        Severity.DATA_LOSS,
                        "DO block: " + body.error()
                                + "; what it changes cannot be checked, so it needs an approval after review");
                return;
            }
            for (Statement embedded : body.statements()) {
                check(site.inner(embedded));
            }
            for (int line : body.dynamic()) {
                add(
                        site.at(line),
                        DYNAMIC_SQL,
                        Severity.DATA_LOSS,
                        "DO block runs EXECUTE of a computed string: what it runs is "
                                + "known only at run time, so it needs an approval after review");
            }
        }

        void check(Site site) {
            if (site.tree() == null) {
                add(site, UNPARSEABLE, Severity.DATA_LOSS, "PostgreSQL's parser rejects it: " + site.error());
                return;
            }
            JsonNode tree = site.tree();
            String type = tree.fieldNames().hasNext() ? tree.fieldNames().next() : "";
            JsonNode node = tree.path(type);
            switch (type) {
                case "DropStmt" -> drop(site, node);
                case "TruncateStmt" -> truncate(site, node);
                case "AlterTableStmt" -> alterTable(site, node);
                case "RenameStmt" -> rename(site, node);
                case "AlterObjectSchemaStmt" -> setSchema(site, node);
                case "CreateStmt" ->
                    created(
                            site,
                            node.path("relation"),
                            node.path("if_not_exists").asBoolean());
                case "CreateTableAsStmt" -> {
                    if ("OBJECT_TABLE".equals(node.path("objtype").asText())) {
                        created(
                                site,
                                node.path("into").path("rel"),
                                node.path("if_not_exists").asBoolean());
                        fillIfReadsExisting(Table.of(node.path("into").path("rel")), node.path("query"));
                    }
                }
                case "InsertStmt" -> {
                    // Everything but the target: the query and its WITH clause (whose names are not tables).
                    ObjectNode source = node.deepCopy();
                    source.remove("relation");
                    fillIfReadsExisting(Table.of(node.path("relation")), source);
                }
                case "CopyStmt" -> {
                    if (node.path("is_from").asBoolean() && node.has("relation")) {
                        filled(Table.of(node.path("relation")));
                    }
                }
                case "IndexStmt" -> createIndex(site, node);
                case "ReindexStmt" -> reindex(site, node);
                case "VacuumStmt" -> vacuum(site, node);
                case "ClusterStmt" ->
                    add(
                            site,
                            TABLE_REWRITE,
                            Severity.HAZARD,
                            "CLUSTER rewrites "
                                    + (node.has("relation")
                                            ? Table.of(node.path("relation")).display()
                                            : "every clustered table")
                                    + " under an ACCESS EXCLUSIVE lock: reads and writes wait until it ends; use pg_repack or"
                                    + " pg_squeeze, or run it in a maintenance window");
                case "TransactionStmt" -> transaction(site, node);
                default -> serverWide(site, type, node);
            }
            if ("SelectStmt".equals(type) && node.has("intoClause")) {
                Table into = Table.of(node.path("intoClause").path("rel"));
                created(site, node.path("intoClause").path("rel"), false); // SELECT ... INTO new_table
                fillIfReadsExisting(into, node);
            }
            dataChanges(site, tree);
        }

        // --- server-wide -------------------------------------------------------------------------------

        private void serverWide(Site site, String type, JsonNode node) {
            String beyond = ": it acts on the server, not the migrated database, so no backup of this database"
                    + " covers it and it is never rehearsed on a shared server";
            switch (type) {
                case "DropdbStmt" ->
                    add(
                            site,
                            DROP_DATABASE,
                            Severity.DATA_LOSS,
                            true,
                            List.of(),
                            "drops database " + quote(node.path("dbname").asText()) + beyond);
                case "CreatedbStmt" ->
                    add(
                            site,
                            CREATE_DATABASE,
                            Severity.HAZARD,
                            true,
                            List.of(),
                            "creates database " + quote(node.path("dbname").asText()) + beyond);
                case "AlterDatabaseStmt", "AlterDatabaseSetStmt", "AlterDatabaseRefreshCollStmt" ->
                    add(
                            site,
                            ALTER_DATABASE,
                            Severity.HAZARD,
                            true,
                            List.of(),
                            "changes database " + quote(node.path("dbname").asText()) + beyond);
                case "DropOwnedStmt" ->
                    add(
                            site,
                            DROP_OWNED,
                            Severity.DATA_LOSS,
                            true,
                            List.of(),
                            "drops every object owned by " + roles(node.path("roles"))
                                    + " in this database, tables and their rows included, and revokes their privileges"
                                    + " on shared objects" + beyond);
                case "ReassignOwnedStmt" ->
                    add(
                            site,
                            REASSIGN_OWNED,
                            Severity.HAZARD,
                            true,
                            List.of(),
                            "gives what " + roles(node.path("roles")) + " own, databases and tablespaces included, to "
                                    + roles(List.of(node.path("newrole"))) + beyond);
                case "CreateRoleStmt", "AlterRoleStmt", "AlterRoleSetStmt", "DropRoleStmt", "GrantRoleStmt" ->
                    add(
                            site,
                            ROLE_CHANGE,
                            Severity.HAZARD,
                            true,
                            List.of(),
                            "changes roles (" + type.replace("Stmt", "")
                                    + "), which every database of the server shares" + beyond);
                case "AlterSystemStmt" ->
                    add(
                            site,
                            ALTER_SYSTEM,
                            Severity.HAZARD,
                            true,
                            List.of(),
                            "changes the server's configuration (postgresql.auto.conf) for every database" + beyond);
                case "CreateTableSpaceStmt", "DropTableSpaceStmt", "AlterTableSpaceOptionsStmt" ->
                    add(
                            site,
                            TABLESPACE_CHANGE,
                            Severity.HAZARD,
                            true,
                            List.of(),
                            "changes tablespace "
                                    + quote(node.path("tablespacename").asText()) + beyond);
                case "AlterOwnerStmt" -> {
                    String kind = node.path("objectType").asText();
                    if ("OBJECT_DATABASE".equals(kind) || "OBJECT_TABLESPACE".equals(kind)) {
                        add(
                                site,
                                "OBJECT_DATABASE".equals(kind) ? ALTER_DATABASE : TABLESPACE_CHANGE,
                                Severity.HAZARD,
                                true,
                                List.of(),
                                "changes the owner of a " + kind.substring(7).toLowerCase() + beyond);
                    }
                }
                default -> {}
            }
        }

        private static String roles(Iterable<JsonNode> roles) {
            List<String> names = new ArrayList<>();
            for (JsonNode role : roles) {
                JsonNode spec = role.has("RoleSpec") ? role.path("RoleSpec") : role;
                String name = spec.path("rolename").asText("");
                names.add(
                        name.isEmpty()
                                ? spec.path("roletype")
                                        .asText()
                                        .replace("ROLESPEC_", "")
                                        .toLowerCase()
                                : quote(name));
            }
            return String.join(", ", names);
        }

        // --- drops -------------------------------------------------------------------------------------

        private void drop(Site site, JsonNode drop) {
            String kind = drop.path("removeType").asText();
            boolean cascade = "DROP_CASCADE".equals(drop.path("behavior").asText());
            switch (kind) {
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
                        add(
                                site,
                                DROP_TABLE,
                                Severity.DATA_LOSS,
                                false,
                                existing.stream().map(Table::loss).toList(),
                                "drops " + plural("table", existing.size()) + " " + displayAll(existing, Table::display)
                                        + ": " + their(existing.size()) + " rows are lost");
                    }
                }
                case "OBJECT_SCHEMA" -> {
                    List<String> schemas = strings(drop.path("objects"));
                    List<Loss> losses = new ArrayList<>();
                    boolean known = true;
                    for (String schema : schemas) {
                        List<Loss> lost = cascade
                                ? catalog.cascadeLosses(new DropTarget(kind, List.of(schema), null))
                                : List.of();
                        if (lost == null) {
                            known = false;
                        } else {
                            losses.addAll(lost);
                        }
                    }
                    String what = !cascade
                            ? ": it fails unless empty, and with CASCADE every table in it would go"
                            : !known
                                    ? " with everything in it: the rows of its tables are lost"
                                    : losses.isEmpty()
                                            ? " with everything in it (it holds no table today)"
                                            : " with everything in it: " + lossList(losses)
                                                    + " and their rows are lost";
                    add(
                            site,
                            DROP_SCHEMA,
                            Severity.DATA_LOSS,
                            false,
                            losses,
                            "drops " + plural("schema", schemas.size()) + " " + displayAll(schemas, SqlLint::quote)
                                    + what);
                    return;
                }
                case "OBJECT_INDEX" -> {
                    if (!drop.path("concurrent").asBoolean()) {
                        List<String> names = new ArrayList<>();
                        for (JsonNode object : drop.path("objects")) {
                            List<String> parts = strings(object.path("List").path("items"));
                            String name = parts.get(parts.size() - 1);
                            if (!newIndexes.remove(name)) {
                                names.add(quote(name));
                            }
                        }
                        if (!names.isEmpty()) {
                            add(
                                    site,
                                    INDEX_WITHOUT_CONCURRENTLY,
                                    Severity.HAZARD,
                                    "drops index " + String.join(", ", names)
                                            + " under an ACCESS EXCLUSIVE lock on its table: reads and writes wait; use DROP INDEX"
                                            + " CONCURRENTLY (outside a transaction)");
                        }
                    }
                }
                default -> {}
            }
            if (cascade && CASCADING_KINDS.contains(kind)) {
                cascade(site, kind, drop.path("objects"));
            }
        }

        /** What a CASCADE drop takes beyond the objects it names: each lost table or column, from the catalog. */
        private void cascade(Site site, String kind, JsonNode objects) {
            String verb = "DROP " + kind.substring("OBJECT_".length()).replace('_', ' ');
            for (JsonNode object : objects) {
                DropTarget target = target(kind, object);
                if (target == null) {
                    continue;
                }
                List<Loss> lost = catalog.cascadeLosses(target);
                String through = verb + " " + target.display() + " CASCADE";
                if (lost == null) {
                    if (!"OBJECT_TABLE".equals(kind)) { // a table's own drop already blocks
                        add(
                                site,
                                CASCADE_DROP,
                                Severity.DATA_LOSS,
                                "drops " + target.display() + " with CASCADE: every"
                                        + " column and table that depends on it goes too, and without the database's catalog"
                                        + " which ones is unknown");
                    }
                    continue;
                }
                for (Loss loss : lost) {
                    if ("OBJECT_TABLE".equals(kind)
                            && loss.isTable()
                            && Table.ofNames(target.names()).loss().equals(loss)) {
                        continue; // the named table: drop-table reports it
                    }
                    add(
                            site,
                            CASCADE_DROP,
                            Severity.DATA_LOSS,
                            false,
                            List.of(loss),
                            "drops " + (loss.isTable() ? "table " : "column ") + loss.display() + " through " + through
                                    + ": its data is lost");
                }
            }
        }

        private static DropTarget target(String kind, JsonNode object) {
            if (object.has("String")) {
                return new DropTarget(
                        kind, List.of(object.path("String").path("sval").asText()), null);
            }
            if (object.has("List")) {
                return new DropTarget(kind, strings(object.path("List").path("items")), null);
            }
            if (object.has("TypeName")) {
                return new DropTarget(kind, strings(object.path("TypeName").path("names")), null);
            }
            if (object.has("ObjectWithArgs")) {
                JsonNode function = object.path("ObjectWithArgs");
                List<String> args = null;
                if (!function.path("args_unspecified").asBoolean() && function.has("objargs")) {
                    args = new ArrayList<>();
                    for (JsonNode arg : function.path("objargs")) {
                        args.add(typeName(arg.path("TypeName")));
                    }
                } else if (!function.path("args_unspecified").asBoolean()) {
                    args = List.of();
                }
                return new DropTarget(kind, strings(function.path("objname")), args);
            }
            return null;
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
                add(
                        site,
                        TRUNCATE,
                        Severity.DATA_LOSS,
                        "truncates " + displayAll(existing, Table::display) + ": every row is deleted");
            }
        }

        // --- ALTER TABLE -------------------------------------------------------------------------------

        private void alterTable(Site site, JsonNode alter) {
            if (!"OBJECT_TABLE".equals(alter.path("objtype").asText())) {
                return; // ALTER TYPE/INDEX/VIEW/FOREIGN TABLE ... hold no rows of their own
            }
            Table table = Table.of(alter.path("relation"));
            boolean existingTable = !newTables.contains(table);
            List<Column> droppedColumns = new ArrayList<>();
            Map<Column, String> retyped = new LinkedHashMap<>();
            List<Column> notNull = new ArrayList<>();
            for (JsonNode cmdNode : alter.path("cmds")) {
                JsonNode cmd = cmdNode.path("AlterTableCmd");
                Column column = new Column(table, cmd.path("name").asText());
                switch (cmd.path("subtype").asText()) {
                    case "AT_AddColumn" -> addColumn(site, table, existingTable, cmd);
                    case "AT_DropColumn" -> {
                        if (!isNew(column)) {
                            droppedColumns.add(column);
                        }
                        newColumns.remove(column);
                    }
                    case "AT_AlterColumnType" -> {
                        JsonNode def = cmd.path("def").path("ColumnDef");
                        String to = typeName(def.path("typeName"));
                        // Without USING, a change the old type's values all fit is a catalog-only change.
                        boolean kept = !def.has("raw_default")
                                && TypeChanges.preservesValues(
                                        catalog.columnType(table.schema(), table.name(), column.name()), to);
                        if (!isNew(column) && !kept) {
                            retyped.put(column, to);
                        }
                    }
                    case "AT_SetNotNull" -> {
                        if (!isNew(column)
                                && !provenNotNull.contains(column)
                                && !catalog.provenNotNull(table.schema(), table.name(), column.name())) {
                            notNull.add(column);
                        }
                    }
                    case "AT_AddConstraint" ->
                        addConstraint(
                                site, table, existingTable, cmd.path("def").path("Constraint"));
                    case "AT_ValidateConstraint" -> {
                        Column proven = pendingNotNullChecks.remove(
                                table.display() + "." + cmd.path("name").asText());
                        if (proven != null) {
                            provenNotNull.add(proven);
                        }
                    }
                    default -> {}
                }
            }
            if (!droppedColumns.isEmpty()) {
                add(
                        site,
                        DROP_COLUMN,
                        Severity.DATA_LOSS,
                        false,
                        droppedColumns.stream().map(Column::loss).toList(),
                        "drops " + plural("column", droppedColumns.size()) + " "
                                + displayAll(droppedColumns, Column::display) + ": " + their(droppedColumns.size())
                                + " data is lost");
            }
            if (!retyped.isEmpty()) {
                String changes = retyped.entrySet().stream()
                        .map(e -> e.getKey().display() + " to " + e.getValue())
                        .collect(Collectors.joining(", "));
                add(
                        site,
                        ALTER_COLUMN_TYPE,
                        Severity.DATA_LOSS,
                        "changes the type of " + changes
                                + ": values are converted (they may be cut, rounded or refused) and the table is rewritten under an exclusive lock");
            }
            if (!notNull.isEmpty()) {
                add(
                        site,
                        SET_NOT_NULL,
                        Severity.HAZARD,
                        "sets " + displayAll(notNull, Column::display)
                                + " NOT NULL: scans the whole table under an ACCESS EXCLUSIVE lock and fails if a row holds NULL;"
                                + " first ADD CONSTRAINT ... CHECK (column IS NOT NULL) NOT VALID, then VALIDATE CONSTRAINT,"
                                + " then SET NOT NULL uses the constraint and does not scan");
            }
        }

        private void addColumn(Site site, Table table, boolean existingTable, JsonNode cmd) {
            JsonNode def = cmd.path("def").path("ColumnDef");
            Column column = new Column(table, def.path("colname").asText());
            // ADD COLUMN IF NOT EXISTS may meet an existing column: not known to be new.
            if (!cmd.path("missing_ok").asBoolean()) {
                newColumns.add(column);
            }
            if (!existingTable) {
                return;
            }
            boolean notNull = def.path("is_not_null").asBoolean();
            boolean hasDefault = def.has("raw_default");
            String volatileBy = null;
            List<String> typeParts = strings(def.path("typeName").path("names"));
            if (!typeParts.isEmpty() && SERIAL_TYPES.contains(typeParts.get(typeParts.size() - 1))) {
                volatileBy = "a " + typeParts.get(typeParts.size() - 1) + " column (nextval() per row)";
                hasDefault = true;
            }
            for (JsonNode c : def.path("constraints")) {
                JsonNode constraint = c.path("Constraint");
                switch (constraint.path("contype").asText()) {
                    case "CONSTR_NOTNULL", "CONSTR_PRIMARY" -> notNull = true;
                    case "CONSTR_DEFAULT" -> {
                        hasDefault = true;
                        String function = volatileFunction(constraint.path("raw_expr"));
                        if (function != null) {
                            volatileBy = "the volatile default " + function + "()";
                        }
                    }
                    case "CONSTR_IDENTITY" -> {
                        hasDefault = true;
                        volatileBy = "an identity column";
                    }
                    case "CONSTR_GENERATED" -> {
                        hasDefault = true;
                        if (!"v".equals(constraint.path("generated_kind").asText())) {
                            volatileBy = "a stored generated column";
                        }
                    }
                    default -> {}
                }
            }
            if (volatileBy != null) {
                add(
                        site,
                        VOLATILE_DEFAULT,
                        Severity.HAZARD,
                        "adds " + column.display() + " with " + volatileBy
                                + ": the whole table is rewritten under an ACCESS EXCLUSIVE lock; add the column without a"
                                + " default (or with a constant one), then fill it in batches");
            } else if (notNull && !hasDefault) {
                add(
                        site,
                        NOT_NULL_WITHOUT_DEFAULT,
                        Severity.HAZARD,
                        "adds " + column.display() + " NOT NULL without a"
                                + " default: fails as soon as the table holds a row; add it with a DEFAULT, or nullable, fill"
                                + " it, then make it NOT NULL");
            }
        }

        private void addConstraint(Site site, Table table, boolean existingTable, JsonNode constraint) {
            String type = constraint.path("contype").asText();
            boolean notValid = constraint.path("skip_validation").asBoolean();
            String name = constraint.path("conname").asText("");
            if ("CONSTR_CHECK".equals(type)) {
                Column nullChecked = notNullCheck(table, constraint.path("raw_expr"));
                if (nullChecked != null) {
                    if (notValid) {
                        pendingNotNullChecks.put(table.display() + "." + name, nullChecked);
                    } else {
                        provenNotNull.add(nullChecked);
                    }
                }
            }
            if (!existingTable) {
                return;
            }
            switch (type) {
                case "CONSTR_FOREIGN", "CONSTR_CHECK" -> {
                    if (!notValid) {
                        add(
                                site,
                                CONSTRAINT_WITHOUT_NOT_VALID,
                                Severity.HAZARD,
                                "adds "
                                        + ("CONSTR_FOREIGN".equals(type) ? "a foreign key" : "a CHECK constraint")
                                        + (name.isEmpty() ? "" : " " + quote(name)) + " to " + table.display()
                                        + " and checks every row while holding a lock that blocks writes"
                                        + ("CONSTR_FOREIGN".equals(type) ? " (on both tables)" : "")
                                        + "; add it NOT VALID, then VALIDATE CONSTRAINT in a later statement (which lets writes on)");
                    }
                }
                case "CONSTR_PRIMARY", "CONSTR_UNIQUE", "CONSTR_EXCLUSION" -> {
                    if (!constraint.has("indexname")) {
                        add(
                                site,
                                UNIQUE_WITHOUT_INDEX,
                                Severity.HAZARD,
                                "adds a "
                                        + ("CONSTR_PRIMARY".equals(type)
                                                ? "primary key"
                                                : "CONSTR_UNIQUE".equals(type)
                                                        ? "unique constraint"
                                                        : "exclusion constraint")
                                        + " to " + table.display()
                                        + " and builds its index under an ACCESS EXCLUSIVE lock;"
                                        + " CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT ... USING INDEX");
                    }
                }
                default -> {}
            }
        }

        /** The column of {@code CHECK (column IS NOT NULL)}, or null for any other expression. */
        private static Column notNullCheck(Table table, JsonNode expression) {
            JsonNode test = expression.path("NullTest");
            if (!"IS_NOT_NULL".equals(test.path("nulltesttype").asText())) {
                return null;
            }
            List<String> fields = strings(test.path("arg").path("ColumnRef").path("fields"));
            return fields.size() == 1 ? new Column(table, fields.get(0)) : null;
        }

        private static String volatileFunction(JsonNode expression) {
            if (expression.isObject()) {
                JsonNode call = expression.path("FuncCall");
                if (call.isObject()) {
                    List<String> name = strings(call.path("funcname"));
                    String last = name.isEmpty() ? "" : name.get(name.size() - 1);
                    if (VOLATILE_FUNCTIONS.contains(last)) {
                        return last;
                    }
                }
            }
            for (JsonNode child : expression) {
                String found = volatileFunction(child);
                if (found != null) {
                    return found;
                }
            }
            return null;
        }

        // --- indexes, maintenance, transactions ---------------------------------------------------------

        private void createIndex(Site site, JsonNode index) {
            Table table = Table.of(index.path("relation"));
            if (index.has("idxname")) {
                newIndexes.add(index.path("idxname").asText());
            }
            boolean concurrent = index.path("concurrent").asBoolean();
            if (concurrent && inTransaction) {
                add(
                        site,
                        CONCURRENTLY_IN_TRANSACTION,
                        Severity.HAZARD,
                        "CREATE INDEX CONCURRENTLY inside BEGIN ... COMMIT:"
                                + " PostgreSQL refuses it in a transaction block and the migration fails half-way; run it"
                                + " in a migration of its own, outside a transaction");
            } else if (!concurrent && !newTables.contains(table)) {
                add(
                        site,
                        INDEX_WITHOUT_CONCURRENTLY,
                        Severity.HAZARD,
                        "builds an index on " + table.display()
                                + " under a SHARE lock: every write to the table waits until the build ends; use CREATE INDEX"
                                + " CONCURRENTLY (outside a transaction)");
            }
        }

        private void reindex(Site site, JsonNode reindex) {
            for (JsonNode param : reindex.path("params")) {
                if ("concurrently".equals(param.path("DefElem").path("defname").asText())) {
                    return;
                }
            }
            add(
                    site,
                    INDEX_WITHOUT_CONCURRENTLY,
                    Severity.HAZARD,
                    "REINDEX without CONCURRENTLY locks out writes"
                            + " (and reads that use the index) until it ends; use REINDEX ... CONCURRENTLY");
        }

        private void vacuum(Site site, JsonNode vacuum) {
            for (JsonNode option : vacuum.path("options")) {
                if ("full".equals(option.path("DefElem").path("defname").asText())) {
                    add(
                            site,
                            TABLE_REWRITE,
                            Severity.HAZARD,
                            "VACUUM FULL rewrites the table under an ACCESS EXCLUSIVE"
                                    + " lock: reads and writes wait until it ends; use pg_repack or pg_squeeze, or plain VACUUM");
                    return;
                }
            }
        }

        private void transaction(Site site, JsonNode transaction) {
            String kind = transaction.path("kind").asText();
            switch (kind) {
                case "TRANS_STMT_BEGIN", "TRANS_STMT_START" -> inTransaction = true;
                case "TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK" -> inTransaction = false;
                default -> {
                    return; // savepoints and the like stay inside the engine's transaction
                }
            }
            add(
                    site,
                    TRANSACTION_CONTROL,
                    Severity.HAZARD,
                    kind.substring("TRANS_STMT_".length())
                            + " inside a migration file ends or starts a transaction the engine does not know of: a failure"
                            + " after it leaves the migration half-applied; let the engine run each file in its transaction");
        }

        // --- renames -----------------------------------------------------------------------------------

        private void rename(Site site, JsonNode rename) {
            String kind = rename.path("renameType").asText();
            switch (kind) {
                case "OBJECT_TABLE" -> {
                    Table from = Table.of(rename.path("relation"));
                    Table to = new Table(from.schema(), rename.path("newname").asText());
                    if (newTables.remove(from)) {
                        newTables.add(to);
                        moveColumns(from, to);
                    } else {
                        add(
                                site,
                                RENAME_TABLE,
                                Severity.DATA_LOSS,
                                false,
                                List.of(from.loss()),
                                "renames table "
                                        + from.display() + " to " + quote(to.name())
                                        + ": the running application's queries on "
                                        + from.display() + " fail");
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
                        add(
                                site,
                                RENAME_COLUMN,
                                Severity.DATA_LOSS,
                                false,
                                List.of(from.loss()),
                                "renames column "
                                        + from.display() + " to " + quote(to)
                                        + ": the running application's queries that name "
                                        + quote(from.name()) + " fail");
                    }
                }
                case "OBJECT_SCHEMA" ->
                    add(
                            site,
                            RENAME_SCHEMA,
                            Severity.DATA_LOSS,
                            "renames schema "
                                    + quote(rename.path("subname").asText()) + " to "
                                    + quote(rename.path("newname").asText())
                                    + ": the running application's queries on every table in it fail");
                case "OBJECT_DATABASE", "OBJECT_ROLE", "OBJECT_TABLESPACE" ->
                    add(
                            site,
                            "OBJECT_DATABASE".equals(kind)
                                    ? ALTER_DATABASE
                                    : "OBJECT_ROLE".equals(kind) ? ROLE_CHANGE : TABLESPACE_CHANGE,
                            Severity.HAZARD,
                            true,
                            List.of(),
                            "renames "
                                    + kind.substring(7).toLowerCase() + " "
                                    + quote(rename.path("subname").asText())
                                    + ": it acts on the server, not the migrated database, and is never rehearsed on a shared server");
                case "OBJECT_INDEX",
                        "OBJECT_TABCONSTRAINT",
                        "OBJECT_TRIGGER",
                        "OBJECT_POLICY",
                        "OBJECT_RULE",
                        "OBJECT_STATISTIC_EXT" -> {
                    // names only the database itself uses
                }
                default -> {
                    if (kind.startsWith("OBJECT_")) {
                        String what =
                                kind.substring("OBJECT_".length()).toLowerCase().replace('_', ' ');
                        add(
                                site,
                                RENAME_OBJECT,
                                Severity.HAZARD,
                                "renames a " + what + " to "
                                        + quote(rename.path("newname").asText())
                                        + ": the running application's queries that"
                                        + " name it by its old name fail; keep the old name until no reader uses it");
                    }
                }
            }
        }

        private void setSchema(Site site, JsonNode move) {
            String kind = move.path("objectType").asText();
            String schema = move.path("newschema").asText();
            if ("OBJECT_TABLE".equals(kind)) {
                Table from = Table.of(move.path("relation"));
                Table to = new Table(schema, from.name());
                if (newTables.remove(from)) {
                    newTables.add(to);
                    moveColumns(from, to);
                    return;
                }
                add(
                        site,
                        SET_SCHEMA,
                        Severity.DATA_LOSS,
                        false,
                        List.of(from.loss()),
                        "moves table " + from.display()
                                + " to schema " + quote(schema) + ": the running application's queries on "
                                + from.display()
                                + " fail");
            } else if (kind.startsWith("OBJECT_")) {
                add(
                        site,
                        RENAME_OBJECT,
                        Severity.HAZARD,
                        "moves a " + kind.substring(7).toLowerCase().replace('_', ' ') + " to schema " + quote(schema)
                                + ": queries that name it by its old schema fail");
            }
        }

        // --- what new tables hold ----------------------------------------------------------------------

        /** CREATE TABLE (or AS, or SELECT INTO): a table with no existing data; after a drop, a recreated one. */
        private void created(Site site, JsonNode relation, boolean ifNotExists) {
            Table table = Table.of(relation);
            Site drop = dropped.remove(table);
            if (drop != null) {
                String where =
                        drop.file().equals(site.file()) ? "line " + site.line() : site.file() + " line " + site.line();
                add(
                        drop,
                        RECREATE_TABLE,
                        Severity.DATA_LOSS,
                        false,
                        List.of(table.loss()),
                        "drops table "
                                + table.display() + " (line " + drop.line() + ") and creates it again (" + where
                                + "): every existing row is lost, the new table starts empty");
                newTables.add(table);
            } else if (!ifNotExists) {
                newTables.add(table); // IF NOT EXISTS may keep an existing table: not known to be new
            }
        }

        /** A new table that a statement fills from a table that existed before holds existing data from then on. */
        private void fillIfReadsExisting(Table target, JsonNode query) {
            if (newTables.contains(target) && readsExisting(query, new HashSet<>())) {
                filled(target);
            }
        }

        private void filled(Table table) {
            newTables.remove(table);
            newColumns.removeIf(column -> column.table().equals(table));
        }

        /** Whether the (sub)tree reads a relation that is neither new nor a CTE of the query. */
        private boolean readsExisting(JsonNode node, Set<String> ctes) {
            if (node == null || node.isMissingNode()) {
                return false;
            }
            if (node.isObject()) {
                for (JsonNode cte : node.path("withClause").path("ctes")) {
                    ctes.add(cte.path("CommonTableExpr").path("ctename").asText());
                }
                JsonNode rangeVar = node.path("RangeVar");
                if (rangeVar.isObject()) {
                    Table table = Table.of(rangeVar);
                    boolean cte = !rangeVar.has("schemaname") && ctes.contains(table.name());
                    if (!cte && !newTables.contains(table)) {
                        return true;
                    }
                }
            }
            for (JsonNode child : node) {
                if (readsExisting(child, ctes)) {
                    return true;
                }
            }
            return false;
        }

        /** DELETE and UPDATE without WHERE, at the top or in a WITH clause; UPDATEs that fill new tables or columns. */
        private void dataChanges(Site site, JsonNode tree) {
            String type = tree.fieldNames().hasNext() ? tree.fieldNames().next() : "";
            JsonNode node = tree.path(type);
            for (JsonNode cte : node.path("withClause").path("ctes")) {
                dataChanges(site, cte.path("CommonTableExpr").path("ctequery"));
            }
            if (!node.has("relation") || !("DeleteStmt".equals(type) || "UpdateStmt".equals(type))) {
                return;
            }
            Table table = Table.of(node.path("relation"));
            try {
                changesEveryRow(site, type, node, table);
            } finally {
                if ("UpdateStmt".equals(type)) {
                    fillFromUpdate(table, node); // after judging it: what it fills was new when it ran
                }
            }
        }

        private void changesEveryRow(Site site, String type, JsonNode node, Table table) {
            if (node.has("whereClause") || newTables.contains(table)) {
                return;
            }
            if ("DeleteStmt".equals(type)) {
                add(
                        site,
                        DELETE_WITHOUT_WHERE,
                        Severity.DATA_LOSS,
                        "deletes every row of " + table.display() + " (no WHERE)");
            } else {
                List<String> assigned = new ArrayList<>();
                for (JsonNode target : node.path("targetList")) {
                    assigned.add(target.path("ResTarget").path("name").asText());
                }
                // Filling columns this migration added (a backfill) overwrites no existing data.
                if (!assigned.stream().allMatch(column -> newColumns.contains(new Column(table, column)))) {
                    add(
                            site,
                            UPDATE_WITHOUT_WHERE,
                            Severity.DATA_LOSS,
                            "updates every row of " + table.display() + " (no WHERE): the old values of "
                                    + displayAll(assigned, SqlLint::quote) + " are lost");
                }
            }
        }

        /**
         * An UPDATE of a new table that reads an existing one fills it; an UPDATE that sets a new column from
         * other columns or tables (not a constant) fills that column with copies of existing data.
         */
        private void fillFromUpdate(Table table, JsonNode update) {
            if (newTables.contains(table)) {
                if (readsExisting(update.path("fromClause"), new HashSet<>())
                        || readsExisting(update.path("targetList"), new HashSet<>())) {
                    filled(table);
                }
                return;
            }
            for (JsonNode target : update.path("targetList")) {
                JsonNode res = target.path("ResTarget");
                Column column = new Column(table, res.path("name").asText());
                if (newColumns.contains(column) && reads(res.path("val"))) {
                    newColumns.remove(column);
                }
            }
        }

        /** Whether an expression reads data (a column or a subquery), rather than being built from constants. */
        private static boolean reads(JsonNode expression) {
            if (expression.isObject() && (expression.has("ColumnRef") || expression.has("SubLink"))) {
                return true;
            }
            for (JsonNode child : expression) {
                if (reads(child)) {
                    return true;
                }
            }
            return false;
        }

        private boolean isNew(Column column) {
            return newTables.contains(column.table()) || newColumns.contains(column);
        }

        private void moveColumns(Table from, Table to) {
            List<Column> moved =
                    newColumns.stream().filter(c -> c.table().equals(from)).toList();
            moved.forEach(c -> {
                newColumns.remove(c);
                newColumns.add(new Column(to, c.name()));
            });
        }

        private void add(Site site, String rule, Severity severity, String message) {
            add(site, rule, severity, false, List.of(), message);
        }

        private void add(
                Site site, String rule, Severity severity, boolean serverWide, List<Loss> losses, String message) {
            String text = site.statement().text();
            String display = normalize(text);
            if (display.length() > STATEMENT_DISPLAY_LENGTH) {
                display = display.substring(0, STATEMENT_DISPLAY_LENGTH - 1) + "…";
            }
            found.add(new Anchored(
                    site,
                    new Finding(
                            site.file(),
                            site.line(),
                            rule,
                            severity,
                            serverWide,
                            statementHash(text),
                            display,
                            WHITESPACE.matcher(message).replaceAll(" "),
                            losses)));
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
        String name = names.size() == 1
                ? TYPE_NAMES.getOrDefault(names.get(0), quote(names.get(0)))
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
        return PLAIN_IDENTIFIER.matcher(identifier).matches()
                ? identifier
                : '"' + identifier.replace("\"", "\"\"") + '"';
    }

    private static String lossList(List<Loss> losses) {
        Set<String> tables = new LinkedHashSet<>();
        for (Loss loss : losses) {
            tables.add((loss.isTable() ? "table " : "column ") + loss.display());
        }
        return String.join(", ", tables);
    }

    private static <T> String displayAll(List<T> items, Function<T, String> display) {
        return items.stream().map(display).collect(Collectors.joining(", "));
    }

    private static String plural(String noun, int count) {
        return count == 1 ? noun : noun + "s";
    }

    private static String their(int count) {
        return count == 1 ? "its" : "their";
    }
}
