package io.schemaguard.runner.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.schemaguard.contract.FailureReason;
import io.schemaguard.runner.RunnerException;
import io.schemaguard.testing.PostgresServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The sweep drops databases on a user's server, so what it must never drop is tested first: a
 * scratch database a live runner holds, and anything not named as a scratch database.
 */
class ScratchDatabaseTest {
    private static final PostgresServer pg = PostgresServer.shared();

    private static PgTarget named(String database) {
        return new PgTarget(
                pg.host(), pg.port(), database, PostgresServer.SUPERUSER, PostgresServer.PASSWORD, "disable");
    }

    @Test
    void aLiveRunnersScratchDatabaseAndOtherDatabasesSurviveTheSweepAnAbandonedOneDoesNot() throws Exception {
        String suffix = Long.toHexString(System.nanoTime());
        String abandoned = "schemaguard_verify_abandoned_" + suffix;
        String lookalike = "schemaguard_verifyx_" + suffix;
        String application = "shop_" + suffix;
        pg.execute(
                "postgres",
                "CREATE DATABASE " + abandoned,
                "CREATE DATABASE " + lookalike,
                "CREATE DATABASE " + application);

        try (ScratchDatabase live = ScratchDatabase.create(named("schemaguard_rehearse_live_" + suffix))) {
            assertThat(databases())
                    .as("the sweep took the one nobody holds")
                    .doesNotContain(abandoned)
                    .contains(live.target().database(), lookalike, application);

            try (ScratchDatabase other = ScratchDatabase.create(named("schemaguard_verify_other_" + suffix))) {
                assertThat(databases())
                        .as("a database a live runner holds is never swept")
                        .contains(live.target().database(), other.target().database());
            }
            assertThatThrownBy(() -> ScratchDatabase.create(named(live.target().database())))
                    .isInstanceOf(RunnerException.class)
                    .satisfies(e -> assertThat(((RunnerException) e).reason()).isEqualTo(FailureReason.DatabaseBusy));
            assertThat(databases())
                    .as("refused, and not dropped by the refused runner")
                    .contains(live.target().database());
        }
        assertThat(databases())
                .as("closing drops its own")
                .noneMatch(d -> d.endsWith("live_" + suffix))
                .contains(lookalike, application);
        pg.execute("postgres", "DROP DATABASE " + lookalike, "DROP DATABASE " + application);
    }

    @Test
    void onlyScratchNamesAreAccepted() {
        assertThatThrownBy(() -> ScratchDatabase.create(named("shop"))).isInstanceOf(IllegalArgumentException.class);
    }

    private static Set<String> databases() throws SQLException {
        Set<String> names = new HashSet<>();
        try (Connection c = pg.connect("postgres");
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT datname FROM pg_database")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }
}
