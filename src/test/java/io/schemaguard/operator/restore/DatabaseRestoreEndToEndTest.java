package io.schemaguard.operator.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.DatabaseRestore;
import io.schemaguard.api.Phase;
import io.schemaguard.api.RestoreMode;
import io.schemaguard.operator.jobs.Labels;
import io.schemaguard.testing.Fixtures;
import io.schemaguard.testing.LocalJobExecutor;
import io.schemaguard.testing.PostgresServer;
import io.schemaguard.testing.S3Server;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The seed's incident and its cure on the mock server, with real PostgreSQL, S3Proxy and runner
 * processes: back up, lose rows of orders, restore into a new database, then replace the damaged
 * database (after a safety backup of it) and get every row back.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class DatabaseRestoreEndToEndTest {
    static PostgresServer pg;
    static S3Server s3;
    static String shop;
    static LocalJobExecutor executor;

    @Inject
    KubernetesClient client;

    @BeforeAll
    static void servers() {
        pg = PostgresServer.shared();
        s3 = S3Server.shared();
        shop = pg.createDatabase("incident");
        pg.execute(
                shop,
                "CREATE TABLE orders (id serial PRIMARY KEY, customer text, total numeric)",
                "INSERT INTO orders (customer, total) SELECT 'c' || g, g FROM generate_series(1, 3000) g");
        s3.createBucket("restore-e2e");
    }

    @AfterAll
    static void stop() {
        if (executor != null) {
            executor.close();
        }
    }

    private <T extends HasMetadata> T awaitTerminal(Class<T> type, String ns, String name, Function<T, Phase> phase) {
        return await().atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(300))
                .until(
                        () -> client.resources(type)
                                .inNamespace(ns)
                                .withName(name)
                                .get(),
                        r -> r != null
                                && phase.apply(r) != null
                                && phase.apply(r).isTerminal());
    }

    static long orders(String db) throws Exception {
        try (Connection c = pg.connect(db);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM orders")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void backUpLoseRowsRestoreIntoANewDatabaseThenReplaceTheDamagedOne() throws Exception {
        String ns = "incident";
        client.namespaces()
                .resource(new NamespaceBuilder()
                        .withNewMetadata()
                        .withName(ns)
                        .endMetadata()
                        .build())
                .createOr(NonDeletingOperation::update);
        client.resource(new SecretBuilder()
                        .withNewMetadata()
                        .withName("db-credentials")
                        .withNamespace(ns)
                        .endMetadata()
                        .withStringData(Map.of("password", PostgresServer.PASSWORD))
                        .build())
                .createOr(NonDeletingOperation::update);
        client.resource(new SecretBuilder()
                        .withNewMetadata()
                        .withName("s3-credentials")
                        .withNamespace(ns)
                        .endMetadata()
                        .withStringData(Map.of(
                                "AWS_ACCESS_KEY_ID", S3Server.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", S3Server.SECRET_KEY))
                        .build())
                .createOr(NonDeletingOperation::update);
        executor = new LocalJobExecutor(client, Labels.MANAGED_BY + "=" + Labels.OPERATOR);

        client.resource(Fixtures.backup(
                        ns,
                        "before-customer-reference",
                        "127.0.0.1",
                        pg.port(),
                        shop,
                        Fixtures.s3("restore-e2e", s3.endpoint(), "s3-credentials")))
                .create();
        DatabaseBackup backup = awaitTerminal(
                DatabaseBackup.class,
                ns,
                "before-customer-reference",
                b -> b.getStatus() == null ? null : b.getStatus().getPhase());
        assertThat(backup.getStatus().getPhase()).isEqualTo(Phase.Succeeded);

        // the incident: the migration drops and recreates orders, and 2,000 rows are gone
        pg.execute(
                shop,
                "DROP TABLE orders",
                "CREATE TABLE orders (id serial PRIMARY KEY, customer text, total numeric,"
                        + " customer_reference text)",
                "INSERT INTO orders (customer, total) SELECT 'c' || g, g FROM" + " generate_series(1, 1000) g");
        assertThat(orders(shop)).isEqualTo(1000);

        String copy = "incident_copy_" + System.nanoTime();
        client.resource(Fixtures.restoreFromBackup(
                        ns, "to-a-copy", "before-customer-reference", "127.0.0.1", pg.port(), copy))
                .create();
        DatabaseRestore toCopy = awaitTerminal(
                DatabaseRestore.class,
                ns,
                "to-a-copy",
                r -> r.getStatus() == null ? null : r.getStatus().getPhase());
        assertThat(toCopy.getStatus().getPhase())
                .as(String.valueOf(toCopy.getStatus().getConditions()))
                .isEqualTo(Phase.Succeeded);
        assertThat(toCopy.getStatus().getRestoredRows()).isEqualTo(3000L);
        assertThat(toCopy.getStatus().getBackupId())
                .isEqualTo(backup.getStatus().getBackupId());
        assertThat(orders(copy)).isEqualTo(3000);

        DatabaseRestore replace =
                Fixtures.restoreFromBackup(ns, "fix-shop", "before-customer-reference", "127.0.0.1", pg.port(), shop);
        replace.getSpec().setMode(RestoreMode.Replace);
        replace.getSpec().setConfirm(shop);
        client.resource(replace).create();
        DatabaseRestore fixed = awaitTerminal(
                DatabaseRestore.class,
                ns,
                "fix-shop",
                r -> r.getStatus() == null ? null : r.getStatus().getPhase());
        assertThat(fixed.getStatus().getPhase())
                .as(String.valueOf(fixed.getStatus().getConditions()))
                .isEqualTo(Phase.Succeeded);
        assertThat(fixed.getStatus().getSafetyBackup()).isEqualTo("fix-shop-safety");
        DatabaseBackup safety = client.resources(DatabaseBackup.class)
                .inNamespace(ns)
                .withName("fix-shop-safety")
                .get();
        assertThat(safety.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
        assertThat(safety.getStatus().getSha256()).isNotBlank();
        assertThat(orders(shop)).as("every row is back").isEqualTo(3000);
    }
}
