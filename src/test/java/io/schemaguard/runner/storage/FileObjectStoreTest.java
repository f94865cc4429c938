package io.schemaguard.runner.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileObjectStoreTest {

    private static long filesUnder(Path dir) throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).count();
        }
    }

    @Test
    void anObjectAppearsOnlyOnCommit(@TempDir Path dir) throws Exception {
        FileObjectStore store = new FileObjectStore(StorageLocation.parse(dir.toString()));
        UploadSink sink = store.openUpload("ns/db/20261125T031500Z-ab/dump.pgdump");
        sink.write(new byte[1000]);
        assertThat(store.list("")).isEmpty();
        StoredObject stored = sink.commit();
        assertThat(stored.size()).isEqualTo(1000);
        assertThat(store.list(""))
                .extracting(StoredObject::key)
                .containsExactly("ns/db/20261125T031500Z-ab/dump.pgdump");
    }

    @Test
    void abortAndCloseWithoutCommitLeaveNothing(@TempDir Path dir) throws Exception {
        FileObjectStore store = new FileObjectStore(StorageLocation.parse(dir.toString()));
        try (UploadSink sink = store.openUpload("a/dump")) {
            sink.write(new byte[10]);
        }
        UploadSink aborted = store.openUpload("b/dump");
        aborted.write(new byte[10]);
        aborted.abort();
        assertThat(filesUnder(dir)).isZero();
        assertThatThrownBy(() -> aborted.write(1)).hasMessageContaining("already finished");
    }

    @Test
    void keysCannotEscapeTheDirectory(@TempDir Path dir) {
        FileObjectStore store = new FileObjectStore(StorageLocation.parse(dir.toString()));
        assertThatThrownBy(() -> store.openUpload("../../etc/passwd")).hasMessageContaining("escapes");
    }

    @Test
    void theCatalogSeparatesCompleteFromIncompleteBackups(@TempDir Path dir) {
        FileObjectStore store = new FileObjectStore(StorageLocation.parse(dir.toString()));
        store.put("ns/db/20261125T010000Z-aa/dump.pgdump", new byte[5], "application/octet-stream");
        store.put("ns/db/20261125T020000Z-bb/dump.pgdump", new byte[5], "application/octet-stream");
        store.put(
                "ns/db/20261125T020000Z-bb/manifest.json",
                ("{\"schemaVersion\":1,\"backupId\":\"20261125T020000Z-bb\","
                                + "\"dumpObject\":\"dump.pgdump\",\"sizeBytes\":5,\"sha256\":\"x\"}")
                        .getBytes(),
                "application/json");
        store.put("ns/db/20261125T030000Z-cc/manifest.json", "not json".getBytes(), "application/json");
        store.put("unrelated/file.txt", new byte[1], "text/plain");

        var entries = new BackupCatalog(store).entries();
        assertThat(entries)
                .extracting(BackupCatalog.Entry::backupId)
                .containsExactly("20261125T010000Z-aa", "20261125T020000Z-bb", "20261125T030000Z-cc");
        assertThat(entries).extracting(BackupCatalog.Entry::complete).containsExactly(false, true, false);
        assertThat(entries.get(0).problem()).contains("no manifest");
        assertThat(entries.get(2).problem()).contains("unreadable manifest");
        assertThat(new BackupCatalog(store)
                        .find("ns/db/20261125T020000Z-bb")
                        .manifest()
                        .sizeBytes())
                .isEqualTo(5);
        assertThatThrownBy(() -> new BackupCatalog(store).find("20261125T090000Z-zz"))
                .hasMessageContaining("no backup");
    }
}
