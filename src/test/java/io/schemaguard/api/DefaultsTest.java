package io.schemaguard.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.generator.annotation.Default;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The schema's defaults and the code's agree: for every {@code @Default} of the API, a fresh spec
 * object holds the same value (in its JSON spelling), so an object the operator reads without the
 * field behaves as the API server would have defaulted it. And every enum of the API is spelled in
 * CamelCase, as Kubernetes' API conventions ask, with the spelling of earlier v1alpha1 still read.
 */
class DefaultsTest {
    private static final ObjectMapper JSON = Serialization.jsonMapper();

    record Defaulted(Class<?> owner, Field field) {
        @Override
        public String toString() {
            return owner.getSimpleName() + "." + field.getName();
        }
    }

    static List<Class<?>> apiClasses() {
        List<Class<?>> classes = new ArrayList<>();
        try {
            Path dir = Path.of(Defaults.class
                            .getProtectionDomain()
                            .getCodeSource()
                            .getLocation()
                            .toURI())
                    .resolve("io/schemaguard/api");
            try (Stream<Path> files = Files.list(dir)) {
                for (Path p : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                    String name =
                            p.getFileName().toString().replace(".class", "").replace('/', '.');
                    classes.add(Class.forName("io.schemaguard.api." + name));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException | ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
        return classes;
    }

    static Stream<Defaulted> defaultedFields() {
        return apiClasses().stream()
                .flatMap(c -> Stream.of(c.getDeclaredFields())
                        .filter(f -> f.isAnnotationPresent(Default.class))
                        .map(f -> new Defaulted(c, f)));
    }

    @Test
    void theApiHasDefaultsToCheck() {
        // the scan found the classes: a broken scan would make the next test pass on nothing
        assertThat(defaultedFields().count()).isGreaterThanOrEqualTo(30);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("defaultedFields")
    void aFreshSpecHoldsTheSchemasDefault(Defaulted d) throws Exception {
        Object instance = d.owner().getDeclaredConstructor().newInstance();
        d.field().setAccessible(true);
        Object value = d.field().get(instance);

        assertThat(value)
                .as("%s has no initializer: code reading it would see null", d)
                .isNotNull();
        String spelled = JSON.valueToTree(value).asText();
        assertThat(spelled).isEqualTo(d.field().getAnnotation(Default.class).value());
    }

    static Stream<Class<?>> apiEnums() {
        return apiClasses().stream().filter(Class::isEnum);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("apiEnums")
    void everyEnumIsSpelledInCamelCase(Class<?> type) throws Exception {
        for (Field constant : type.getFields()) {
            if (!constant.isEnumConstant() || !Modifier.isStatic(constant.getModifiers())) {
                continue;
            }
            JsonProperty property = constant.getAnnotation(JsonProperty.class);
            String spelled = property != null ? property.value() : constant.getName();
            assertThat(spelled)
                    .as("%s.%s", type.getSimpleName(), constant.getName())
                    .matches("[A-Z][A-Za-z]*");
        }
    }

    @Test
    void theLowercaseSpellingOfEarlierReleasesIsStillRead() throws Exception {
        BackupSpec backup = JSON.readValue("{\"format\":\"directory\",\"compression\":\"none\"}", BackupSpec.class);
        assertThat(backup.getFormat()).isEqualTo(DumpFormat.DIRECTORY);
        assertThat(backup.getCompression()).isEqualTo(CompressionAlgorithm.NONE);
        DatabaseConnection db = JSON.readValue("{\"sslMode\":\"verify-full\"}", DatabaseConnection.class);
        assertThat(db.getSslMode()).isEqualTo(SslMode.VERIFY_FULL);
        SafeMigrationSpec migration = JSON.readValue("{\"engine\":\"prisma\"}", SafeMigrationSpec.class);
        assertThat(migration.getEngine()).isEqualTo(MigrationEngineType.PRISMA);

        // and written the new way
        assertThat(JSON.writeValueAsString(backup)).contains("\"format\":\"Directory\"", "\"compression\":\"None\"");
        assertThat(JSON.writeValueAsString(db)).contains("\"sslMode\":\"VerifyFull\"");
    }

    @Test
    void theRunnersEngineOptionKeepsItsLowercaseSpelling() {
        // the job factory passes cliName(); the runner must read it back (it once used valueOf on it)
        for (MigrationEngineType e : MigrationEngineType.values()) {
            assertThat(MigrationEngineType.parse(e.cliName())).isEqualTo(e);
            assertThat(e.cliName()).matches("[a-z]+");
        }
        assertThat(MigrationEngineType.parse("Prisma")).isEqualTo(MigrationEngineType.PRISMA);
        assertThatThrownBy(() -> MigrationEngineType.parse("liquibase"))
                .hasMessageContaining("unknown engine 'liquibase'");
    }
}
