package io.schemaguard.runner.postgres;

import io.schemaguard.runner.storage.BackupManifest.TableRows;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * A read-only repeatable-read transaction whose snapshot is exported to pg_dump
 * ({@code pg_dump --snapshot}), so whatever else is read here (exact row counts, the schema) is
 * exactly what the dump contains. The transaction stays open until the dump is done.
 */
public final class SnapshotSession implements AutoCloseable {
    private final Connection connection;
    private final PgTarget target;
    private final String snapshotId;

    private SnapshotSession(Connection connection, PgTarget target, String snapshotId) {
        this.connection = connection;
        this.target = target;
        this.snapshotId = snapshotId;
    }

    public static SnapshotSession open(PgTarget target) {
        Connection c = null;
        try {
            c = DatabaseInspector.connect(target);
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            c.setReadOnly(true);
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT pg_export_snapshot()")) {
                rs.next();
                return new SnapshotSession(c, target, rs.getString(1));
            }
        } catch (SQLException e) {
            closeQuietly(c);
            throw DatabaseInspector.classify(e, target);
        }
    }

    public String snapshotId() {
        return snapshotId;
    }

    /**
     * count(*) of every table in the snapshot: one full scan of each table, which is the price of
     * exact row counts (the dump reads every row once more).
     */
    public List<TableRows> exactCounts(List<TableRows> tables) {
        List<TableRows> counted = new ArrayList<>();
        try (Statement s = connection.createStatement()) {
            for (TableRows t : tables) {
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + Sql.table(t.schema(), t.name()))) {
                    rs.next();
                    counted.add(t.withExactRows(rs.getLong(1)));
                }
            }
            return counted;
        } catch (SQLException e) {
            throw DatabaseInspector.classify(e, target);
        }
    }

    @Override
    public void close() {
        try {
            connection.rollback();
        } catch (SQLException e) {
            // the session only read; nothing to undo
        }
        closeQuietly(connection);
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                // already gone
            }
        }
    }
}
