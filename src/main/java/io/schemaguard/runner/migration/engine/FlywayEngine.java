package io.schemaguard.runner.migration.engine;

import io.schemaguard.runner.postgres.PgTarget;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.CoreErrorCode;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.core.api.exception.FlywayValidateException;
import org.flywaydb.core.api.output.MigrateOutput;
import org.flywaydb.core.api.output.MigrateResult;
import org.flywaydb.core.api.output.ValidateOutput;
import org.flywaydb.core.api.output.ValidateResult;
import org.flywaydb.core.internal.exception.FlywayMigrateException;

/**
 * Flyway through its Java API, with Flyway's defaults as an application's Flyway would use them:
 * {@code V<version>__<description>.sql} files (and {@code R__<description>.sql} repeatables) anywhere
 * under the directory, history in {@code flyway_schema_history} of the connection's schema, each
 * migration in its own transaction (PostgreSQL DDL is transactional, so a failed one leaves no trace).
 *
 * <p>Differences from a bare Flyway: pending migrations are not a validation error (validate runs
 * before them), but applied migrations missing from the directory are, also the newest ones (Flyway
 * ignores those "future" migrations by default); the history lock is a session advisory lock rather
 * than a transactional one, because with the transactional lock a {@code CREATE INDEX CONCURRENTLY}
 * waits for Flyway's own lock-holding transaction and never finishes. A repeatable migration has an
 * empty {@link Migration#version()}.
 */
public final class FlywayEngine implements MigrationEngine {
    public static final String HISTORY_TABLE = "flyway_schema_history";

    @Override
    public String name() {
        return "flyway";
    }

    /**
     * The files Flyway resolves, in the order it applies them: versioned by version, then repeatables
     * by description. The checksum is Flyway's (CRC32 over the lines, without line endings), as a decimal.
     */
    @Override
    public List<Migration> all(Path dir) {
        requireDirectory(dir);
        List<Migration> versioned = new ArrayList<>();
        List<Migration> repeatable = new ArrayList<>();
        Map<String, String> versions = new HashMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                String name = file.getFileName().toString();
                boolean isVersioned = name.startsWith("V");
                if (!name.endsWith(".sql") || !(isVersioned || name.startsWith("R"))) {
                    continue;
                }
                String stem = name.substring(1, name.length() - ".sql".length());
                int separator = stem.indexOf("__");
                boolean wellNamed = isVersioned ? separator > 0 : separator == 0; // V<version>__..., R__...
                if (!wellNamed) {
                    continue; // Flyway ignores misnamed files too
                }
                String relative = dir.relativize(file).toString().replace('\\', '/');
                String description = stem.substring(separator + 2).replace('_', ' ');
                byte[] bytes = Files.readAllBytes(file);
                String sql = new String(bytes, StandardCharsets.UTF_8);
                if (isVersioned) {
                    String version = MigrationVersion.fromVersion(stem.substring(0, separator))
                            .getVersion();
                    String previous = versions.put(version, relative);
                    if (previous != null) {
                        throw new MigrationException(
                                "version " + version + " is used by two files: " + previous + " and " + relative,
                                relative,
                                null);
                    }
                    versioned.add(
                            new Migration(version, description, relative, sql, Integer.toString(checksum(bytes))));
                } else {
                    repeatable.add(new Migration("", description, relative, sql, Integer.toString(checksum(bytes))));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read migrations in " + dir, e);
        } catch (FlywayException e) {
            throw new MigrationException(SessionSettings.firstLine(e.getMessage()), null, e);
        }
        versioned.sort(Comparator.comparing(m -> MigrationVersion.fromVersion(m.version())));
        repeatable.sort(Comparator.comparing(Migration::description));
        List<Migration> ordered = new ArrayList<>(versioned);
        ordered.addAll(repeatable);
        return ordered;
    }

    @Override
    public List<Migration> pending(PgTarget target, Path dir) {
        Map<String, Migration> files = byKey(all(dir));
        try {
            return Arrays.stream(flyway(target, dir, null).info().pending())
                    .map(i -> toMigration(i, files))
                    .toList();
        } catch (FlywayException e) {
            throw new MigrationException(SessionSettings.firstLine(e.getMessage()), null, e);
        }
    }

    @Override
    public void validate(PgTarget target, Path dir) {
        Map<String, Migration> files = byKey(all(dir));
        Flyway flyway = flyway(target, dir, null);
        ValidateResult result;
        Map<String, MigrationInfo> history;
        try {
            result = flyway.validateWithResult();
            if (result.validationSuccessful) {
                return;
            }
            history = new HashMap<>();
            for (MigrationInfo info : flyway.info().all()) {
                history.putIfAbsent(key(info), info);
            }
        } catch (FlywayException e) {
            throw new MigrationException(SessionSettings.firstLine(e.getMessage()), null, e);
        }
        if (result.invalidMigrations == null || result.invalidMigrations.isEmpty()) {
            String message = result.errorDetails == null ? "validation failed" : result.errorDetails.errorMessage;
            throw new MigrationException(SessionSettings.firstLine(message), null, null);
        }
        ValidateOutput first = result.invalidMigrations.get(0);
        MigrationInfo info = history.get(
                first.version == null || first.version.isEmpty() ? "R:" + first.description : "V:" + first.version);
        String file = fileOf(first, info, files);
        String more = result.invalidMigrations.size() > 1
                ? " (and " + (result.invalidMigrations.size() - 1) + " more problems)"
                : "";
        throw new MigrationException(invalid(first, info, file, dir) + more, file, null);
    }

    /**
     * Flyway's migrate (which validates first, as configured above), with the session's timeouts set on
     * every connection Flyway opens.
     */
    @Override
    public List<Migration> migrate(PgTarget target, Path dir, Settings settings) {
        List<Migration> applied = new ArrayList<>();
        for (int attempt = 1; ; attempt++) {
            List<Migration> before = pending(target, dir);
            try {
                applied.addAll(migrateOnce(target, dir, settings));
                return applied;
            } catch (MigrationException e) {
                // Only a migration that ran in a transaction rolled back whole and can simply run again.
                boolean rolledBack = e.getCause() instanceof FlywayMigrateException f && f.isExecutableInTransaction();
                if (!rolledBack
                        || !SessionSettings.lockTimeout(e)
                        || !SessionSettings.retryAfterLockTimeout(settings, attempt, e.file(), e.getMessage())) {
                    throw e;
                }
                List<String> still =
                        pending(target, dir).stream().map(Migration::version).toList();
                before.stream().filter(m -> !still.contains(m.version())).forEach(applied::add);
            }
        }
    }

    private List<Migration> migrateOnce(PgTarget target, Path dir, Settings settings) {
        Map<String, Migration> files = byKey(all(dir));
        MigrateResult result;
        try {
            result = flyway(target, dir, settings).migrate();
        } catch (FlywayMigrateException e) {
            throw failed(e, settings);
        } catch (FlywayValidateException e) {
            validate(target, dir); // throws the one-line reason
            throw new MigrationException(SessionSettings.firstLine(e.getMessage()), null, e);
        } catch (FlywayException e) {
            SQLException sql = SessionSettings.sqlCause(e);
            if (sql != null) {
                throw new MigrationException(SessionSettings.explain(sql, settings), null, e);
            }
            throw unparseable(e, target, dir, files);
        }
        List<Migration> applied = new ArrayList<>();
        for (MigrateOutput out : result.migrations) {
            String key = out.version == null || out.version.isEmpty() ? "R:" + out.description : "V:" + out.version;
            Migration m = files.get(key);
            applied.add(m != null ? m : new Migration(out.version, out.description, out.filepath, "", ""));
        }
        return applied;
    }

    /**
     * Flyway parses a script only when it runs it, and a script it cannot run (one that mixes
     * CREATE INDEX CONCURRENTLY with transactional statements) fails without naming the file: the
     * migrations before it committed, so it is the first one still pending.
     */
    private MigrationException unparseable(FlywayException e, PgTarget target, Path dir, Map<String, Migration> files) {
        String reason = SessionSettings.firstLine(e.getMessage());
        if (reason.startsWith("Detected both transactional and non-transactional statements")) {
            reason += " (put each CREATE INDEX CONCURRENTLY in a migration of its own)";
        }
        String file = null;
        try {
            MigrationInfo[] pending = flyway(target, dir, null).info().pending();
            file = pending.length == 0 ? null : toMigration(pending[0], files).file();
        } catch (FlywayException notKnown) {
            e.addSuppressed(notKnown);
        }
        return new MigrationException(file == null ? reason : file + " failed: " + reason, file, e);
    }

    private static MigrationException failed(FlywayMigrateException e, Settings settings) {
        MigrationInfo info = e.getMigration();
        String file = info == null ? null : info.getScript();
        SQLException sql = SessionSettings.sqlCause(e);
        String reason =
                sql != null ? SessionSettings.explain(sql, settings) : SessionSettings.firstLine(e.getMessage());
        String line = e.getLineNumber() > 0 ? " at line " + e.getLineNumber() : "";
        String outcome = e.isExecutableInTransaction()
                ? "it was rolled back; the migrations before it stay applied"
                : "it ran outside a transaction, so its completed statements stay and " + HISTORY_TABLE
                        + " records it as failed: clean up by hand, then run flyway repair";
        return new MigrationException(
                (file == null ? "a migration" : file) + " failed" + line + ": " + reason + "; " + outcome, file, e);
    }

    private static String invalid(ValidateOutput out, MigrationInfo info, String file, Path dir) {
        String code = out.errorDetails == null || out.errorDetails.errorCode == null
                ? ""
                : out.errorDetails.errorCode.toString();
        String flywaySays = out.errorDetails == null ? "" : SessionSettings.firstLine(out.errorDetails.errorMessage);
        if (code.equals(CoreErrorCode.CHECKSUM_MISMATCH.name())) {
            String checksums = info == null
                    ? ""
                    : " (checksum " + info.getResolvedChecksum() + ", " + HISTORY_TABLE + " recorded "
                            + info.getAppliedChecksum() + ")";
            return file + " was changed after it was applied" + checksums
                    + ": revert the edit and put the change in a new migration";
        }
        if (code.equals(CoreErrorCode.APPLIED_VERSIONED_MIGRATION_NOT_RESOLVED.name())
                || code.equals(CoreErrorCode.APPLIED_REPEATABLE_MIGRATION_NOT_RESOLVED.name())) {
            return file + " is recorded as applied in " + HISTORY_TABLE + " but missing from " + dir;
        }
        if (code.equals(CoreErrorCode.RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED.name())) {
            return file + " was never applied, and its version is below the newest applied one, so Flyway will not"
                    + " apply it: give it a version above the current one";
        }
        if (code.equals(CoreErrorCode.FAILED_VERSIONED_MIGRATION.name())
                || code.equals(CoreErrorCode.FAILED_REPEATABLE_MIGRATION.name())) {
            return file + " is recorded as failed in " + HISTORY_TABLE
                    + ": check what it left behind, then run flyway repair";
        }
        return file + ": " + flywaySays;
    }

    private static String fileOf(ValidateOutput out, MigrationInfo info, Map<String, Migration> files) {
        String key = out.version == null || out.version.isEmpty() ? "R:" + out.description : "V:" + out.version;
        if (files.containsKey(key)) {
            return files.get(key).file();
        }
        if (info != null && info.getScript() != null) {
            return info.getScript();
        }
        return out.filepath == null || out.filepath.isEmpty() ? "version " + out.version : out.filepath;
    }

    private Flyway flyway(PgTarget target, Path dir, Settings settings) {
        requireDirectory(dir);
        FluentConfiguration config = Flyway.configure(FlywayEngine.class.getClassLoader())
                .configuration(Map.of("flyway.postgresql.transactional.lock", "false"))
                .dataSource(new TargetDataSource(target))
                .locations("filesystem:" + dir.toAbsolutePath())
                .failOnMissingLocations(true)
                .table(HISTORY_TABLE)
                .ignoreMigrationPatterns("*:pending")
                .loggers(FlywayWarnings.class.getName());
        String init = SessionSettings.sql(settings);
        if (!init.isEmpty()) {
            config.initSql(init);
        }
        return config.load();
    }

    private static Migration toMigration(MigrationInfo info, Map<String, Migration> files) {
        Migration m = files.get(key(info));
        if (m != null) {
            return m;
        }
        return new Migration(
                info.getVersion() == null ? "" : info.getVersion().getVersion(),
                info.getDescription(),
                info.getScript(),
                "",
                info.getChecksum() == null ? "" : info.getChecksum().toString());
    }

    private static Map<String, Migration> byKey(List<Migration> migrations) {
        Map<String, Migration> map = new LinkedHashMap<>();
        for (Migration m : migrations) {
            map.put(m.version().isEmpty() ? "R:" + m.description() : "V:" + m.version(), m);
        }
        return map;
    }

    private static String key(MigrationInfo info) {
        return info.getVersion() == null
                ? "R:" + info.getDescription()
                : "V:" + info.getVersion().getVersion();
    }

    /**
     * The {@code .sql} files under {@code dir} that look meant as migrations ({@code V2_x.sql},
     * {@code v3__x.sql}, {@code R_x.sql}) but that Flyway's naming would skip without a word.
     */
    public static List<String> misnamed(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile)
                    .map(f -> dir.relativize(f).toString().replace('\\', '/'))
                    .filter(relative -> !relative.startsWith("..") && !relative.contains("/.."))
                    .filter(relative -> {
                        String name = relative.substring(relative.lastIndexOf('/') + 1);
                        return name.endsWith(".sql")
                                && MEANT_AS_MIGRATION.matcher(name).find()
                                && !WELL_NAMED.matcher(name).matches();
                    })
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read migrations in " + dir, e);
        }
    }

    private static final Pattern MEANT_AS_MIGRATION = Pattern.compile("^[VvRrUu][0-9_.]");
    private static final Pattern WELL_NAMED = Pattern.compile("^(V[0-9][0-9._]*__.+|R__.+)\\.sql$");

    private static void requireDirectory(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new MigrationException("migrations directory " + dir + " does not exist", null, null);
        }
    }

    /** Flyway's checksum: CRC32 of each line's UTF-8 bytes, without line endings or a byte order mark. */
    static int checksum(byte[] bytes) {
        CRC32 crc = new CRC32();
        try (BufferedReader lines = new BufferedReader(new StringReader(new String(bytes, StandardCharsets.UTF_8)))) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                crc.update((line.startsWith("\uFEFF") ? line.substring(1) : line).getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return (int) crc.getValue();
    }
}
