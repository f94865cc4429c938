package io.schemaguard.operator.restore;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.DatabaseBackupStatus;
import io.schemaguard.api.DatabaseRestore;
import io.schemaguard.api.Phase;
import io.schemaguard.api.RestoreMode;
import io.schemaguard.operator.jobs.Labels;
import io.schemaguard.operator.jobs.StorageBinding;
import io.schemaguard.testing.Fixtures;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class RestorePlanAndJobTest {

    static DatabaseRestore restore() {
        DatabaseRestore r =
                Fixtures.restoreFromBackup("shop", "bring-orders-back", "nightly", "orders-db", 5432, "shop");
        r.getMetadata().setUid("11111111-2222-3333-4444-555555555555");
        return r;
    }

    static DatabaseBackup backup(Phase phase) {
        DatabaseBackup b = Fixtures.backup(
                "shop",
                "nightly",
                "orders-db",
                5432,
                "shop",
                Fixtures.s3("team-backups", "http://minio:9000", "s3-credentials"));
        DatabaseBackupStatus s = new DatabaseBackupStatus();
        s.setPhase(phase);
        if (phase == Phase.Succeeded) {
            s.setBackupId("20261125T031500Z-8f14e45f");
        }
        b.setStatus(s);
        return b;
    }

    @Test
    void theSourceIsReadyOnlyOnceItsBackupSucceeded() {
        assertThat(RestorePlan.source(restore(), null).waitReason()).isEqualTo("SourceNotFound");
        assertThat(RestorePlan.source(restore(), backup(Phase.Running)).waitReason())
                .isEqualTo("WaitingForSource");
        var failed = RestorePlan.source(restore(), backup(Phase.Failed));
        assertThat(failed.waitReason()).isEqualTo("SourceFailed");
        assertThat(failed.terminal()).isTrue();
        var ready = RestorePlan.source(restore(), backup(Phase.Succeeded));
        assertThat(ready.source().backupId()).isEqualTo("20261125T031500Z-8f14e45f");
        assertThat(ready.source().storage().getS3().getBucket()).isEqualTo("team-backups");
    }

    @Test
    void aBackupIdNeedsNoDatabaseBackupResource() {
        DatabaseRestore r = restore();
        r.getSpec().getSource().setBackupName(null);
        r.getSpec().getSource().setBackupId("latest");
        r.getSpec().getSource().setStorage(Fixtures.s3("archive", null, "s3-credentials"));
        var ready = RestorePlan.source(r, null);
        assertThat(ready.source().backupId()).isEqualTo("latest");
        assertThat(ready.source().storage().getS3().getBucket()).isEqualTo("archive");
    }

    @Test
    void aReplaceTakesASafetyBackupOfTheTargetThatTheRestoreDoesNotOwn() {
        DatabaseRestore r = restore();
        assertThat(RestorePlan.needsSafetyBackup(r.getSpec())).isFalse();
        r.getSpec().setMode(RestoreMode.Replace);
        r.getSpec().setConfirm("shop");
        assertThat(RestorePlan.needsSafetyBackup(r.getSpec())).isTrue();
        DatabaseBackup safety = RestorePlan.safetyBackup(
                r, RestorePlan.source(r, backup(Phase.Succeeded)).source());
        assertThat(safety.getMetadata().getName()).isEqualTo("bring-orders-back-safety");
        assertThat(safety.getMetadata().getOwnerReferences()).isNullOrEmpty();
        assertThat(safety.getSpec().getDatabase()).isSameAs(r.getSpec().getTarget());
        assertThat(safety.getSpec().getStorage().getS3().getBucket()).isEqualTo("team-backups");
        assertThat(safety.getMetadata().getAnnotations())
                .containsEntry(Labels.SAFETY_BACKUP_FOR_ANNOTATION, "bring-orders-back");
        r.getSpec().setSafetyBackup(false);
        assertThat(RestorePlan.needsSafetyBackup(r.getSpec())).isFalse();
    }

    @Test
    void theJobRestoresTheIdIntoTheTargetWithSecretsOnlyAsRefs() {
        DatabaseRestore r = restore();
        r.getSpec().setMode(RestoreMode.Replace);
        r.getSpec().setConfirm("shop");
        r.getSpec().setSkipOwnership(true);
        var storage = StorageBinding.resolve(
                Fixtures.s3("team-backups", "http://minio:9000", "s3-credentials"), Fixtures.noDefaultStorage());
        Job job = RestoreJobFactory.build(r, "20261125T031500Z-8f14e45f", storage, Fixtures.runner());
        assertThat(job.getMetadata().getName()).isEqualTo("bring-orders-back-restore");
        assertThat(job.getMetadata().getOwnerReferences().get(0).getKind()).isEqualTo("DatabaseRestore");
        assertThat(job.getSpec().getBackoffLimit()).isZero();
        var container = job.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(container.getArgs())
                .startsWith("restore", "--from=s3://team-backups/backups")
                .contains("--replace", "--confirm=shop", "--no-safety-backup", "--no-owner", "--namespace=shop")
                .endsWith("20261125T031500Z-8f14e45f");
        Map<String, EnvVar> env = container.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
        assertThat(env.get("PGPASSWORD").getValueFrom().getSecretKeyRef().getName())
                .isEqualTo("db-credentials");
        assertThat(env.get("AWS_SECRET_ACCESS_KEY")
                        .getValueFrom()
                        .getSecretKeyRef()
                        .getName())
                .isEqualTo("s3-credentials");
        assertThat(env.get("PGDATABASE").getValue()).isEqualTo("shop");
        assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(List.copyOf(job.getMetadata().getLabels().values())).contains("restore", "DatabaseRestore");
    }
}
