package io.schemaguard.runner.migration;

import io.schemaguard.runner.migration.lint.Catalog;
import io.schemaguard.runner.migration.lint.Finding.Loss;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The lint's questions answered from the target database's catalog, before the pending migrations
 * run: what a CASCADE drop takes with it is the closure of {@code pg_depend} from the dropped object
 * (PostgreSQL's own dependency walk: dependents of normal, automatic, internal and extension
 * dependencies, and the owners of internal objects, as when a view's rule goes with a table), of
 * which the tables and the columns of other tables are reported. Reads only; no lock beyond a catalog
 * read.
 */
final class DatabaseCatalog implements Catalog {

    /** Beyond this many dependent objects the walk stops and the answer is "unknown" (the drop still blocks). */
    private static final int MAX_OBJECTS = 20_000;

    private static final String QUALIFIED =
            "array_to_string(ARRAY(SELECT quote_ident(x) FROM unnest(?::text[]) x), '.')";

    private final Connection connection;

    DatabaseCatalog(Connection connection) {
        this.connection = connection;
    }

    private record ObjectId(long classId, long objId, int subId) {}

    @Override
    public List<Loss> cascadeLosses(DropTarget target) {
        try {
            ObjectId root = resolve(target);
            return root == null ? null : losses(walk(root));
        } catch (SQLException e) {
            return null; // unknown: the rule then reports the drop with its dependents unknown
        }
    }

    @Override
    public String columnType(String schema, String table, String column) {
        String sql = "SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a WHERE a.attrelid = to_regclass("
                + QUALIFIED + ") AND a.attname = ? AND a.attnum > 0 AND NOT a.attisdropped";
        try (PreparedStatement s = connection.prepareStatement(sql)) {
            s.setArray(1, names(List.of(schema, table)));
            s.setString(2, column);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        } catch (SQLException e) {
            return null;
        }
    }

    @Override
    public boolean provenNotNull(String schema, String table, String column) {
        String sql = "SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass(" + QUALIFIED + ") AND contype = 'c'"
                + " AND convalidated AND pg_get_constraintdef(oid) = 'CHECK ((' || quote_ident(?) || ' IS NOT NULL))'";
        try (PreparedStatement s = connection.prepareStatement(sql)) {
            s.setArray(1, names(List.of(schema, table)));
            s.setString(2, column);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next();
            }
        } catch (SQLException e) {
            return false;
        }
    }

    /** The catalog row of the dropped object, or null when it does not exist (yet) or its kind is not handled. */
    private ObjectId resolve(DropTarget target) throws SQLException {
        String sql = switch (target.kind()) {
            case "OBJECT_TYPE", "OBJECT_DOMAIN" ->
                "SELECT 'pg_type'::regclass::oid, to_regtype(" + QUALIFIED + ")::oid";
            case "OBJECT_EXTENSION" ->
                "SELECT 'pg_extension'::regclass::oid, (SELECT oid FROM pg_extension WHERE extname"
                        + " = (?::text[])[1])";
            case "OBJECT_SCHEMA" -> "SELECT 'pg_namespace'::regclass::oid, to_regnamespace(" + QUALIFIED + ")::oid";
            case "OBJECT_FUNCTION", "OBJECT_PROCEDURE", "OBJECT_ROUTINE", "OBJECT_AGGREGATE" ->
                target.argTypes() == null
                        ? "SELECT 'pg_proc'::regclass::oid, to_regproc(" + QUALIFIED + ")::oid"
                        : "SELECT 'pg_proc'::regclass::oid, to_regprocedure(" + QUALIFIED + " || '(' || ? || ')')::oid";
            case "OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_SEQUENCE", "OBJECT_FOREIGN_TABLE" ->
                "SELECT 'pg_class'::regclass::oid, to_regclass(" + QUALIFIED + ")::oid";
            default -> null;
        };
        if (sql == null) {
            return null;
        }
        try (PreparedStatement s = connection.prepareStatement(sql)) {
            s.setArray(1, names(target.names()));
            if (sql.contains("|| ?")) {
                s.setString(2, String.join(", ", target.argTypes()));
            }
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next() || rs.getObject(2) == null) {
                    return null;
                }
                return new ObjectId(rs.getLong(1), rs.getLong(2), 0);
            }
        }
    }

    /** Every object dropping {@code root} with CASCADE removes, {@code root} included; null past {@link #MAX_OBJECTS}. */
    private Set<ObjectId> walk(ObjectId root) throws SQLException {
        Set<ObjectId> seen = new LinkedHashSet<>();
        Deque<ObjectId> queue = new ArrayDeque<>();
        seen.add(root);
        queue.add(root);
        String dependents = "SELECT classid, objid, objsubid FROM pg_depend WHERE refclassid = ? AND refobjid = ?"
                + " AND (? = 0 OR refobjsubid = ?) AND deptype IN ('n', 'a', 'i', 'e')"
                + " UNION SELECT refclassid, refobjid, 0 FROM pg_depend WHERE classid = ? AND objid = ? AND deptype = 'i'";
        try (PreparedStatement s = connection.prepareStatement(dependents)) {
            while (!queue.isEmpty()) {
                ObjectId o = queue.poll();
                s.setLong(1, o.classId());
                s.setLong(2, o.objId());
                s.setInt(3, o.subId());
                s.setInt(4, o.subId());
                s.setLong(5, o.classId());
                s.setLong(6, o.objId());
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        ObjectId next = new ObjectId(rs.getLong(1), rs.getLong(2), rs.getInt(3));
                        // A whole object already going covers its columns.
                        if (!seen.contains(new ObjectId(next.classId(), next.objId(), 0)) && seen.add(next)) {
                            if (seen.size() > MAX_OBJECTS) {
                                return null;
                            }
                            queue.add(next);
                        }
                    }
                }
            }
        }
        return seen;
    }

    /** The tables among {@code objects}, and the columns of tables that are not themselves dropped. */
    private List<Loss> losses(Set<ObjectId> objects) throws SQLException {
        if (objects == null) {
            return null;
        }
        long pgClass;
        try (PreparedStatement s = connection.prepareStatement("SELECT 'pg_class'::regclass::oid");
                ResultSet rs = s.executeQuery()) {
            rs.next();
            pgClass = rs.getLong(1);
        }
        Set<Long> wholeTables = new HashSet<>();
        objects.stream().filter(o -> o.classId() == pgClass && o.subId() == 0).forEach(o -> wholeTables.add(o.objId()));
        List<Loss> losses = new ArrayList<>();
        String sql =
                "SELECT n.nspname, c.relname, a.attname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                        + " LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ? WHERE c.oid = ? AND c.relkind IN ('r', 'p')";
        try (PreparedStatement s = connection.prepareStatement(sql)) {
            for (ObjectId o : objects) {
                if (o.classId() != pgClass || (o.subId() > 0 && wholeTables.contains(o.objId()))) {
                    continue;
                }
                s.setInt(1, o.subId());
                s.setLong(2, o.objId());
                try (ResultSet rs = s.executeQuery()) {
                    if (rs.next()) {
                        losses.add(new Loss(rs.getString(1), rs.getString(2), o.subId() > 0 ? rs.getString(3) : null));
                    }
                }
            }
        }
        return losses;
    }

    private Array names(List<String> names) throws SQLException {
        return connection.createArrayOf("text", names.toArray());
    }
}
