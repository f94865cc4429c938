package io.schemaguard.operator.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.schemaguard.api.BackupSchedule;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.Phase;
import io.schemaguard.operator.backup.DatabaseBackupReconciler;
import io.schemaguard.operator.jobs.Conditions;
import io.schemaguard.operator.jobs.Labels;
import io.schemaguard.testing.Manifests;
import io.schemaguard.testing.PostgresServer;
import io.schemaguard.testing.S3Server;
import io.schemaguard.testing.TableLock;
import io.schemaguard.testing.cluster.OperatorProcess;
import io.schemaguard.testing.cluster.RealCluster;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * BackupSchedules on the real control plane with the packaged operator, real PostgreSQL and S3Proxy:
 * a schedule fires and its backup lands in storage, Forbid skips the next run while that backup is
 * held by a table lock; retention deletes older backups and their real objects through delete Jobs,
 * and a delete that fails keeps the resource with the reason; an operator down across several
 * scheduled times runs once when it returns.
 */
class BackupScheduleIT {
    @RegisterExtension
    static final RealCluster cluster = new RealCluster();

    static final String BUCKET = "it-schedules";
    static final Duration TIMEOUT = Duration.ofMinutes(3);
    static PostgresServer pg;
    static S3Server s3;
    static String database;
    static KubernetesClient admin;
    OperatorProcess operator;

    @BeforeAll
    static void servers() {
        pg = PostgresServer.shared();
        s3 = S3Server.shared();
        database = pg.createDatabase("it_schedule");
        pg.execute(
                database,
                "CREATE TABLE orders (id serial PRIMARY KEY, customer_reference text, total numeric)",
                "INSERT INTO orders (customer_reference, total) SELECT 'ref-' || g, g FROM generate_series(1, 5000) g");
        s3.createBucket(BUCKET);
        admin = cluster.admin();
    }

    @AfterEach
    void stopOperator() {
        cluster.stopOperator(operator);
    }

    /** A BackupSchedule as a person writes it, with {@code extraSpec} lines (two-space indent) appended. */
    static String schedule(String ns, String name, String cron, String extraSpec) {
        String backup = Manifests.backup(ns, "unused", pg, database, s3, BUCKET, null);
        String template = backup.substring(backup.indexOf("spec:\n") + "spec:\n".length())
                .lines()
                .map(l -> "  " + l)
                .reduce("", (a, b) -> a + b + "\n");
        return """
                apiVersion: schemaguard.io/v1alpha1
                kind: BackupSchedule
                metadata:
                  name: %s
                  namespace: %s
                spec:
                  schedule: "%s"
                %s  template:
                %s""".formatted(name, ns, cron, extraSpec == null ? "" : extraSpec, template);
    }

    static BackupSchedule fetch(String ns, String name) {
        return admin.resources(BackupSchedule.class)
                .inNamespace(ns)
                .withName(name)
                .get();
    }

    static List<DatabaseBackup> backups(String ns) {
        return admin.resources(DatabaseBackup.class).inNamespace(ns).list().getItems();
    }

    static List<String> reasons(String ns, String involved) {
        return admin.v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> involved == null
                        || involved.equals(e.getInvolvedObject().getName()))
                .map(Event::getReason)
                .toList();
    }

    static List<String> keys(String ns) {
        return s3.keys(BUCKET).stream()
                .filter(k -> k.startsWith("backups/" + ns + "/"))
                .toList();
    }

    @Test
    void anInvalidCronOrTimeZoneIsAConditionAndAnEventOnTheRealApiServer() {
        operator = cluster.startOperator("schemaguard-operator-schedule-invalid");
        String ns = cluster.namespace("invalid-schedule");
        cluster.kubectl().apply(schedule(ns, "bad-cron", "61 * * * *", null)).orThrow();
        cluster.kubectl()
                .apply(schedule(ns, "bad-zone", "@daily", "  timeZone: Mars/Olympus_Mons\n"))
                .orThrow();
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
            assertThat(s.getStatus().getObservedGeneration())
                    .isEqualTo(s.getMetadata().getGeneration());
            await().ignoreExceptions()
                    .atMost(TIMEOUT)
                    .untilAsserted(() -> assertThat(reasons(ns, name)).contains("InvalidSchedule"));
        }
        assertThat(backups(ns)).isEmpty();
    }

    @Test
    void aScheduleFiresItsBackupLandsInStorageAndForbidSkipsTheNextRunWhileItIsHeld() throws Exception {
        operator = cluster.startOperator("schemaguard-operator-schedule-it");
        String ns = cluster.namespace("every-minute");
        cluster.kubectl().apply(Manifests.secrets(ns, PostgresServer.PASSWORD)).orThrow();
        DatabaseBackup first;
        try (TableLock lock = TableLock.exclusive(pg, database, "orders")) {
            cluster.kubectl()
                    .apply(schedule(ns, "orders-every-minute", "* * * * *", null))
                    .orThrow();
            BackupSchedule s = await().atMost(TIMEOUT)
                    .until(
                            () -> fetch(ns, "orders-every-minute"),
                            x -> x.getStatus() != null && x.getStatus().getNextScheduleTime() != null);
            Instant next = Instant.parse(s.getStatus().getNextScheduleTime());
            assertThat(next)
                    .isAfter(Instant.now().minusSeconds(1))
                    .isBefore(Instant.now().plusSeconds(61));
            assertThat(next.getEpochSecond() % 60)
                    .as("a whole minute, no jitter")
                    .isZero();

            first = await().atMost(TIMEOUT)
                    .until(() -> backups(ns), l -> !l.isEmpty())
                    .get(0);
            assertThat(first.getMetadata().getName())
                    .isEqualTo(ScheduleProgress.backupName("orders-every-minute", next));
            await().atMost(TIMEOUT).until(() -> lock.blockedDumps() == 1);

            // the next minute comes while pg_dump waits for the lock: skipped, not a second backup
            await().atMost(TIMEOUT)
                    .until(
                            () -> fetch(ns, "orders-every-minute").getStatus().getLastScheduleTime(),
                            t -> t != null && Instant.parse(t).isAfter(next));
            await().atMost(Duration.ofSeconds(20))
                    .untilAsserted(
                            () -> assertThat(reasons(ns, "orders-every-minute")).contains("Scheduled", "RunSkipped"));
            assertThat(backups(ns)).hasSize(1);
        }
        DatabaseBackup done = await().atMost(TIMEOUT)
                .until(
                        () -> admin.resources(DatabaseBackup.class)
                                .inNamespace(ns)
                                .withName(first.getMetadata().getName())
                                .get(),
                        b -> b.getStatus() != null
                                && b.getStatus().getPhase() != null
                                && b.getStatus().getPhase().isTerminal());
        assertThat(done.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
        assertThat(keys(ns))
                .anySatisfy(k ->
                        assertThat(k).contains(done.getStatus().getBackupId()).endsWith("manifest.json"));
        BackupSchedule after = await().atMost(TIMEOUT)
                .until(
                        () -> fetch(ns, "orders-every-minute"),
                        x -> first.getMetadata().getName().equals(x.getStatus().getLastSuccessfulBackup()));
        assertThat(Conditions.find(after.getStatus().getConditions(), ScheduleProgress.LAST_BACKUP_SUCCEEDED)
                        .getStatus())
                .isEqualTo("True");
        // what Prometheus scrapes (and the chart's PrometheusRule alerts on)
        long completed = Instant.parse(done.getStatus().getCompletedAt()).getEpochSecond();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            String metrics = operator.metrics();
            assertThat(metrics.lines()
                            .filter(l -> l.startsWith("schemaguard_backup_last_success_timestamp_seconds{")
                                    && l.contains("namespace=\"" + ns + "\"")
                                    && l.contains("database=\"" + database + "\""))
                            .map(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))))
                    .as("last success of the schedule")
                    .containsExactly((double) completed);
            assertThat(metrics)
                    .contains("schemaguard_schedule_runs_total{namespace=\"" + ns
                            + "\",schedule=\"orders-every-minute\"}")
                    .contains("schemaguard_backup_duration_seconds_count{namespace=\"" + ns + "\"");
        });

        // suspended: no more runs
        cluster.kubectl()
                .run(
                        null,
                        "patch",
                        "backupschedule",
                        "-n",
                        ns,
                        "orders-every-minute",
                        "--type=merge",
                        "-p",
                        "{\"spec\":{\"suspend\":true}}")
                .orThrow();
        await().atMost(TIMEOUT)
                .until(() -> fetch(ns, "orders-every-minute").getStatus().getNextScheduleTime() == null);
        int count = backups(ns).size();
        String table = cluster.kubectl()
                .run(null, "get", "backupschedule", "-n", ns)
                .orThrow()
                .stdout();
        assertThat(table).contains("orders-every-minute").contains("* * * * *").contains("true");
        Thread.sleep(Duration.between(
                        Instant.now(),
                        Instant.now().truncatedTo(ChronoUnit.MINUTES).plusSeconds(65))
                .toMillis());
        assertThat(backups(ns)).hasSize(count);
    }

    @Test
    void retentionDeletesOlderBackupsAndTheirObjectsAndAFailedDeleteKeepsTheResource() {
        operator = cluster.startOperator("schemaguard-operator-schedule-it");
        String ns = cluster.namespace("retention");
        cluster.kubectl().apply(Manifests.secrets(ns, PostgresServer.PASSWORD)).orThrow();
        // three earlier runs of the schedule, taken for real
        Instant day = Instant.now().truncatedTo(ChronoUnit.DAYS).plus(Duration.ofHours(2));
        BackupSchedule like = Serialization.unmarshal(schedule(ns, "nightly", "0 2 * * *", null), BackupSchedule.class);
        for (int d = 3; d >= 1; d--) {
            admin.resource(ScheduleProgress.backupFor(like, day.minus(Duration.ofDays(d))))
                    .create();
        }
        await().atMost(TIMEOUT)
                .until(() -> backups(ns).stream()
                        .allMatch(b -> b.getStatus() != null && b.getStatus().getPhase() == Phase.Succeeded));
        List<String> ids =
                backups(ns).stream().map(b -> b.getStatus().getBackupId()).toList();
        assertThat(keys(ns)).hasSize(6); // dump + manifest each
        String newest = ScheduleProgress.backupName("nightly", day.minus(Duration.ofDays(1)));

        cluster.kubectl().apply(schedule(ns, "nightly", "0 2 * * *", """
                  suspend: true
                  retention:
                    keepLast: 1
                """)).orThrow();
        await().atMost(TIMEOUT).until(() -> backups(ns).size() == 1);
        assertThat(backups(ns))
                .singleElement()
                .satisfies(b -> assertThat(b.getMetadata().getName()).isEqualTo(newest));
        String newestId = backups(ns).get(0).getStatus().getBackupId();
        await().atMost(TIMEOUT).until(() -> keys(ns).size() == 2);
        assertThat(keys(ns)).allSatisfy(k -> assertThat(k).contains(newestId));
        assertThat(ids).contains(newestId);
        assertThat(reasons(ns, "nightly")).contains("Pruned");
        assertThat(reasons(ns, null)).contains("DeletingObjects", "ObjectsDeleted");
        assertThat(fetch(ns, "nightly").getStatus().getRetention().getDeletedTotal())
                .isEqualTo(2);

        // storage refuses the delete: the resource stays, says why, and the object is still there
        cluster.kubectl()
                .run(
                        null,
                        "patch",
                        "secret",
                        "-n",
                        ns,
                        "s3-credentials",
                        "--type=merge",
                        "-p",
                        "{\"stringData\":{\"AWS_SECRET_ACCESS_KEY\":\"wrong-secret\"}}")
                .orThrow();
        cluster.kubectl()
                .run(null, "delete", "databasebackup", "-n", ns, newest, "--wait=false")
                .orThrow();
        DatabaseBackup stuck = await().atMost(TIMEOUT)
                .until(
                        () -> admin.resources(DatabaseBackup.class)
                                .inNamespace(ns)
                                .withName(newest)
                                .get(),
                        b -> b != null
                                && b.getStatus() != null
                                && Conditions.find(b.getStatus().getConditions(), DatabaseBackupReconciler.DELETED)
                                        != null);
        var deleted = Conditions.find(stuck.getStatus().getConditions(), DatabaseBackupReconciler.DELETED);
        assertThat(deleted.getStatus()).isEqualTo("False");
        assertThat(deleted.getReason()).isEqualTo("StorageAccessDenied");
        assertThat(stuck.getMetadata().getDeletionTimestamp()).isNotNull();
        assertThat(stuck.getMetadata().getFinalizers()).isNotEmpty();
        assertThat(keys(ns)).hasSize(2);
        assertThat(reasons(ns, newest)).contains("DeleteFailed");

        // giving up by hand (documented): remove the finalizer; the object stays in storage
        cluster.kubectl()
                .run(
                        null,
                        "patch",
                        "databasebackup",
                        "-n",
                        ns,
                        newest,
                        "--type=json",
                        "-p",
                        "[{\"op\":\"remove\",\"path\":\"/metadata/finalizers\"}]")
                .orThrow();
        await().atMost(TIMEOUT).until(() -> backups(ns).isEmpty());
    }

    @Test
    void anOperatorDownAcrossSeveralScheduledTimesRunsOnceWhenItReturns() {
        String ns = cluster.namespace("outage");
        cluster.kubectl()
                .apply(Manifests.secrets(ns, PostgresServer.PASSWORD) + "---\n"
                        + schedule(ns, "orders-every-minute", "* * * * *", null))
                .orThrow();
        // the last run was five minutes ago, then the operator was down: that is what status says
        Instant last = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(5));
        cluster.kubectl()
                .run(
                        null,
                        "patch",
                        "backupschedule",
                        "-n",
                        ns,
                        "orders-every-minute",
                        "--subresource=status",
                        "--type=merge",
                        "-p",
                        "{\"status\":{\"lastScheduleTime\":\"" + last + "\"}}")
                .orThrow();
        operator = cluster.startOperator("schemaguard-operator-schedule-it");
        Instant back = Instant.now();

        DatabaseBackup run = await().atMost(TIMEOUT)
                .until(() -> backups(ns), l -> !l.isEmpty())
                .get(0);
        Instant scheduled = Instant.parse(run.getMetadata().getAnnotations().get(Labels.SCHEDULED_TIME_ANNOTATION));
        assertThat(scheduled)
                .as("the latest missed time, not the first")
                .isAfter(last.plus(Duration.ofMinutes(3)))
                .isBeforeOrEqualTo(back);
        await().atMost(Duration.ofSeconds(20))
                .untilAsserted(
                        () -> assertThat(reasons(ns, "orders-every-minute")).contains("MissedRuns", "Scheduled"));
        // one catch-up run for everything missed; later backups can only be for minutes after the return
        await().pollDelay(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(10)).until(() -> true);
        assertThat(backups(ns))
                .filteredOn(b -> !Instant.parse(b.getMetadata().getAnnotations().get(Labels.SCHEDULED_TIME_ANNOTATION))
                        .isAfter(back))
                .hasSize(1);
    }
}
