package io.schemaguard.runner.migration.engine;

import io.schemaguard.runner.postgres.PgTarget;
import io.schemaguard.testing.PostgresServer;
import io.schemaguard.testing.TableLock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/** A fresh database on the shared test server, as a PgTarget, with small query helpers. */
final class EngineDatabase {
    final PostgresServer pg = PostgresServer.shared();
    final String name;
    final PgTarget target;

    EngineDatabase(String hint) {
        name = pg.createDatabase(hint);
        target = new PgTarget(pg.host(), pg.port(), name, PostgresServer.SUPERUSER, PostgresServer.PASSWORD, "disable");
    }

    void execute(String... sql) {
        pg.execute(name, sql);
    }

    /** Every row of {@code sql}, each as column name to value. */
    List<Map<String, Object>> rows(String sql) {
        try (Connection c = pg.connect(name);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            ResultSetMetaData md = rs.getMetaData();
            List<Map<String, Object>> rows = new ArrayList<>();
            while (rs.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    row.put(md.getColumnLabel(i), rs.getObject(i));
                }
                rows.add(row);
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    List<Object> column(String sql) {
        return rows(sql).stream().map(r -> r.values().iterator().next()).toList();
    }

    boolean tableExists(String table) {
        return !column("SELECT 1 FROM pg_tables WHERE schemaname = 'public' AND tablename = '" + table + "'")
                .isEmpty();
    }

    List<Object> columns(String table) {
        return column(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '"
                        + table + "' ORDER BY ordinal_position");
    }

    static Path write(Path dir, String relative, String content) {
        try {
            Path file = dir.resolve(relative);
            Files.createDirectories(file.getParent());
            Files.writeString(file, content, StandardCharsets.UTF_8);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Settings that retry a lock timeout up to 4 times, 300 ms apart at first, recording each attempt. */
    static MigrationEngine.Settings retrying(List<String> attempts) {
        return new MigrationEngine.Settings(
                Duration.ofMillis(300),
                Duration.ofSeconds(30),
                4,
                Duration.ofMillis(300),
                (file, attempt, of, wait, reason) ->
                        attempts.add(file + " " + attempt + "/" + of + " " + wait.toMillis()));
    }

    /** Holds the table's lock for {@code millis} from another thread, then lets go; returns once it is held. */
    Thread lockFor(String table, long millis) throws InterruptedException {
        CountDownLatch held = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            try (TableLock lock = TableLock.exclusive(pg, name, table)) {
                held.countDown();
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        t.start();
        held.await();
        return t;
    }
}
