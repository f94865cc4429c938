package io.schemaguard.runner.migration.engine;

import io.schemaguard.runner.postgres.DatabaseInspector;
import io.schemaguard.runner.postgres.PgTarget;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Applies a Prisma {@code migrations/} directory ({@code <timestamp>_<name>/migration.sql}, in the
 * lexical order of the directory names) and keeps {@code _prisma_migrations} exactly as
 * {@code prisma migrate deploy} does, so the application's Prisma sees the database as migrated. What
 * it copies from Prisma's schema engine: the table's definition, the advisory lock that keeps two
 * deploys apart, refusing a non-empty schema without history (Prisma's P3005: baseline it first),
 * a row inserted when a migration starts (random UUID, SHA-256 hex of the script), then
 * {@code applied_steps_count = 1} and {@code finished_at} on success or the error in {@code logs} on
 * failure, and failed migrations blocking later runs (P3009).
 *
 * <p>One difference: each migration runs in a transaction together with its {@code finished_at}
 * update, so a failure leaves none of its statements behind (Prisma sends the script as one simple
 * query, which PostgreSQL also runs as one implicit transaction, unless the script has its own
 * {@code BEGIN}/{@code COMMIT}; those still work here and end our transaction early). Statements that
 * refuse a transaction, such as {@code CREATE INDEX CONCURRENTLY}, fail with a message that says so,
 * also when one is alone in its migration, which Prisma would run (a single statement is not wrapped).
 */
public final class PrismaEngine implements MigrationEngine {
    public static final String HISTORY_TABLE = "_prisma_migrations";
    public static final String SCRIPT = "migration.sql";
    /** The advisory lock Prisma's schema engine takes before it migrates ("a number we chose to identify Migrate"). */
    static final long ADVISORY_LOCK = 72707369L;

    private final Duration advisoryLockWait;

    /** Prisma's DDL for PostgreSQL (schema-engine, sql-schema-connector, flavour/postgres.rs). */
    static final String CREATE_HISTORY_TABLE = """
            CREATE TABLE _prisma_migrations (
                id                      VARCHAR(36) PRIMARY KEY NOT NULL,
                checksum                VARCHAR(64) NOT NULL,
                finished_at             TIMESTAMPTZ,
                migration_name          VARCHAR(255) NOT NULL,
                logs                    TEXT,
                rolled_back_at          TIMESTAMPTZ,
                started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
                applied_steps_count     INTEGER NOT NULL DEFAULT 0
            )""";

    /** A row of {@code _prisma_migrations}. */
    record Row(
            String id,
            String checksum,
            OffsetDateTime finishedAt,
            String name,
            String logs,
            OffsetDateTime rolledBackAt,
            OffsetDateTime startedAt,
            int appliedSteps) {
        boolean failed() {
            return finishedAt == null && rolledBackAt == null;
        }

        boolean applied() {
            return finishedAt != null && rolledBackAt == null;
        }
    }

    public PrismaEngine() {
        this(Duration.ofSeconds(10));
    }

    /** @param advisoryLockWait how long to wait for another run's advisory lock (Prisma: 10 s) */
    PrismaEngine(Duration advisoryLockWait) {
        this.advisoryLockWait = advisoryLockWait;
    }

    @Override
    public String name() {
        return "prisma";
    }

    /**
     * Every directory of {@code dir}, in lexical order; version = the directory name, description = the
     * part after the timestamp, checksum = SHA-256 hex of {@code migration.sql}. Files beside the
     * directories ({@code migration_lock.toml}) are ignored.
     */
    @Override
    public List<Migration> all(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new MigrationException("migrations directory " + dir + " does not exist", null, null);
        }
        List<Path> dirs;
        try (Stream<Path> entries = Files.list(dir)) {
            dirs = entries.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        List<Migration> migrations = new ArrayList<>();
        for (Path d : dirs) {
            String name = d.getFileName().toString();
            String file = name + "/" + SCRIPT;
            Path script = d.resolve(SCRIPT);
            if (!Files.isRegularFile(script)) {
                throw new MigrationException(name + " has no " + SCRIPT, file, null);
            }
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(script);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + script, e);
            }
            String sql;
            try {
                sql = StandardCharsets.UTF_8
                        .newDecoder()
                        .decode(ByteBuffer.wrap(bytes))
                        .toString();
            } catch (CharacterCodingException e) {
                throw new MigrationException(file + " is not valid UTF-8", file, e);
            }
            int underscore = name.indexOf('_');
            String description = underscore < 0 ? name : name.substring(underscore + 1);
            migrations.add(new Migration(name, description, file, sql, sha256(bytes)));
        }
        return migrations;
    }

    /** The migrations without a finished, not rolled back row (a failed one is pending, and blocks: see validate). */
    @Override
    public List<Migration> pending(PgTarget target, Path dir) {
        List<Migration> files = all(dir);
        try (Connection c = DatabaseInspector.connect(target)) {
            Set<String> applied =
                    history(c).stream().filter(Row::applied).map(Row::name).collect(Collectors.toSet());
            return files.stream().filter(m -> !applied.contains(m.version())).toList();
        } catch (SQLException e) {
            throw new MigrationException(
                    "cannot read " + HISTORY_TABLE + ": " + SessionSettings.explain(e, null), null, e);
        }
    }

    /**
     * Fails on what would make Prisma refuse the database, and on history that disagrees with the files:
     * a failed migration (P3009), a non-empty schema without history (P3005), an applied migration whose
     * file changed (compared as Prisma compares, accepting CRLF/LF differences) or is missing. The last
     * two are stricter than {@code prisma migrate deploy}, which checks neither ({@code migrate dev} does).
     */
    @Override
    public void validate(PgTarget target, Path dir) {
        List<Migration> files = all(dir);
        List<Row> rows;
        try (Connection c = DatabaseInspector.connect(target)) {
            if (!historyExists(c)) {
                refuseNonEmptySchema(c);
                return;
            }
            rows = history(c);
        } catch (SQLException e) {
            throw new MigrationException(
                    "cannot read " + HISTORY_TABLE + ": " + SessionSettings.explain(e, null), null, e);
        }
        refuseFailed(rows);
        Map<String, Migration> byName = new HashMap<>();
        files.forEach(m -> byName.put(m.version(), m));
        for (Row row : rows) {
            if (!row.applied()) {
                continue;
            }
            Migration m = byName.get(row.name());
            String file = row.name() + "/" + SCRIPT;
            if (m == null) {
                throw new MigrationException(
                        row.name() + " is recorded as applied in " + HISTORY_TABLE
                                + " but its directory is missing from " + dir,
                        file,
                        null);
            }
            if (!scriptMatchesChecksum(m.sql(), row.checksum())) {
                throw new MigrationException(
                        file + " was changed after it was applied (SHA-256 " + m.checksum() + ", "
                                + HISTORY_TABLE + " recorded " + row.checksum()
                                + "): revert the edit and put the change in a new migration",
                        file,
                        null);
            }
        }
    }

    @Override
    public List<Migration> migrate(PgTarget target, Path dir, Settings settings) {
        List<Migration> files = all(dir);
        try (Connection c = DatabaseInspector.connect(target)) {
            c.setAutoCommit(true);
            String set = SessionSettings.sql(settings);
            if (!set.isEmpty()) {
                try (Statement s = c.createStatement()) {
                    s.execute(set);
                }
            }
            lock(c);
            try {
                if (!historyExists(c)) {
                    refuseNonEmptySchema(c);
                    try (Statement s = c.createStatement()) {
                        s.execute(CREATE_HISTORY_TABLE);
                    }
                }
                List<Row> rows = history(c);
                refuseFailed(rows);
                // Prisma's rule: a migration is applied when it has a row that was not rolled back.
                Set<String> done = rows.stream()
                        .filter(r -> r.rolledBackAt() == null)
                        .map(Row::name)
                        .collect(Collectors.toSet());
                List<Migration> applied = new ArrayList<>();
                for (Migration m : files) {
                    if (!done.contains(m.version())) {
                        apply(c, m, settings);
                        applied.add(m);
                    }
                }
                return applied;
            } finally {
                unlock(c);
            }
        } catch (SQLException e) {
            throw new MigrationException(SessionSettings.explain(e, settings), null, e);
        }
    }

    /**
     * Prisma's sequence, with the script and the finish in one transaction: the started row is
     * committed first (as Prisma does), so a run that dies half-way leaves a failed row that blocks
     * the next run instead of a silent gap.
     */
    private static void apply(Connection c, Migration m, Settings settings) throws SQLException {
        String id = UUID.randomUUID().toString();
        try (PreparedStatement insert = c.prepareStatement(
                "INSERT INTO _prisma_migrations (id, checksum, started_at, migration_name) VALUES (?, ?, now(), ?)")) {
            insert.setString(1, id);
            insert.setString(2, m.checksum());
            insert.setString(3, m.version());
            insert.executeUpdate();
        }
        try {
            for (int attempt = 1; ; attempt++) {
                try {
                    applyOnce(c, m, id);
                    break;
                } catch (SQLException e) {
                    c.rollback();
                    // A script with its own COMMIT may have kept part of itself: only a whole rollback reruns.
                    if (!SessionSettings.LOCK_NOT_AVAILABLE.equals(e.getSQLState())
                            || OWN_TRANSACTION.matcher(m.sql()).find()
                            || !SessionSettings.retryAfterLockTimeout(
                                    settings, attempt, m.file(), SessionSettings.explain(e, settings))) {
                        throw e;
                    }
                }
            }
        } catch (SQLException e) {
            c.setAutoCommit(true);
            String reason = SessionSettings.explain(e, settings);
            if (SessionSettings.ACTIVE_SQL_TRANSACTION.equals(e.getSQLState())) {
                reason += ": Schemaguard applies each migration in one transaction; run this statement outside the"
                        + " migrations (or without CONCURRENTLY)";
            }
            try {
                recordFailure(c, id, m, e);
            } catch (SQLException recording) {
                e.addSuppressed(recording);
            }
            // The remedy concerns this database's history: a rehearsal's scratch copy is dropped, so it leaves it out.
            throw new MigrationException(
                    m.file() + " failed: " + reason + "; it was rolled back",
                    m.file(),
                    e,
                    "it is recorded as failed in " + HISTORY_TABLE + ", which blocks further migrations until it is"
                            + " resolved (prisma migrate resolve --rolled-back " + m.version() + ")");
        } finally {
            c.setAutoCommit(true);
        }
    }

    private static final Pattern OWN_TRANSACTION =
            Pattern.compile("(?im)^\\s*(BEGIN|COMMIT|END|ROLLBACK|START\\s+TRANSACTION)\\b");

    private static void applyOnce(Connection c, Migration m, String id) throws SQLException {
        c.setAutoCommit(false);
        if (!m.sql().isBlank()) {
            try (Statement s = c.createStatement()) {
                s.setEscapeProcessing(false);
                s.execute(m.sql());
            }
        }
        try (PreparedStatement finish = c.prepareStatement("UPDATE _prisma_migrations"
                + " SET applied_steps_count = applied_steps_count + 1, finished_at = clock_timestamp() WHERE id = ?")) {
            finish.setString(1, id);
            finish.executeUpdate();
        }
        c.commit();
    }

    /** The {@code logs} Prisma writes for a failed migration (its P3018 text). */
    private static void recordFailure(Connection c, String id, Migration m, SQLException e) throws SQLException {
        String logs = "A migration failed to apply. New migrations cannot be applied before the error is recovered"
                + " from. Read more about how to resolve migration issues in a production database:"
                + " https://pris.ly/d/migrate-resolve\n\nMigration name: " + m.version() + "\n\nDatabase error code: "
                + (e.getSQLState() == null ? "none" : e.getSQLState()) + "\n\nDatabase error:\n" + e.getMessage()
                + "\n";
        try (PreparedStatement update = c.prepareStatement("UPDATE _prisma_migrations SET logs = ? WHERE id = ?")) {
            update.setString(1, logs);
            update.setString(2, id);
            update.executeUpdate();
        }
    }

    private static void refuseFailed(List<Row> rows) {
        for (Row row : rows) {
            if (row.failed()) {
                String logs = row.logs() == null ? "" : row.logs();
                int error = logs.indexOf("Database error:\n");
                String cause = SessionSettings.firstLine(
                        error < 0 ? logs : logs.substring(error + "Database error:\n".length()));
                throw new MigrationException(
                        "migration " + row.name() + " started at " + row.startedAt()
                                + " failed" + (cause.isEmpty() ? "" : " (" + cause + ")")
                                + " and blocks further migrations (Prisma P3009): repair the database, then mark it with"
                                + " prisma migrate resolve --rolled-back " + row.name() + " (or --applied)",
                        row.name() + "/" + SCRIPT,
                        null);
            }
        }
    }

    /** Prisma's P3005: it will not start a history in a schema that already has tables. */
    private static void refuseNonEmptySchema(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_class t"
                        + " JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = current_schema()"
                        + " AND t.relkind = 'r' AND lower(t.relname) NOT IN ('spatial_ref_sys', 'geometry_columns')")) {
            rs.next();
            if (rs.getInt(1) > 0) {
                throw new MigrationException(
                        "the database schema is not empty but has no " + HISTORY_TABLE
                                + " table, so Prisma would refuse it (P3005): baseline it first (prisma migrate resolve"
                                + " --applied <the migrations it already has>)",
                        null,
                        null);
            }
        }
    }

    private static boolean historyExists(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT EXISTS (SELECT 1 FROM pg_class t"
                        + " JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = current_schema()"
                        + " AND t.relname = '_prisma_migrations' AND t.relkind IN ('r', 'p'))")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    /** The rows in Prisma's order (by start); none when the table does not exist. */
    static List<Row> history(Connection c) throws SQLException {
        List<Row> rows = new ArrayList<>();
        if (!historyExists(c)) {
            return rows;
        }
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT id, checksum, finished_at,"
                        + " migration_name, logs, rolled_back_at, started_at, applied_steps_count FROM _prisma_migrations"
                        + " ORDER BY started_at")) {
            while (rs.next()) {
                rows.add(new Row(
                        rs.getString(1),
                        rs.getString(2),
                        rs.getObject(3, OffsetDateTime.class),
                        rs.getString(4),
                        rs.getString(5),
                        rs.getObject(6, OffsetDateTime.class),
                        rs.getObject(7, OffsetDateTime.class),
                        rs.getInt(8)));
            }
        }
        return rows;
    }

    /** Waits (10 s by default, like Prisma) for the lock another deploy may hold. */
    private void lock(Connection c) throws SQLException {
        long deadline = System.nanoTime() + advisoryLockWait.toNanos();
        try (PreparedStatement s = c.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
            s.setLong(1, ADVISORY_LOCK);
            while (true) {
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    if (rs.getBoolean(1)) {
                        return;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new MigrationException(
                            "another migration run (Schemaguard's or prisma migrate's) holds"
                                    + " Prisma's advisory lock " + ADVISORY_LOCK + " for more than "
                                    + SessionSettings.millis(advisoryLockWait),
                            null,
                            null);
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new MigrationException("interrupted while waiting for Prisma's advisory lock", null, e);
                }
            }
        }
    }

    private static void unlock(Connection c) throws SQLException {
        if (!c.getAutoCommit()) {
            c.rollback();
            c.setAutoCommit(true);
        }
        try (PreparedStatement s = c.prepareStatement("SELECT pg_advisory_unlock(?)")) {
            s.setLong(1, ADVISORY_LOCK);
            s.executeQuery().close();
        }
    }

    /**
     * Prisma's comparison (schema-connector's checksum.rs): the script as it is, with CRLF turned into
     * LF, or LF into CRLF (git may change line endings), and the old checksums that lost leading zeros.
     */
    static boolean scriptMatchesChecksum(String script, String checksum) {
        for (String variant : List.of(script, script.replace("\r\n", "\n"), script.replace("\n", "\r\n"))) {
            byte[] digest = digest(variant.getBytes(StandardCharsets.UTF_8));
            String expected = checksum.length() != 64 && !checksum.isEmpty()
                    ? unpadded(digest)
                    : HexFormat.of().formatHex(digest);
            if (expected.equals(checksum)) {
                return true;
            }
        }
        return false;
    }

    static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(digest(bytes));
    }

    private static String unpadded(byte[] digest) {
        StringBuilder sb = new StringBuilder();
        for (byte b : digest) {
            sb.append(Integer.toHexString(b & 0xff));
        }
        return sb.toString();
    }

    private static byte[] digest(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
