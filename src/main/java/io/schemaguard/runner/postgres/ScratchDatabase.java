package io.schemaguard.runner.postgres;

import io.schemaguard.contract.FailureReason;
import io.schemaguard.runner.RunnerException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * A throwaway database (a backup's verification restore, a migration's rehearsal), held for its
 * lifetime under a session advisory lock in the server's {@code postgres} database. A runner that is
 * killed cannot drop its scratch database, but its lock goes with its session: the next runner on
 * the server takes the locks of the scratch databases nobody holds and drops those, and never one a
 * live runner holds.
 */
public final class ScratchDatabase implements AutoCloseable {
    /** A backup's verification restore; with {@link #REHEARSE}, the only names ever swept. */
    public static final String VERIFY = "schemaguard_verify_";
    /** A migration's rehearsal. */
    public static final String REHEARSE = "schemaguard_rehearse_";

    static final List<String> PREFIXES = List.of(VERIFY, REHEARSE);
    /** First key of the two-int advisory locks, so they cannot meet an application's own ('SGsd'). */
    private static final int LOCK_SPACE = 0x53477364;

    private final PgTarget target;
    private final Connection holder;

    private ScratchDatabase(PgTarget target, Connection holder) {
        this.target = target;
        this.holder = holder;
    }

    public PgTarget target() {
        return target;
    }

    /**
     * Sweeps the server's abandoned scratch databases, then creates {@code target} afresh (one of the
     * same name left by a killed attempt goes first). Refuses when a live runner holds that name.
     */
    public static ScratchDatabase create(PgTarget target) {
        if (PREFIXES.stream().noneMatch(target.database()::startsWith)) {
            throw new IllegalArgumentException("not a scratch database name: " + target.database());
        }
        PgTarget maintenance = target.maintenance();
        Connection holder = null;
        try {
            holder = DatabaseInspector.connect(maintenance);
            if (!tryLock(holder, target.database())) {
                throw new RunnerException(
                        FailureReason.DatabaseBusy,
                        "scratch database " + target.database() + " is in use by another runner on " + target.host()
                                + ":" + target.port());
            }
            sweep(holder, target.database());
            TargetDatabase.drop(target);
            TargetDatabase.prepare(target);
            return new ScratchDatabase(target, holder);
        } catch (SQLException e) {
            close(holder);
            throw DatabaseInspector.classify(e, maintenance);
        } catch (RuntimeException e) {
            close(holder);
            throw e;
        }
    }

    /** Drops every scratch database of the server whose lock nobody holds, except {@code own}. */
    private static void sweep(Connection c, String own) throws SQLException {
        List<String> found = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("SELECT datname FROM pg_database WHERE starts_with(datname, ?)"
                + " OR starts_with(datname, ?) ORDER BY 1")) {
            s.setString(1, PREFIXES.get(0));
            s.setString(2, PREFIXES.get(1));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    found.add(rs.getString(1));
                }
            }
        }
        for (String name : found) {
            if (name.equals(own) || !tryLock(c, name)) {
                continue;
            }
            try (Statement s = c.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + Sql.ident(name) + " WITH (FORCE)");
                System.err.println(Instant.now().truncatedTo(ChronoUnit.SECONDS) + " removed scratch database " + name
                        + ", left by a runner that stopped before dropping it");
            } catch (SQLException e) {
                // not ours to drop (another owner): leave it and say so, the run goes on
                System.err.println(Instant.now().truncatedTo(ChronoUnit.SECONDS) + " warning: could not drop abandoned"
                        + " scratch database " + name + ": " + e.getMessage());
            } finally {
                unlock(c, name);
            }
        }
    }

    private static boolean tryLock(Connection c, String name) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT pg_try_advisory_lock(?, hashtext(?))")) {
            s.setInt(1, LOCK_SPACE);
            s.setString(2, name);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private static void unlock(Connection c, String name) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT pg_advisory_unlock(?, hashtext(?))")) {
            s.setInt(1, LOCK_SPACE);
            s.setString(2, name);
            s.execute();
        }
    }

    /** Drops the database, then lets go of its lock (closing the session releases it). */
    @Override
    public void close() {
        try {
            TargetDatabase.drop(target);
        } finally {
            close(holder);
        }
    }

    private static void close(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                // the lock goes with the session either way
            }
        }
    }
}
