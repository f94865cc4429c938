package io.schemaguard.runner.migration;

import io.schemaguard.api.SafeMigrationSpec.Assertion;
import io.schemaguard.runner.postgres.Sql;
import io.schemaguard.runner.storage.BackupManifest.TableRows;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What must hold after a migration: no table the migration kept has fewer rows than in the backup's
 * snapshot, no index is left invalid, and every user assertion returns true. Each problem is one line.
 */
public final class PostMigrationChecks {
    private PostMigrationChecks() {}

    /**
     * @param before exact counts from the backup's snapshot (tables without one are skipped)
     * @param dropped tables the migration dropped ("schema.name" or bare names of public tables)
     */
    public static List<String> rowCounts(Connection c, List<TableRows> before, Set<String> dropped)
            throws SQLException {
        List<String> problems = new ArrayList<>();
        try (Statement s = c.createStatement()) {
            for (TableRows t : before) {
                String name = SchemaShape.display(t.qualifiedName());
                if (t.exactRows() == null || dropped.contains(name)) {
                    continue;
                }
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + Sql.table(t.schema(), t.name()))) {
                    rs.next();
                    long now = rs.getLong(1);
                    if (now < t.exactRows()) {
                        problems.add(name + ": " + (t.exactRows() - now) + " of " + t.exactRows() + " rows lost (" + now
                                + " left)");
                    }
                } catch (SQLException e) {
                    if (!"42P01".equals(e.getSQLState())) {
                        throw e;
                    }
                    problems.add(name + " is gone (renamed or dropped outside the lint's sight)");
                }
            }
        }
        return problems;
    }

    public static List<String> invalidIndexes(Connection c) throws SQLException {
        List<String> problems = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT indexrelid::regclass::text FROM pg_index WHERE NOT indisvalid ORDER BY 1")) {
            while (rs.next()) {
                problems.add("index " + rs.getString(1) + " is invalid");
            }
        }
        return problems;
    }

    public static List<String> assertions(Connection c, List<Assertion> assertions) {
        List<String> problems = new ArrayList<>();
        for (Assertion a : assertions) {
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery(a.getSql())) {
                if (!rs.next() || !rs.getBoolean(1)) {
                    problems.add("assertion " + a.getName() + " is false");
                }
            } catch (SQLException e) {
                problems.add("assertion " + a.getName() + " failed: "
                        + e.getMessage().split("\n")[0]);
            }
        }
        return problems;
    }
}
