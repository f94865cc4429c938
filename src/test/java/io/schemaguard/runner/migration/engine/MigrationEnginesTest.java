package io.schemaguard.runner.migration.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MigrationEnginesTest {

    @Test
    void enginesByName() {
        assertThat(MigrationEngines.of("flyway")).isInstanceOf(FlywayEngine.class);
        assertThat(MigrationEngines.of(" Prisma ")).isInstanceOf(PrismaEngine.class);
        assertThat(MigrationEngines.NAMES)
                .allSatisfy(n -> assertThat(MigrationEngines.of(n).name()).isEqualTo(n));
    }

    @Test
    void anUnknownNameListsTheKnownOnes() {
        assertThatThrownBy(() -> MigrationEngines.of("liquibase"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown migration engine 'liquibase': expected one of flyway, prisma");
        assertThatThrownBy(() -> MigrationEngines.of(null)).isInstanceOf(IllegalArgumentException.class);
    }
}
