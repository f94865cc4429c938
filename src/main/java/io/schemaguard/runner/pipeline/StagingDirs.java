package io.schemaguard.runner.pipeline;

import io.schemaguard.runner.Console;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The scratch folders directory-format dumps and restores stage in. A runner that is killed leaves
 * its folder behind (in a pod it goes with the pod's emptyDir; on a host it stays): the next runner
 * removes those older than a day, far beyond any backup Job's deadline, before it makes its own.
 */
final class StagingDirs {
    static final Duration STALE_AFTER = Duration.ofHours(24);

    private StagingDirs() {}

    static Path create(Path workDir, String prefix) throws IOException {
        sweep(workDir, prefix, Instant.now().minus(STALE_AFTER));
        return Files.createTempDirectory(workDir, prefix);
    }

    /** Removes the folders named {@code prefix*} under {@code workDir} last changed before {@code before}; returns how many. */
    static int sweep(Path workDir, String prefix, Instant before) {
        int removed = 0;
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(workDir, prefix + "*")) {
            for (Path dir : dirs) {
                if (Files.isDirectory(dir)
                        && Files.getLastModifiedTime(dir).toInstant().isBefore(before)) {
                    try (Stream<Path> files = Files.walk(dir)) {
                        files.sorted(Comparator.reverseOrder())
                                .forEach(f -> f.toFile().delete());
                    }
                    Console.info("removed %s, left by a runner that stopped before cleaning up", dir);
                    removed++;
                }
            }
        } catch (IOException | RuntimeException e) {
            // a folder that cannot be read or removed is left; the run itself does not depend on it
        }
        return removed;
    }
}
