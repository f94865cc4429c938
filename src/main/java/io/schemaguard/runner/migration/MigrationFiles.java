package io.schemaguard.runner.migration;

import io.schemaguard.api.MigrationEngineType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Assembles the migration directory an engine reads from one or more source directories (mounted
 * ConfigMaps, or a copy out of the application's image). ConfigMap keys cannot hold a '/', so a
 * Prisma migration arrives flat as {@code <timestamp>_<name>.sql} and is laid out here as
 * {@code <timestamp>_<name>/migration.sql}; a source that already has Prisma's layout is kept.
 */
public final class MigrationFiles {
    private MigrationFiles() {}

    public static Path assemble(MigrationEngineType engine, List<Path> sources, Path workDir) {
        if (sources.size() == 1 && !needsLayout(engine, sources.get(0))) {
            return sources.get(0);
        }
        try {
            Path target = Files.createTempDirectory(workDir, "migrations-");
            for (Path source : sources) {
                try (Stream<Path> files = Files.walk(source)) {
                    for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                        String name = f.getFileName().toString();
                        Path relative = source.relativize(f);
                        if (hidden(relative)) {
                            continue; // a mounted ConfigMap's ..data link and the ..<timestamp> directory behind it
                        }
                        Path dest;
                        if (engine == MigrationEngineType.PRISMA
                                && relative.getNameCount() == 1
                                && name.endsWith(".sql")) {
                            dest = target.resolve(name.substring(0, name.length() - 4))
                                    .resolve("migration.sql");
                        } else {
                            dest = target.resolve(relative.toString());
                        }
                        if (Files.exists(dest)) {
                            throw new IllegalArgumentException("two sources hold migration " + target.relativize(dest));
                        }
                        Files.createDirectories(dest.getParent());
                        Files.copy(f, dest);
                    }
                }
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean needsLayout(MigrationEngineType engine, Path source) {
        if (engine != MigrationEngineType.PRISMA) {
            return isMountedConfigMap(source);
        }
        try (Stream<Path> top = Files.list(source)) {
            return top.anyMatch(p ->
                            Files.isRegularFile(p) && p.getFileName().toString().endsWith(".sql"))
                    || isMountedConfigMap(source);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean hidden(Path relative) {
        for (Path part : relative) {
            if (part.toString().startsWith("..")) {
                return true;
            }
        }
        return false;
    }

    /** A mounted ConfigMap holds its files through symbolic links into ..data; copy them out plainly. */
    private static boolean isMountedConfigMap(Path source) {
        return Files.exists(source.resolve("..data"));
    }
}
