package io.schemaguard.runner.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PgTargetTest {

    @Test
    void urlOnTheCommandLineWithPasswordFromTheEnvironment() {
        PgTarget t =
                PgTarget.resolve("postgresql://app@db.internal:6543/shop?sslmode=require", Map.of("PGPASSWORD", "pw"));
        assertThat(t).isEqualTo(new PgTarget("db.internal", 6543, "shop", "app", "pw", "require"));
        assertThat(t.libpqEnvironment())
                .containsEntry("PGHOST", "db.internal")
                .containsEntry("PGPORT", "6543")
                .containsEntry("PGDATABASE", "shop")
                .containsEntry("PGUSER", "app")
                .containsEntry("PGPASSWORD", "pw")
                .containsEntry("PGSSLMODE", "require");
        assertThat(t.describe()).isEqualTo("app@db.internal:6543/shop").doesNotContain("pw");
        assertThat(t.toString()).doesNotContain("pw");
        assertThat(t.jdbcUrl()).isEqualTo("jdbc:postgresql://db.internal:6543/shop");
    }

    @Test
    void aPasswordInACommandLineUrlIsRefused() {
        assertThatThrownBy(() -> PgTarget.resolve("postgresql://app:secret@db/shop", Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PGPASSWORD")
                .hasMessageNotContaining("secret");
    }

    @Test
    void databaseUrlFromTheEnvironmentMayCarryThePassword() {
        PgTarget t = PgTarget.resolve(null, Map.of("DATABASE_URL", "postgres://app:p%40ss%3Aw@db:5433/orders"));
        assertThat(t.password()).isEqualTo("p@ss:w");
        assertThat(t.user()).isEqualTo("app");
        assertThat(t.port()).isEqualTo(5433);
        assertThat(t.database()).isEqualTo("orders");
    }

    @Test
    void jdbcUrlsAndQueryParametersWork() {
        PgTarget t = PgTarget.resolve("jdbc:postgresql://db:5432/shop?user=app&sslmode=verify-full", Map.of());
        assertThat(t.user()).isEqualTo("app");
        assertThat(t.sslMode()).isEqualTo("verify-full");
    }

    @Test
    void pgVariablesAloneAreEnoughAndUrlPartsOverrideThem() {
        Map<String, String> env = Map.of(
                "PGHOST",
                "envhost",
                "PGPORT",
                "5444",
                "PGDATABASE",
                "envdb",
                "PGUSER",
                "envuser",
                "PGPASSWORD",
                "pw",
                "PGSSLMODE",
                "disable");
        assertThat(PgTarget.resolve(null, env))
                .isEqualTo(new PgTarget("envhost", 5444, "envdb", "envuser", "pw", "disable"));
        assertThat(PgTarget.resolve("postgresql://urlhost/urldb", env))
                .isEqualTo(new PgTarget("urlhost", 5444, "urldb", "envuser", "pw", "disable"));
    }

    @Test
    void defaultsFollowLibpq() {
        PgTarget t = PgTarget.resolve(null, Map.of("PGUSER", "alice"));
        assertThat(t.host()).isEqualTo("localhost");
        assertThat(t.port()).isEqualTo(5432);
        assertThat(t.database()).isEqualTo("alice");
        assertThat(t.sslMode()).isEqualTo("prefer");
        assertThat(t.libpqEnvironment()).doesNotContainKey("PGPASSWORD");
    }

    @Test
    void badInputIsRefusedWithAReadableMessage() {
        assertThatThrownBy(() -> PgTarget.resolve("mysql://db/shop", Map.of()))
                .hasMessageContaining("not a PostgreSQL URL");
        assertThatThrownBy(() -> PgTarget.resolve(null, Map.of("PGPORT", "99999")))
                .hasMessageContaining("invalid port");
    }

    @Test
    void pgDumpVersionsParse() {
        assertThat(PgTools.parseVersion("pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"))
                .contains("15.18");
        assertThat(PgTools.parseVersion("pg_dump (PostgreSQL) 19beta1")).contains("19");
        assertThat(PgTools.parseVersion("pg_dump (PostgreSQL) 9.6.24")).contains("9.6");
        assertThat(PgTools.majorOf("9.6")).isEqualTo(9);
        assertThat(PgTools.majorOf("17.2")).isEqualTo(17);
        assertThat(PgTools.parseVersion("command not found")).isEmpty();
    }
}
