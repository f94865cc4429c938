package io.schemaguard.runner.postgres;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The PostgreSQL client programs to use. A newer pg_dump dumps older servers, never the reverse, so
 * the newest installed version wins unless a directory is given ({@code --pg-bin} or
 * {@code SCHEMAGUARD_PG_BIN}).
 */
public record PgTools(Path binDir, String version, int major) {

    private static final Pattern VERSION = Pattern.compile("\\(PostgreSQL\\) (\\d+)(?:\\.(\\d+))?");

    public Path pgDump() {
        return binDir.resolve("pg_dump");
    }

    public Path pgRestore() {
        return binDir.resolve("pg_restore");
    }

    public Path psql() {
        return binDir.resolve("psql");
    }

    public static PgTools locate(Path explicitBinDir) {
        if (explicitBinDir != null) {
            return probe(explicitBinDir)
                    .orElseThrow(() -> new IllegalStateException("no working pg_dump in " + explicitBinDir));
        }
        List<Path> candidates = new ArrayList<>();
        addVersionDirs(candidates, Path.of("/usr/lib/postgresql"));
        candidates.add(Path.of("/usr/local/pgsql/bin"));
        String path = System.getenv("PATH");
        if (path != null) {
            for (String p : path.split(":")) {
                if (!p.isBlank()) {
                    candidates.add(Path.of(p));
                }
            }
        }
        return candidates.stream()
                .distinct()
                .map(PgTools::probe)
                .flatMap(Optional::stream)
                .max(Comparator.comparingInt(PgTools::major))
                .orElseThrow(() -> new IllegalStateException(
                        "pg_dump not found: install the PostgreSQL client or set SCHEMAGUARD_PG_BIN"));
    }

    static Optional<PgTools> probe(Path dir) {
        Path pgDump = dir.resolve("pg_dump");
        if (!Files.isExecutable(pgDump)) {
            return Optional.empty();
        }
        try {
            Process p = new ProcessBuilder(pgDump.toString(), "--version")
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return Optional.empty();
            }
            return parseVersion(out).map(v -> new PgTools(dir, v, majorOf(v)));
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** {@code "pg_dump (PostgreSQL) 15.18 (Debian ...)"} gives {@code "15.18"}. */
    static Optional<String> parseVersion(String versionOutput) {
        Matcher m = VERSION.matcher(versionOutput);
        if (!m.find()) {
            return Optional.empty();
        }
        return Optional.of(m.group(2) == null ? m.group(1) : m.group(1) + "." + m.group(2));
    }

    static int majorOf(String version) {
        int dot = version.indexOf('.');
        return Integer.parseInt(dot < 0 ? version : version.substring(0, dot));
    }

    private static void addVersionDirs(List<Path> candidates, Path root) {
        if (!Files.isDirectory(root)) {
            return;
        }
        try (Stream<Path> dirs = Files.list(root)) {
            dirs.map(d -> d.resolve("bin")).forEach(candidates::add);
        } catch (IOException e) {
            // an unreadable directory simply offers no candidates
        }
    }
}
