package io.schemaguard.runner.migration.engine;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/** The session settings of a migration run, and the failures they cause, in words a user can act on. */
final class SessionSettings {
    static final String LOCK_NOT_AVAILABLE = "55P03";
    static final String QUERY_CANCELED = "57014";
    static final String ACTIVE_SQL_TRANSACTION = "25001";

    private SessionSettings() {}

    /** {@code SET lock_timeout = '500ms'; SET statement_timeout = '0'}; empty when nothing is set. */
    static String sql(MigrationEngine.Settings settings) {
        List<String> sets = new ArrayList<>();
        if (settings != null && settings.lockTimeout() != null) {
            sets.add("SET lock_timeout = '" + millis(settings.lockTimeout()) + "'");
        }
        if (settings != null && settings.statementTimeout() != null) {
            sets.add("SET statement_timeout = '" + millis(settings.statementTimeout()) + "'");
        }
        return String.join("; ", sets);
    }

    /**
     * One line: why {@code e} happened, in words for the failures the session settings cause (lock and
     * statement timeouts), else the server's own first line and its context.
     */
    static String explain(SQLException e, MigrationEngine.Settings settings) {
        String state = e.getSQLState();
        String server = firstLine(e.getMessage());
        if (LOCK_NOT_AVAILABLE.equals(state)) {
            return "could not get a lock within lock_timeout "
                    + describe(settings == null ? null : settings.lockTimeout())
                    + ": another session holds a conflicting lock on an object this migration changes (" + server + ")";
        }
        if (QUERY_CANCELED.equals(state) && server.contains("statement timeout")) {
            return "a statement ran longer than statement_timeout "
                    + describe(settings == null ? null : settings.statementTimeout()) + " (" + server + ")";
        }
        if (e instanceof PSQLException p && p.getServerErrorMessage() != null) {
            ServerErrorMessage m = p.getServerErrorMessage();
            String where = m.getWhere() == null ? "" : " (" + firstLine(m.getWhere()) + ")";
            return firstLine(m.getSeverity() + ": " + m.getMessage()) + where;
        }
        return server;
    }

    static String describe(Duration d) {
        return d == null ? "(not set)" : millis(d);
    }

    static String millis(Duration d) {
        return d.toMillis() + "ms";
    }

    static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        String t = s.strip();
        int nl = t.indexOf('\n');
        return nl < 0 ? t : t.substring(0, nl).strip();
    }

    /** Whether {@code t} is, or was caused by, a lock_timeout. */
    static boolean lockTimeout(Throwable t) {
        SQLException sql = sqlCause(t);
        return sql != null && LOCK_NOT_AVAILABLE.equals(sql.getSQLState());
    }

    /** Waits before the next attempt, telling the listener; false when no attempt is left. */
    static boolean retryAfterLockTimeout(MigrationEngine.Settings settings, int attempt, String file, String reason) {
        if (settings == null || attempt > settings.lockRetries()) {
            return false;
        }
        Duration wait = settings.backoff(attempt);
        settings.listener().retrying(file, attempt, settings.lockRetries(), wait, reason);
        try {
            Thread.sleep(wait.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return true;
    }

    /** The first {@link SQLException} in {@code t}'s causes, or null. */
    static SQLException sqlCause(Throwable t) {
        for (Throwable c = t; c != null && c.getCause() != c; c = c.getCause()) {
            if (c instanceof SQLException s) {
                return s;
            }
        }
        return null;
    }
}
