package io.schemaguard.runner.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.schemaguard.api.MigrationEngineType;
import io.schemaguard.testing.ConfigMapLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The migration directory an engine reads, assembled from mounted ConfigMaps and image copies. */
class MigrationFilesTest {
    @TempDir
    Path tmp;

    static List<String> tree(Path dir) throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile)
                    .map(p -> dir.relativize(p).toString())
                    .sorted()
                    .toList();
        }
    }

    Path configMap(String name, Map<String, String> files) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(name));
        ConfigMapLayout.write(files, dir);
        return dir;
    }

    @Test
    void flatPrismaKeysOfTwoConfigMapsBecomePrismasLayoutWithoutTheKubeletsHiddenFiles() throws Exception {
        Path a = configMap("cm-a", Map.of("20240101000000_init.sql", "CREATE TABLE orders (id int);"));
        Path b = configMap(
                "cm-b",
                Map.of(
                        "20240201000000_customer_reference.sql",
                        "ALTER TABLE orders ADD COLUMN customer_reference text;"));
        Path work = Files.createDirectories(tmp.resolve("work"));

        Path out = MigrationFiles.assemble(MigrationEngineType.PRISMA, List.of(a, b), work);

        assertThat(tree(out))
                .containsExactly(
                        "20240101000000_init/migration.sql", "20240201000000_customer_reference/migration.sql");
        assertThat(Files.readString(out.resolve("20240201000000_customer_reference/migration.sql")))
                .isEqualTo("ALTER TABLE orders ADD COLUMN customer_reference text;");
    }

    @Test
    void aMountedFlywayConfigMapIsCopiedOutAsPlainFiles() throws Exception {
        Path cm = configMap(
                "cm",
                Map.of(
                        "V1__init.sql",
                        "CREATE TABLE orders (id int);",
                        "V2__ref.sql",
                        "ALTER TABLE orders ADD COLUMN customer_reference text;"));
        Path out = MigrationFiles.assemble(
                MigrationEngineType.FLYWAY, List.of(cm), Files.createDirectories(tmp.resolve("w")));
        assertThat(out).isNotEqualTo(cm);
        assertThat(tree(out)).containsExactly("V1__init.sql", "V2__ref.sql");
        assertThat(Files.isSymbolicLink(out.resolve("V1__init.sql"))).isFalse();
    }

    @Test
    void aPlainDirectoryInTheEnginesLayoutIsReadWhereItIs() throws Exception {
        Path image = Files.createDirectories(tmp.resolve("image/migrations/20240101000000_init"));
        Files.writeString(image.resolve("migration.sql"), "CREATE TABLE orders (id int);");
        Path root = image.getParent();
        assertThat(MigrationFiles.assemble(MigrationEngineType.PRISMA, List.of(root), tmp))
                .isEqualTo(root);
    }

    @Test
    void twoSourcesHoldingOneMigrationAreRefused() throws Exception {
        Path a = configMap("one", Map.of("V1__init.sql", "SELECT 1;"));
        Path b = configMap("two", Map.of("V1__init.sql", "SELECT 2;"));
        assertThatThrownBy(() -> MigrationFiles.assemble(MigrationEngineType.FLYWAY, List.of(a, b), tmp))
                .hasMessageContaining("two sources hold migration V1__init.sql");
    }
}
