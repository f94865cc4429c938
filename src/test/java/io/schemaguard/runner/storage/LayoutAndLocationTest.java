package io.schemaguard.runner.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.schemaguard.api.CompressionAlgorithm;
import io.schemaguard.api.DumpFormat;
import io.schemaguard.contract.BackupLayout;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class LayoutAndLocationTest {

    @Test
    void s3LocationsSplitBucketAndPrefix() {
        StorageLocation l = StorageLocation.parse("s3://team-backups/prod/pg/");
        assertThat(l.bucket()).isEqualTo("team-backups");
        assertThat(l.prefix()).isEqualTo("prod/pg");
        assertThat(l.fullKey("ns/db/x/dump.pgdump")).isEqualTo("prod/pg/ns/db/x/dump.pgdump");
        assertThat(l.url("a/b")).isEqualTo("s3://team-backups/prod/pg/a/b");
        assertThat(StorageLocation.parse("s3://bucket").fullKey("k")).isEqualTo("k");
        assertThatThrownBy(() -> StorageLocation.parse("s3:///nobucket")).hasMessageContaining("no bucket");
        assertThatThrownBy(() -> StorageLocation.parse("ftp://x")).hasMessageContaining("unsupported storage");
    }

    @Test
    void azureAndGcsLocationsSplitTheSameWay() {
        StorageLocation azure = StorageLocation.parse("azure://backups/team/");
        assertThat(azure.scheme()).isEqualTo("azure");
        assertThat(azure.bucket()).as("the container").isEqualTo("backups");
        assertThat(azure.url("ns/db/x/manifest.json")).isEqualTo("azure://backups/team/ns/db/x/manifest.json");
        assertThat(azure.isFile()).isFalse();
        assertThatThrownBy(() -> StorageLocation.parse("azure:///team")).hasMessageContaining("no container");
        StorageLocation gcs = StorageLocation.parse("gs://b");
        assertThat(gcs.toString()).isEqualTo("gs://b");
        assertThat(gcs.fullKey("k")).isEqualTo("k");
        assertThat(StorageLocation.parse("./backups").isFile()).isTrue();
    }

    @Test
    void fileLocationsAndBarePaths() {
        assertThat(StorageLocation.parse("file:///var/backups").directory()).isEqualTo(Path.of("/var/backups"));
        assertThat(StorageLocation.parse("backups").directory())
                .isEqualTo(Path.of("backups").toAbsolutePath());
        assertThat(StorageLocation.parse("file:///b").isS3()).isFalse();
    }

    @Test
    void backupIdsSortByTimeAndAreValidated() {
        String id = BackupLayout.backupId(Instant.parse("2026-11-25T03:15:00Z"), "8F14-E45F");
        assertThat(id).isEqualTo("20261125T031500Z-8f14e45f");
        assertThat(BackupLayout.isBackupId(id)).isTrue();
        assertThat(BackupLayout.isBackupId("latest")).isFalse();
        assertThat(BackupLayout.backupId(Instant.parse("2026-11-25T03:15:00Z"), "a"))
                .isLessThan(BackupLayout.backupId(Instant.parse("2026-11-25T03:15:01Z"), "a"));
        assertThatThrownBy(() -> BackupLayout.backupId(Instant.EPOCH, "--")).hasMessageContaining("letters or digits");
    }

    @Test
    void foldersAreSafePathSegments() {
        assertThat(BackupLayout.folder("shop", "orders db/ü", "20261125T031500Z-ab"))
                .isEqualTo("shop/orders_db__~afce06084074dc66/20261125T031500Z-ab");
        assertThat(BackupLayout.folder("shop", "orders_db", "20261125T031500Z-ab"))
                .as("a safe name is its own folder, as before")
                .isEqualTo("shop/orders_db/20261125T031500Z-ab");
        assertThat(BackupLayout.segment("..")).startsWith("_..~");
        assertThat(BackupLayout.segment("")).isEqualTo("_");
        assertThat(BackupLayout.legacySegment("orders db/ü")).isEqualTo("orders_db__");
    }

    @Test
    void namesThatOnceSharedAFolderNoLongerDo() {
        List<List<String>> lookAlikes = List.of(
                List.of("tienda_ñ_日本", "tienda_é_中国"),
                List.of("shop eu", "shop_eu"),
                List.of("a/b", "a b"),
                List.of("_..", ".."));
        for (List<String> pair : lookAlikes) {
            assertThat(BackupLayout.legacySegment(pair.get(0)))
                    .as("they did")
                    .isEqualTo(BackupLayout.legacySegment(pair.get(1)));
            assertThat(BackupLayout.segment(pair.get(0)))
                    .as(pair.toString())
                    .isNotEqualTo(BackupLayout.segment(pair.get(1)));
        }
        assertThat(BackupLayout.segment("tienda_ñ_日本")).matches("[A-Za-z0-9._~-]+");
        assertThatThrownBy(() -> BackupLayout.folder("a", "b", "../x")).hasMessageContaining("not a backup id");
    }

    @Test
    void dumpNamesTellFormatAndCompression() {
        assertThat(BackupLayout.dumpFileName(DumpFormat.CUSTOM, CompressionAlgorithm.ZSTD))
                .isEqualTo("dump.pgdump.zst");
        assertThat(BackupLayout.dumpFileName(DumpFormat.PLAIN, CompressionAlgorithm.GZIP))
                .isEqualTo("dump.sql.gz");
        assertThat(BackupLayout.dumpFileName(DumpFormat.DIRECTORY, CompressionAlgorithm.NONE))
                .isEqualTo("dump.tar");
    }

    @Test
    void compressionLevelsAreChecked() {
        assertThat(CompressionAlgorithm.ZSTD.checkLevel(null)).isEqualTo(3);
        assertThat(CompressionAlgorithm.GZIP.checkLevel(9)).isEqualTo(9);
        assertThatThrownBy(() -> CompressionAlgorithm.GZIP.checkLevel(12)).hasMessageContaining("between 1 and 9");
        assertThatThrownBy(() -> CompressionAlgorithm.NONE.checkLevel(1)).hasMessageContaining("takes no level");
        assertThatThrownBy(() -> CompressionAlgorithm.parse("lz4")).hasMessageContaining("zstd, gzip, none");
    }
}
