package io.schemaguard.runner.migration;

import io.schemaguard.runner.migration.lint.Finding.Loss;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Tables and their columns (name and type), enough to say what a migration changed in one line per
 * table: {@code orders: +customer_reference text}, {@code orders: -note}, {@code orders: total numeric -> bigint},
 * {@code +invoices (new table)}, {@code -legacy (dropped)}.
 */
public record SchemaShape(Map<String, Map<String, String>> tables) {

    private static final String COLUMNS = """
            SELECT n.nspname || '.' || c.relname, a.attname, format_type(a.atttypid, a.atttypmod)
              FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
               AND n.nspname NOT IN ('pg_catalog', 'information_schema')
               AND n.nspname NOT LIKE 'pg\\\\_toast%' AND n.nspname NOT LIKE 'pg\\\\_temp%'
             ORDER BY 1, a.attnum""";

    public static SchemaShape read(Connection c) throws SQLException {
        Map<String, Map<String, String>> tables = new TreeMap<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(COLUMNS)) {
            while (rs.next()) {
                tables.computeIfAbsent(display(rs.getString(1)), k -> new LinkedHashMap<>())
                        .put(rs.getString(2), rs.getString(3));
            }
        }
        return new SchemaShape(tables);
    }

    /** "public.orders" shows as "orders". */
    static String display(String qualified) {
        return qualified.startsWith("public.") ? qualified.substring("public.".length()) : qualified;
    }

    public Set<String> tableNames() {
        return tables.keySet();
    }

    /**
     * The tables, and columns of tables that stay, that are in this shape and not in {@code after}, less
     * those {@code accounted} names (a table named covers its columns), as the diff shows them.
     */
    public List<String> unaccountedLosses(SchemaShape after, Collection<Loss> accounted) {
        Set<String> tablesAllowed = new HashSet<>();
        Set<String> columnsAllowed = new HashSet<>();
        for (Loss loss : accounted) {
            String table = display(loss.schema() + "." + loss.table());
            if (loss.isTable()) {
                tablesAllowed.add(table);
            } else {
                columnsAllowed.add(table + "\0" + loss.column());
            }
        }
        List<String> lost = new ArrayList<>();
        for (Map.Entry<String, Map<String, String>> table : tables.entrySet()) {
            if (tablesAllowed.contains(table.getKey())) {
                continue;
            }
            Map<String, String> now = after.tables.get(table.getKey());
            if (now == null) {
                lost.add("table " + table.getKey());
                continue;
            }
            for (String column : table.getValue().keySet()) {
                if (!now.containsKey(column) && !columnsAllowed.contains(table.getKey() + "\0" + column)) {
                    lost.add("column " + table.getKey() + "." + column);
                }
            }
        }
        return lost;
    }

    /** One line per changed table, in table order. */
    public List<String> diff(SchemaShape after) {
        List<String> changes = new ArrayList<>();
        Set<String> names = new TreeSet<>(tables.keySet());
        names.addAll(after.tables.keySet());
        for (String t : names) {
            Map<String, String> before = tables.get(t);
            Map<String, String> now = after.tables.get(t);
            if (before == null) {
                changes.add("+" + t + " (new table)");
                continue;
            }
            if (now == null) {
                changes.add("-" + t + " (dropped)");
                continue;
            }
            List<String> parts = new ArrayList<>();
            Set<String> columns = new LinkedHashSet<>(before.keySet());
            columns.addAll(now.keySet());
            for (String col : columns) {
                String b = before.get(col);
                String a = now.get(col);
                if (b == null) {
                    parts.add("+" + col + " " + a);
                } else if (a == null) {
                    parts.add("-" + col);
                } else if (!Objects.equals(a, b)) {
                    parts.add(col + " " + b + " -> " + a);
                }
            }
            if (!parts.isEmpty()) {
                changes.add(t + ": " + String.join(", ", parts));
            }
        }
        return changes;
    }
}
