package io.schemaguard.runner.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StagingDirsTest {

    @Test
    void aKilledRunnersStagingFolderIsRemovedOnceStaleAndNothingElse(@TempDir Path work) throws Exception {
        Path stale = Files.createDirectories(work.resolve("pg_dump-111"));
        Files.writeString(Files.createDirectories(stale.resolve("dump")).resolve("3001.dat"), "rows");
        Files.setLastModifiedTime(stale, FileTime.from(Instant.now().minus(Duration.ofHours(30))));
        Path live = Files.createDirectories(work.resolve("pg_dump-222"));
        Path other = Files.createDirectories(work.resolve("keep-me"));
        Files.setLastModifiedTime(other, FileTime.from(Instant.now().minus(Duration.ofDays(30))));

        Path mine = StagingDirs.create(work, "pg_dump-");

        assertThat(stale).doesNotExist();
        assertThat(live)
                .as("a young folder may be another runner's, still working")
                .exists();
        assertThat(other).as("not ours by name").exists();
        assertThat(mine).exists().isDirectory();
    }
}
