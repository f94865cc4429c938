package io.schemaguard.testing;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Holds an ACCESS EXCLUSIVE lock on a table in an open transaction. pg_dump takes ACCESS SHARE locks
 * on every table it dumps before it writes anything, so a backup started meanwhile stays running,
 * connected and waiting, until {@link #close()}: a backup that is mid-way for as long as a test needs,
 * without a big database.
 */
public final class TableLock implements AutoCloseable {
    private final PostgresServer pg;
    private final String database;
    private final Connection connection;

    private TableLock(PostgresServer pg, String database, Connection connection) {
        this.pg = pg;
        this.database = database;
        this.connection = connection;
    }

    public static TableLock exclusive(PostgresServer pg, String database, String table) {
        try {
            Connection c = pg.connect(database);
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("LOCK TABLE " + table + " IN ACCESS EXCLUSIVE MODE");
            }
            return new TableLock(pg, database, c);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The backup's own pg_dump sessions blocked by this lock ({@code LOCK TABLE ... IN ACCESS SHARE
     * MODE}); the schema-fingerprint pg_dump beside it is told apart by its application name.
     */
    public int blockedDumps() {
        return count(" AND application_name = 'schemaguard' AND wait_event_type = 'Lock' AND query LIKE 'LOCK TABLE%'");
    }

    /** Sessions of the runner (pg_dump, the fingerprint dump and its own queries: application_name schemaguard*). */
    public int runnerSessions() {
        return count(" AND application_name LIKE 'schemaguard%'");
    }

    private int count(String condition) {
        String sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + database + "'" + condition;
        try (Connection c = pg.connect("postgres");
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Ends the transaction, releasing the lock; closing again does nothing. */
    @Override
    public void close() {
        try {
            if (connection.isClosed()) {
                return;
            }
            connection.rollback();
            connection.close();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
