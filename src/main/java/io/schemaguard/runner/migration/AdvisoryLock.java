package io.schemaguard.runner.migration;

import io.schemaguard.contract.FailureReason;
import io.schemaguard.runner.RunnerException;
import io.schemaguard.runner.postgres.DatabaseInspector;
import io.schemaguard.runner.postgres.PgTarget;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;

/**
 * A session-level advisory lock keyed by the database, held for the whole migration: the second
 * guard (after the operator's serialization) that two migrations never run on one database at once.
 */
public final class AdvisoryLock implements AutoCloseable {
    private static final String KEY = "SELECT hashtextextended('schemaguard-migration:' || current_database(), 0)";
    private final Connection connection;

    private AdvisoryLock(Connection connection) {
        this.connection = connection;
    }

    public static AdvisoryLock acquire(PgTarget target, Duration wait) {
        Connection c = null;
        try {
            c = DatabaseInspector.connect(target);
            long deadline = System.nanoTime() + wait.toNanos();
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_lock((" + KEY + "))")) {
                while (true) {
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        if (rs.getBoolean(1)) {
                            return new AdvisoryLock(c);
                        }
                    }
                    if (System.nanoTime() > deadline) {
                        c.close();
                        throw new RunnerException(
                                FailureReason.DatabaseBusy,
                                "another migration holds database " + target.database()
                                        + " (advisory lock) after waiting " + wait.toSeconds() + " s");
                    }
                    Thread.sleep(500);
                }
            }
        } catch (SQLException e) {
            closeQuietly(c);
            throw DatabaseInspector.classify(e, target);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly(c);
            throw new RunnerException(FailureReason.Internal, "interrupted", e);
        }
    }

    @Override
    public void close() {
        closeQuietly(connection); // ending the session releases the lock
    }

    private static void closeQuietly(Connection c) {
        try {
            if (c != null) {
                c.close();
            }
        } catch (SQLException e) {
            // the session is gone, and its lock with it
        }
    }
}
