package io.schemaguard.operator.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.schemaguard.api.BackupSchedule;
import io.schemaguard.api.BackupScheduleSpec;
import io.schemaguard.api.BackupTemplate;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.DeletionPolicy;
import io.schemaguard.api.Phase;
import io.schemaguard.operator.jobs.Conditions;
import io.schemaguard.operator.jobs.Labels;
import io.schemaguard.testing.Fixtures;
import io.schemaguard.testing.TestClock;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The schedule reconciler against the Fabric8 mock server (CRUD mode) with the operator's clock moved
 * by the test: the clock is set two seconds before a run is due and the reconciler's own wake-up
 * creates the backup. Backups' phases are written by the test (no Job controller here).
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class BackupScheduleReconcilerTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Inject
    KubernetesClient client;

    @Inject
    TestClock clock;

    @KubernetesTestServer
    KubernetesServer server;

    @AfterEach
    void realTime() {
        clock.reset();
    }

    private String namespace(String name) {
        client.namespaces()
                .resource(new NamespaceBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .endMetadata()
                        .build())
                .createOr(NonDeletingOperation::update);
        return name;
    }

    static BackupSchedule schedule(String ns, String name, String cron) {
        BackupSchedule s = new BackupSchedule();
        s.getMetadata().setName(name);
        s.getMetadata().setNamespace(ns);
        s.getSpec().setSchedule(cron);
        DatabaseBackup like = Fixtures.backup(
                ns, "x", "orders-db", 5432, "shop", Fixtures.s3("team-backups", "http://minio:9000", "s3-credentials"));
        BackupTemplate t = new BackupTemplate();
        t.setDatabase(like.getSpec().getDatabase());
        t.setStorage(like.getSpec().getStorage());
        t.setExactRowCounts(true);
        s.getSpec().setTemplate(t);
        return s;
    }

    /** The next 02:00 UTC after the real now: a schedule created now has not run it yet. */
    static Instant nextTwoAm() {
        Instant day = Instant.now().truncatedTo(ChronoUnit.DAYS);
        Instant t = day.plus(Duration.ofHours(2));
        return t.isAfter(Instant.now()) ? t : t.plus(Duration.ofDays(1));
    }

    private BackupSchedule fetch(String ns, String name) {
        return client.resources(BackupSchedule.class)
                .inNamespace(ns)
                .withName(name)
                .get();
    }

    /** A spec change as kubectl edit makes it (a patch, so the operator's status writes do not conflict). */
    private void edit(String ns, String name, Consumer<BackupSchedule> change) {
        for (int attempt = 1; ; attempt++) {
            try {
                client.resources(BackupSchedule.class)
                        .inNamespace(ns)
                        .withName(name)
                        .edit(x -> {
                            change.accept(x);
                            return x;
                        });
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == 5) {
                    throw e; // the operator wrote status in between: read again, as kubectl edit does
                }
            }
        }
    }

    private List<DatabaseBackup> backups(String ns) {
        return client.resources(DatabaseBackup.class).inNamespace(ns).list().getItems().stream()
                .filter(b -> b.getMetadata().getDeletionTimestamp() == null)
                .toList();
    }

    private List<String> reasons(String ns, String name) {
        return client.v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> name.equals(e.getInvolvedObject().getName()))
                .map(Event::getReason)
                .toList();
    }

    /** Plays the backup's outcome, once its own reconciler has written its first status (so it does not overwrite this). */
    private void phase(DatabaseBackup b, Phase phase, String completedAt) {
        await().ignoreExceptions()
                .atMost(TIMEOUT)
                .until(
                        () -> client.resources(DatabaseBackup.class)
                                .inNamespace(b.getMetadata().getNamespace())
                                .withName(b.getMetadata().getName())
                                .get(),
                        x -> x.getStatus() != null && x.getStatus().getPhase() != null);
        client.resources(DatabaseBackup.class)
                .inNamespace(b.getMetadata().getNamespace())
                .withName(b.getMetadata().getName())
                .editStatus(x -> {
                    x.getStatus().setPhase(phase);
                    x.getStatus().setCompletedAt(completedAt);
                    return x;
                });
    }

    @Test
    void aDueRunCreatesOneBackupFromTheTemplateAndRecordsItsTime() {
        String ns = namespace("nightly");
        Instant due = nextTwoAm();
        clock.set(due.minusSeconds(2));
        client.resource(schedule(ns, "shop-nightly", "0 2 * * *")).create();

        DatabaseBackup b = await().ignoreExceptions()
                .atMost(TIMEOUT)
                .until(() -> backups(ns), l -> !l.isEmpty())
                .get(0);
        assertThat(b.getMetadata().getName()).isEqualTo(ScheduleProgress.backupName("shop-nightly", due));
        assertThat(b.getMetadata().getLabels()).containsEntry(Labels.SCHEDULE, "shop-nightly");
        assertThat(b.getMetadata().getAnnotations()).containsEntry(Labels.SCHEDULED_TIME_ANNOTATION, due.toString());
        assertThat(b.getMetadata().getOwnerReferences())
                .as("backups outlive their schedule")
                .isNullOrEmpty();
        assertThat(b.getSpec().getExactRowCounts()).isTrue();
        assertThat(b.getSpec().getDatabase().getName()).isEqualTo("shop");

        BackupSchedule s = await().ignoreExceptions()
                .atMost(TIMEOUT)
                .until(
                        () -> fetch(ns, "shop-nightly"),
                        x -> due.toString().equals(x.getStatus().getLastScheduleTime()));
        assertThat(s.getStatus().getNextScheduleTime())
                .isEqualTo(due.plus(Duration.ofDays(1)).toString());
        assertThat(Conditions.find(s.getStatus().getConditions(), Conditions.READY)
                        .getStatus())
                .isEqualTo("True");
        await().ignoreExceptions()
                .atMost(TIMEOUT)
                .untilAsserted(() -> assertThat(reasons(ns, "shop-nightly")).contains("Scheduled"));
        // the backup's own reconciler picked it up (a Job exists), and nothing else was created
        await().ignoreExceptions()
                .atMost(TIMEOUT)
                .until(() -> client.batch().v1().jobs().inNamespace(ns).list().getItems().stream()
                                .filter(j -> "backup"
                                        .equals(j.getMetadata().getLabels().get("app.kubernetes.io/component")))
                                .count()
                        == 1);
        assertThat(backups(ns)).hasSize(1);
    }

    /**
     * A run whose DatabaseBackup the API server refuses six times in a row (JOSDK's default retry gives up
     * after the first attempt and five retries, and the schedule would then wait for its 10 h resync) is
     * still created once the server takes it, for its own time: a schedule never goes quiet.
     */
    @Test
    void aRunTheApiServerRefusesSixTimesIsRetriedUntilItIsCreated() {
        String ns = namespace("refused");
        Instant due = nextTwoAm();
        server.expect()
                .post()
                .withPath("/apis/schemaguard.io/v1alpha1/namespaces/" + ns + "/databasebackups")
                .andReturn(403, "{\"kind\":\"Status\",\"code\":403,\"message\":\"forbidden for a while\"}")
                .times(6);
        clock.set(due.minusSeconds(2));
        client.resource(schedule(ns, "shop-nightly", "0 2 * * *")).create();

        // while refused: Ready=False with what the API server said, one Warning, nothing recorded as run
        BackupSchedule retrying = await().ignoreExceptions()
                .atMost(TIMEOUT)
                .until(
                        () -> fetch(ns, "shop-nightly"),
                        x -> ScheduleProgress.RETRYING.equals(
                                Conditions.find(x.getStatus().getConditions(), Conditions.READY)
                                        .getReason()));
        assertThat(Conditions.find(retrying.getStatus().getConditions(), Conditions.READY)
                        .getMessage())
                .isEqualTo("retrying after an error: 403 forbidden for a while");
        assertThat(retrying.getStatus().getLastScheduleTime()).isNull();
        await().ignoreExceptions()
                .atMost(TIMEOUT)
                .untilAsserted(() -> assertThat(reasons(ns, "shop-nightly")).contains(ScheduleProgress.RETRYING));

        DatabaseBackup b = await().ignoreExceptions()
                .atMost(Duration.ofSeconds(60))
                .until(() -> backups(ns), l -> !l.isEmpty())
                .get(0);
        assertThat(b.getMetadata().getName()).isEqualTo(ScheduleProgress.backupName("shop-nightly", due));
        BackupSchedule s = await().ignoreExceptions()
                .atMost(TIMEOUT)
                .until(
                        () -> fetch(ns, "shop-nightly"),
                        x -> due.toString().equals(x.getStatus().getLastScheduleTime()));
        assertThat(s.getStatus().getActive()).containsExactly(b.getMetadata().getName());
        assertThat(Conditions.find(s.getStatus().getConditions(), Conditions.READY)
                        .getStatus())
                .isEqualTo("True");
        assertThat(reasons(ns, "shop-nightly").stream().filter(ScheduleProgress.RETRYING::equals))
                .as("one Warning for the same error, not one per retry")
                .hasSize(1);
        assertThat(backups(ns)).hasSize(1);
    }

    @Test
    void anInvalidScheduleOrZoneIsAConditionAndAnEventNotACrash() {
        String ns = namespace("invalid");
        client.resource(schedule(ns, "bad-cron", "61 * * * *")).create();
        BackupSchedule bad = schedule(ns, "bad-zone", "@daily");
        bad.getSpec().setTimeZone("Mars/Olympus_Mons");
        client.resource(bad).create();

        for (String name : List.of("bad-cron", "bad-zone")) {
            BackupSchedule s = await().ignoreExceptions()
                    .atMost(TIMEOUT)
                    .until(
                            () -> fetch(ns, name),
                            x -> x.getStatus() != null
                                    && Conditions.find(x.getStatus().getConditions(), Conditions.READY) != null);
            var ready = Conditions.find(s.getStatus().getConditions(), Conditions.READY);
            assertThat(ready.getStatus()).isEqualTo("False");
            assertThat(ready.getReason()).isEqualTo("InvalidSchedule");
            assertThat(ready.getMessage()).contains(name.equals("bad-cron") ? "61" : "Mars/Olympus_Mons");
            assertThat(s.getStatus().getNextScheduleTime()).isNull();
            await().ignoreExceptions()
                    .atMost(TIMEOUT)
                    .untilAsserted(() -> assertThat(reasons(ns, name)).contains("InvalidSchedule"));
        }
        assertThat(backups(ns)).isEmpty();

        // fixed: the same resource schedules again
        edit(ns, "bad-cron", x -> x.getSpec().setSchedule("0 3 * * *"));
        await().ignoreExceptions()
                .atMost(TIMEOUT)
                .until(
                        () -> fetch(ns, "bad-cron"),
                        x -> "True"
                                        .equals(Conditions.find(x.getStatus().getConditions(), Conditions.READY)
                                                .getStatus())
                                && x.getStatus().getNextScheduleTime() != null);
    }

    @Test
    void forbidSkipsARunWhileTheLastBackupStillRunsAndSuspendStopsRuns() {
        String ns = namespace("forbid");
        Instant due = nextTwoAm().plus(Duration.ofDays(1));
        clock.set(due.minus(Duration.ofDays(1)).minusSeconds(2)); // the day before, two seconds early
        client.resource(schedule(ns, "slow", "0 2 * * *")).create();
        DatabaseBackup first = await().ignoreExceptions()
                .atMost(TIMEOUT)
                .until(() -> backups(ns), l -> l.size() == 1)
                .get(0);
        phase(first, Phase.Running, null);
        await().ignoreExceptions()
                .atMost(TIMEOUT)
                .until(
                        () -> fetch(ns, "slow").getStatus().getActive(),
                        a -> a != null && a.contains(first.getMetadata().getName()));

        clock.set(due.minusSeconds(2)); // a day later, the first backup still running
        // a spec change wakes the reconciler at the new time
        edit(ns, "slow", x -> x.getSpec().setStartingDeadlineSeconds(3600L));
        await().ignoreExceptions()
                .atMost(TIMEOUT)
                .until(() -> fetch(ns, "slow").getStatus().getLastScheduleTime(), due.toString()::equals);
        assertThat(backups(ns)).hasSize(1);
        await().ignoreExceptions()
                .atMost(TIMEOUT)
                .untilAsserted(() -> assertThat(reasons(ns, "slow")).contains("RunSkipped"));

        // suspended: no next run, none created even when due
        edit(ns, "slow", x -> x.getSpec().setSuspend(true));
        await().ignoreExceptions()
                .atMost(TIMEOUT)
                .until(
                        () -> fetch(ns, "slow").getStatus(),
                        st -> st.getNextScheduleTime() == null
                                && "Suspended"
                                        .equals(Conditions.find(st.getConditions(), Conditions.READY)
                                                .getReason()));
        phase(first, Phase.Succeeded, due.toString());
        clock.set(due.plus(Duration.ofDays(1)).plusSeconds(1));
        edit(ns, "slow", x -> x.getSpec().setFailedBackupsHistoryLimit(2));
        await().ignoreExceptions()
                .atMost(TIMEOUT)
                .until(() -> fetch(ns, "slow").getStatus().getKeptBackups(), k -> k != null && k == 1);
        assertThat(backups(ns)).hasSize(1);
    }

    @Test
    void retentionDeletesWhatNoRuleKeepsAndNeverTheMarkedOnes() {
        String ns = namespace("retention");
        Instant base = Instant.now()
                .truncatedTo(ChronoUnit.DAYS)
                .minus(Duration.ofDays(10))
                .plus(Duration.ofHours(2));
        for (int d = 0; d < 6; d++) {
            Instant t = base.plus(Duration.ofDays(d));
            DatabaseBackup b = ScheduleProgress.backupFor(schedule(ns, "daily", "0 2 * * *"), t);
            b.getSpec().setDeletionPolicy(DeletionPolicy.Retain); // no storage here: the finalizer lets go at once
            if (d == 0) {
                b.getMetadata().getLabels().put(Labels.KEEP, "true");
            }
            client.resource(b).create();
            phase(b, d == 4 ? Phase.Failed : Phase.Succeeded, t.plusSeconds(60).toString());
        }
        BackupSchedule s = schedule(ns, "daily", "0 2 * * *");
        s.getSpec().setSuspend(true);
        var retention = new BackupScheduleSpec.RetentionPolicy();
        retention.setKeepLast(2);
        retention.setDryRun(true);
        s.getSpec().setRetention(retention);
        s.getSpec().setFailedBackupsHistoryLimit(0);
        client.resource(s).create();

        // dry run: reported, nothing deleted
        BackupSchedule dry = await().ignoreExceptions()
                .atMost(TIMEOUT)
                .until(
                        () -> fetch(ns, "daily"),
                        x -> x.getStatus() != null
                                && x.getStatus().getRetention() != null
                                && x.getStatus().getRetention().getDeleted() != null);
        assertThat(dry.getStatus().getRetention().getDeleted())
                .hasSize(3)
                .noneSatisfy(l -> assertThat(l).startsWith(ScheduleProgress.backupName("daily", base) + ":"));
        assertThat(backups(ns)).hasSize(6);

        edit(ns, "daily", x -> x.getSpec().getRetention().setDryRun(false));
        await().ignoreExceptions().atMost(TIMEOUT).until(() -> backups(ns).size() == 3);
        assertThat(backups(ns))
                .extracting(b -> b.getMetadata().getName())
                .containsExactlyInAnyOrder(
                        ScheduleProgress.backupName("daily", base), // labelled keep
                        ScheduleProgress.backupName("daily", base.plus(Duration.ofDays(3))),
                        ScheduleProgress.backupName("daily", base.plus(Duration.ofDays(5))));
        await().ignoreExceptions()
                .atMost(TIMEOUT)
                .untilAsserted(() -> assertThat(reasons(ns, "daily")).contains("Pruned"));
        assertThat(fetch(ns, "daily").getStatus().getRetention().getDeletedTotal())
                .isEqualTo(3);
    }
}
