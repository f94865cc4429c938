package io.schemaguard.runner.postgres;

import io.schemaguard.contract.FailureReason;
import io.schemaguard.runner.RunnerException;
import io.schemaguard.runner.storage.BackupManifest;
import io.schemaguard.runner.storage.BackupManifest.TableRows;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The database a restore writes into: what is in it, what it lacks, and creating it when it is new. */
public final class TargetDatabase {

    /** The target before the restore: did it exist, how many user tables does it hold, its name as the server says it. */
    public record State(boolean created, int userTables, int serverMajor, String name) {
        public boolean empty() {
            return userTables == 0;
        }
    }

    private static final String USER_TABLES = """
            SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
               AND n.nspname NOT LIKE 'pg\\\\_toast%' AND n.nspname NOT LIKE 'pg\\\\_temp%'""";

    private TargetDatabase() {}

    /** Connects to the target, creating the database (from the {@code postgres} database) if it does not exist. */
    public static State prepare(PgTarget target) {
        try (Connection c = DatabaseInspector.connect(target)) {
            return new State(false, userTables(c), c.getMetaData().getDatabaseMajorVersion(), currentDatabase(c));
        } catch (SQLException e) {
            if (!"3D000".equals(e.getSQLState())) {
                throw DatabaseInspector.classify(e, target);
            }
        }
        PgTarget maintenance = target.maintenance();
        try (Connection c = DatabaseInspector.connect(maintenance);
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + Sql.ident(target.database()));
        } catch (SQLException e) {
            if ("42501".equals(e.getSQLState())) {
                throw new RunnerException(
                        FailureReason.DatabaseError,
                        "database '" + target.database()
                                + "' does not exist and user '" + target.user()
                                + "' may not create it: create it first, or"
                                + " grant CREATEDB",
                        e);
            }
            throw DatabaseInspector.classify(e, maintenance);
        }
        try (Connection c = DatabaseInspector.connect(target)) {
            return new State(true, 0, c.getMetaData().getDatabaseMajorVersion(), currentDatabase(c));
        } catch (SQLException e) {
            throw DatabaseInspector.classify(e, target);
        }
    }

    private static String currentDatabase(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT current_database()")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /**
     * What the dump needs that the target server lacks: roles that own or are granted objects (not
     * needed when owners and privileges are skipped) and extensions it does not offer.
     */
    public static List<String> missingPrerequisites(PgTarget target, BackupManifest manifest, boolean skipOwnership) {
        List<String> problems = new ArrayList<>();
        try (Connection c = DatabaseInspector.connect(target);
                Statement s = c.createStatement()) {
            if (!skipOwnership && manifest.roles() != null) {
                Set<String> roles = strings(s, "SELECT rolname FROM pg_roles");
                List<String> missing = manifest.roles().stream()
                        .filter(r -> !roles.contains(r))
                        .toList();
                if (!missing.isEmpty()) {
                    problems.add("roles " + String.join(", ", missing) + " do not exist on the target server (create"
                            + " them, or restore without owners and privileges)");
                }
            }
            if (manifest.extensions() != null) {
                Set<String> available = strings(s, "SELECT name FROM pg_available_extensions");
                List<String> missing = manifest.extensions().stream()
                        .map(BackupManifest.Extension::name)
                        .filter(e -> !available.contains(e))
                        .toList();
                if (!missing.isEmpty()) {
                    problems.add(
                            "extensions " + String.join(", ", missing) + " are not available on the target server");
                }
            }
            return problems;
        } catch (SQLException e) {
            throw DatabaseInspector.classify(e, target);
        }
    }

    /** count(*) of each table the manifest lists, on the target; -1 for a table that is not there. */
    public static List<TableRows> count(PgTarget target, List<TableRows> tables) {
        List<TableRows> result = new ArrayList<>();
        try (Connection c = DatabaseInspector.connect(target);
                Statement s = c.createStatement()) {
            for (TableRows t : tables) {
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + Sql.table(t.schema(), t.name()))) {
                    rs.next();
                    result.add(new TableRows(t.schema(), t.name(), t.rowEstimate(), rs.getLong(1)));
                } catch (SQLException e) {
                    if (!"42P01".equals(e.getSQLState())) {
                        throw e;
                    }
                    result.add(new TableRows(t.schema(), t.name(), t.rowEstimate(), -1L));
                }
            }
            return result;
        } catch (SQLException e) {
            throw DatabaseInspector.classify(e, target);
        }
    }

    public static void drop(PgTarget target) {
        PgTarget maintenance = target.maintenance();
        try (Connection c = DatabaseInspector.connect(maintenance);
                Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + Sql.ident(target.database()) + " WITH (FORCE)");
        } catch (SQLException e) {
            throw DatabaseInspector.classify(e, maintenance);
        }
    }

    private static int userTables(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(USER_TABLES)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static Set<String> strings(Statement s, String sql) throws SQLException {
        Set<String> values = new HashSet<>();
        try (ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }
}
