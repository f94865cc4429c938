package io.schemaguard.runner.migration.engine;

import io.schemaguard.runner.postgres.DatabaseInspector;
import io.schemaguard.runner.postgres.PgTarget;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A {@link PgTarget} as the DataSource Flyway asks for: connections come from
 * {@link DatabaseInspector#connect}, so the password travels in connection properties, never in a URL.
 */
final class TargetDataSource implements DataSource {
    private final PgTarget target;

    TargetDataSource(PgTarget target) {
        this.target = target;
    }

    @Override
    public Connection getConnection() throws SQLException {
        return DatabaseInspector.connect(target);
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException("the target's own user is used");
    }

    @Override
    public PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {}

    @Override
    public void setLoginTimeout(int seconds) {}

    @Override
    public int getLoginTimeout() {
        return 0;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        throw new SQLException("not a wrapper for " + iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }

    @Override
    public String toString() {
        return target.describe();
    }
}
