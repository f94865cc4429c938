package io.schemaguard.operator.migration;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.schemaguard.api.SafeMigration;
import io.schemaguard.api.SafeMigrationSpec;
import io.schemaguard.api.SecretKeySelector;
import io.schemaguard.api.VerificationServer;
import io.schemaguard.operator.jobs.StorageBinding;
import io.schemaguard.testing.Fixtures;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The rehearsal server and the lock settings reach the step Jobs as arguments, the password by secretKeyRef. */
class MigrationJobFactoryTest {

    static SafeMigration withRehearsalServer() {
        SafeMigration m = MigrationProgressTest.migration();
        m.getSpec().setStorage(Fixtures.s3("team-backups", "http://minio.storage:9000", "s3-credentials"));
        VerificationServer server = new VerificationServer();
        server.setHost("rehearsal-pg.shop.svc");
        server.setUser("rehearser");
        SecretKeySelector password = new SecretKeySelector();
        password.setName("rehearsal-credentials");
        server.setPasswordSecretRef(password);
        m.getSpec().setRehearsalServer(server);
        m.getSpec().getSafety().setLockHazards(SafeMigrationSpec.LockHazards.Block);
        m.getSpec().getSafety().setLockRetries(5);
        return m;
    }

    static Container container(SafeMigration m, MigrationJobFactory.Step step) {
        StorageBinding storage = StorageBinding.resolve(m.getSpec().getStorage(), Fixtures.noDefaultStorage());
        Job job = MigrationJobFactory.build(m, step, 1, "20261125T100000Z-abcd1234", storage, Fixtures.runner());
        return job.getSpec().getTemplate().getSpec().getContainers().get(0);
    }

    static Map<String, EnvVar> env(Container c) {
        return c.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
    }

    @Test
    void theRehearsalRunsOnTheRehearsalServerWithItsPasswordFromASecret() {
        Container rehearse = container(withRehearsalServer(), MigrationJobFactory.Step.rehearse);
        assertThat(rehearse.getArgs())
                .contains(
                        "--rehearsal-server=postgresql://rehearser@rehearsal-pg.shop.svc:5432?sslmode=prefer",
                        "--lock-hazards=block",
                        "--lock-retries=5");
        EnvVar password = env(rehearse).get("SCHEMAGUARD_REHEARSAL_PGPASSWORD");
        assertThat(password.getValue()).isNull();
        assertThat(password.getValueFrom().getSecretKeyRef().getName()).isEqualTo("rehearsal-credentials");
        assertThat(password.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("password");
    }

    @Test
    void onlyTheRehearsalGetsTheServerAndEveryStepJudgesHazardsAlike() {
        SafeMigration m = withRehearsalServer();
        for (MigrationJobFactory.Step step : List.of(MigrationJobFactory.Step.plan, MigrationJobFactory.Step.migrate)) {
            Container c = container(m, step);
            assertThat(c.getArgs())
                    .as(step.name())
                    .noneMatch(a -> a.startsWith("--rehearsal-server"))
                    .contains("--lock-hazards=block");
            assertThat(env(c)).doesNotContainKey("SCHEMAGUARD_REHEARSAL_PGPASSWORD");
        }
        assertThat(container(m, MigrationJobFactory.Step.migrate).getArgs()).contains("--lock-retries=5");
    }

    @Test
    void defaultsWarnOnHazardsAndRetryThreeTimes() {
        SafeMigration m = MigrationProgressTest.migration();
        m.getSpec().setStorage(Fixtures.s3("team-backups", "http://minio.storage:9000", "s3-credentials"));
        Container migrate = container(m, MigrationJobFactory.Step.migrate);
        assertThat(migrate.getArgs()).contains("--lock-retries=3").noneMatch(a -> a.startsWith("--lock-hazards"));
    }
}
