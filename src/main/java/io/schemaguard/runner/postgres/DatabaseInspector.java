package io.schemaguard.runner.postgres;

import io.schemaguard.contract.FailureReason;
import io.schemaguard.runner.RunnerException;
import io.schemaguard.runner.storage.BackupManifest.Extension;
import io.schemaguard.runner.storage.BackupManifest.TableRows;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.postgresql.Driver;

/** Reads what a backup records about its source, and turns connection failures into clear reasons. */
public final class DatabaseInspector {

    /** Server facts at dump time. */
    public record ServerInfo(
            String version,
            int versionNum,
            String database,
            List<TableRows> tables,
            List<String> roles,
            List<Extension> extensions) {
        public int major() {
            return versionNum / 10000;
        }
    }

    private static final String TABLES = """
            SELECT n.nspname, c.relname, c.reltuples::bigint
              FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind IN ('r', 'p')
               AND n.nspname NOT IN ('pg_catalog', 'information_schema')
               AND n.nspname NOT LIKE 'pg\\_toast%'
               AND n.nspname NOT LIKE 'pg\\_temp%'
             ORDER BY 1, 2""";

    /** Roles a restore will name: owners of schemas, relations, functions and types, and grantees. */
    private static final String ROLES = """
            WITH user_ns AS (
                SELECT oid FROM pg_namespace
                 WHERE nspname NOT IN ('pg_catalog', 'information_schema')
                   AND nspname NOT LIKE 'pg\\_toast%' AND nspname NOT LIKE 'pg\\_temp%')
            SELECT DISTINCT r.rolname FROM pg_roles r WHERE r.rolname NOT LIKE 'pg\\_%' AND r.oid IN (
                SELECT nspowner FROM pg_namespace WHERE oid IN (SELECT oid FROM user_ns)
                UNION SELECT relowner FROM pg_class WHERE relnamespace IN (SELECT oid FROM user_ns)
                UNION SELECT proowner FROM pg_proc WHERE pronamespace IN (SELECT oid FROM user_ns)
                UNION SELECT typowner FROM pg_type WHERE typnamespace IN (SELECT oid FROM user_ns)
                UNION SELECT (aclexplode(relacl)).grantee FROM pg_class
                       WHERE relnamespace IN (SELECT oid FROM user_ns) AND relacl IS NOT NULL)
             ORDER BY 1""";

    private static final String EXTENSIONS =
            "SELECT extname, extversion FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY 1";

    private DatabaseInspector() {}

    public static ServerInfo inspect(PgTarget target) {
        try (Connection c = connect(target);
                Statement s = c.createStatement()) {
            String version;
            int versionNum;
            String database;
            try (ResultSet rs = s.executeQuery(
                    "SELECT current_setting('server_version'), current_setting('server_version_num')::int, current_database()")) {
                rs.next();
                version = rs.getString(1).split(" ")[0];
                versionNum = rs.getInt(2);
                database = rs.getString(3);
            }
            List<TableRows> tables = new ArrayList<>();
            try (ResultSet rs = s.executeQuery(TABLES)) {
                while (rs.next()) {
                    tables.add(new TableRows(rs.getString(1), rs.getString(2), rs.getLong(3), null));
                }
            }
            List<String> roles = new ArrayList<>();
            try (ResultSet rs = s.executeQuery(ROLES)) {
                while (rs.next()) {
                    roles.add(rs.getString(1));
                }
            }
            List<Extension> extensions = new ArrayList<>();
            try (ResultSet rs = s.executeQuery(EXTENSIONS)) {
                while (rs.next()) {
                    extensions.add(new Extension(rs.getString(1), rs.getString(2)));
                }
            }
            return new ServerInfo(version, versionNum, database, tables, roles, extensions);
        } catch (SQLException e) {
            throw classify(e, target);
        }
    }

    public static Connection connect(PgTarget target) throws SQLException {
        Connection c = new Driver().connect(target.jdbcUrl(), target.jdbcProperties());
        // A killed runner's session in a long statement (a migration's ALTER) would keep its locks until the
        // statement ended; PostgreSQL 14+ can notice the gone client every few seconds and roll it back.
        if (c.getMetaData().getDatabaseMajorVersion() >= 14) {
            try (Statement s = c.createStatement()) {
                s.execute("SET client_connection_check_interval = '5s'");
            } catch (SQLException e) {
                c.close();
                throw e;
            }
        }
        return c;
    }

    public static RunnerException classify(SQLException e, PgTarget target) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        if (state.equals("28P01") || state.equals("28000")) {
            return new RunnerException(
                    FailureReason.AuthenticationFailed,
                    "authentication failed for user '" + target.user() + "' at " + target.host() + ":" + target.port()
                            + ": check the password (PGPASSWORD / the password Secret)",
                    e);
        }
        if (e.getMessage() != null && e.getMessage().contains("no password was provided")) {
            return new RunnerException(
                    FailureReason.AuthenticationFailed,
                    "the server at " + target.host() + ":" + target.port() + " requires a password for user '"
                            + target.user() + "' and none was given: set PGPASSWORD (or the password Secret)",
                    e);
        }
        if (state.equals("3D000")) {
            return new RunnerException(
                    FailureReason.DatabaseNotFound,
                    "database '" + target.database() + "' does not exist on " + target.host() + ":" + target.port(),
                    e);
        }
        if (state.startsWith("08")
                || state.equals("57P03")
                || state.equals("53300")
                || hasCause(
                        e,
                        ConnectException.class,
                        UnknownHostException.class,
                        NoRouteToHostException.class,
                        SocketTimeoutException.class)) {
            return new RunnerException(
                    FailureReason.DatabaseUnreachable,
                    "database " + target.host() + ":" + target.port() + " is unreachable: " + rootCause(e),
                    e);
        }
        return new RunnerException(
                FailureReason.DatabaseError,
                "database error on " + target.describe() + " (SQLSTATE " + state + "): " + firstLine(e.getMessage()),
                e);
    }

    @SafeVarargs
    private static boolean hasCause(Throwable t, Class<? extends Throwable>... types) {
        for (Throwable c = t; c != null && c.getCause() != c; c = c.getCause()) {
            for (Class<? extends Throwable> type : types) {
                if (type.isInstance(c)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String rootCause(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        if (c instanceof UnknownHostException) {
            return "unknown host " + c.getMessage();
        }
        String m = c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
        return firstLine(m.contains("Connection refused") ? "connection refused" : m);
    }

    static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
