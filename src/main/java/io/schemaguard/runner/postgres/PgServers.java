package io.schemaguard.runner.postgres;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Objects;

/** Whether two connection targets reach the same PostgreSQL server, whatever names and addresses they use. */
public final class PgServers {

    /**
     * The postmaster's start time and its databases' oids identify a running server: two names for one
     * host (a Service and its pod IP, localhost and 127.0.0.1) answer alike, two servers do not.
     */
    private static final String IDENTITY = "SELECT pg_postmaster_start_time()::text || '/' || current_setting('port')"
            + " || '/' || (SELECT string_agg(oid::text || ':' || datname, ',' ORDER BY oid) FROM pg_database)";

    private PgServers() {}

    /** True when both reach one server; when either cannot be asked, true as well: assume the worst. */
    public static boolean same(PgTarget a, PgTarget b) {
        if (a.host().equals(b.host()) && a.port() == b.port()) {
            return true;
        }
        try {
            return Objects.equals(identity(a), identity(b));
        } catch (SQLException e) {
            return true;
        }
    }

    private static String identity(PgTarget target) throws SQLException {
        try {
            return ask(target);
        } catch (SQLException e) {
            // A server URL names no database of its own; the maintenance database exists on every server.
            return ask(target.maintenance());
        }
    }

    private static String ask(PgTarget target) throws SQLException {
        try (Connection c = DatabaseInspector.connect(target);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(IDENTITY)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
