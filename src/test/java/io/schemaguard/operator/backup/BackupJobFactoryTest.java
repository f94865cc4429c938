package io.schemaguard.operator.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.DumpFormat;
import io.schemaguard.api.SecretKeySelector;
import io.schemaguard.api.StorageSpec;
import io.schemaguard.api.VerificationServer;
import io.schemaguard.api.VerifyMode;
import io.schemaguard.api.VolumeStorage;
import io.schemaguard.operator.jobs.StorageBinding;
import io.schemaguard.testing.Fixtures;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class BackupJobFactoryTest {

    private static DatabaseBackup backup() {
        DatabaseBackup b = Fixtures.backup(
                "shop",
                "orders-before-migration",
                "orders-db.shop.svc",
                5432,
                "shop",
                Fixtures.s3("team-backups", "http://minio.storage:9000", "s3-credentials"));
        b.getMetadata().setUid("8f14e45f-ceea-467f-a0e6-0a1b2c3d4e5f");
        b.getMetadata().setCreationTimestamp("2026-11-25T03:15:00Z");
        return b;
    }

    private static Job build(DatabaseBackup b) {
        return BackupJobFactory.build(
                b, StorageBinding.resolve(b.getSpec().getStorage(), Fixtures.noDefaultStorage()), Fixtures.runner());
    }

    private static Map<String, EnvVar> env(Job job) {
        return container(job).getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
    }

    private static Container container(Job job) {
        return job.getSpec().getTemplate().getSpec().getContainers().get(0);
    }

    @Test
    void credentialsReachThePodOnlyAsSecretKeyRefs() {
        Map<String, EnvVar> env = env(build(backup()));
        assertThat(env.get("PGPASSWORD").getValue()).isNull();
        assertThat(env.get("PGPASSWORD").getValueFrom().getSecretKeyRef().getName())
                .isEqualTo("db-credentials");
        assertThat(env.get("PGPASSWORD").getValueFrom().getSecretKeyRef().getKey())
                .isEqualTo("password");
        assertThat(env.get("AWS_ACCESS_KEY_ID").getValueFrom().getSecretKeyRef().getName())
                .isEqualTo("s3-credentials");
        assertThat(env.get("AWS_ACCESS_KEY_ID").getValueFrom().getSecretKeyRef().getKey())
                .isEqualTo("AWS_ACCESS_KEY_ID");
        assertThat(env.get("AWS_SECRET_ACCESS_KEY")
                        .getValueFrom()
                        .getSecretKeyRef()
                        .getKey())
                .isEqualTo("AWS_SECRET_ACCESS_KEY");
        assertThat(env.get("PGHOST").getValue()).isEqualTo("orders-db.shop.svc");
        assertThat(env.get("PGDATABASE").getValue()).isEqualTo("shop");
        assertThat(env.get("PGUSER").getValue()).isEqualTo("postgres");
        assertThat(env.get("PGSSLMODE").getValue()).isEqualTo("prefer");
        assertThat(env.get("SCHEMAGUARD_TERMINATION_LOG").getValue()).isEqualTo("/dev/termination-log");
        // nothing secret in the arguments either
        assertThat(String.join(" ", container(build(backup())).getArgs())).doesNotContainIgnoringCase("password");
    }

    @Test
    void aUriSecretReplacesTheConnectionFields() {
        DatabaseBackup b = backup();
        b.getSpec().getDatabase().setHost(null);
        b.getSpec().getDatabase().setName(null);
        b.getSpec().getDatabase().setUser(null);
        b.getSpec().getDatabase().setPasswordSecretRef(null);
        b.getSpec().getDatabase().setUriSecretRef(new SecretKeySelector("shop-db-uri", "DATABASE_URL"));
        Map<String, EnvVar> env = env(build(b));
        assertThat(env).doesNotContainKeys("PGHOST", "PGPASSWORD", "PGDATABASE");
        assertThat(env.get("DATABASE_URL").getValueFrom().getSecretKeyRef().getName())
                .isEqualTo("shop-db-uri");
        assertThat(env.get("DATABASE_URL").getValueFrom().getSecretKeyRef().getKey())
                .isEqualTo("DATABASE_URL");
    }

    @Test
    void podIsHardened() {
        Job job = build(backup());
        PodSpec pod = job.getSpec().getTemplate().getSpec();
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(65532L);
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        // a PVC of backups is not walked by the kubelet before every pod (RealNodeIT shows the difference)
        assertThat(pod.getSecurityContext().getFsGroup()).isEqualTo(65532L);
        assertThat(pod.getSecurityContext().getFsGroupChangePolicy()).isEqualTo("OnRootMismatch");
        assertThat(pod.getAutomountServiceAccountToken()).isFalse();
        assertThat(pod.getRestartPolicy()).isEqualTo("Never");
        var sc = container(job).getSecurityContext();
        assertThat(sc.getReadOnlyRootFilesystem()).isTrue();
        assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
        assertThat(sc.getPrivileged()).isFalse();
        assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(sc.getCapabilities().getAdd()).isNullOrEmpty();
        assertThat(container(job).getVolumeMounts())
                .anyMatch(m -> m.getMountPath().equals("/tmp"));
        assertThat(container(job).getResources().getLimits()).containsKey("memory");
        assertThat(pod.getImagePullSecrets()).extracting(r -> r.getName()).containsExactly("regcred");
    }

    @Test
    void jobIsNamedAfterAndOwnedByTheBackupAndNeverCleanedUpByTtl() {
        Job job = build(backup());
        assertThat(job.getMetadata().getName()).isEqualTo("orders-before-migration-backup");
        assertThat(job.getMetadata().getNamespace()).isEqualTo("shop");
        var owner = job.getMetadata().getOwnerReferences().get(0);
        assertThat(owner.getKind()).isEqualTo("DatabaseBackup");
        assertThat(owner.getApiVersion()).isEqualTo("schemaguard.io/v1alpha1");
        assertThat(owner.getUid()).isEqualTo("8f14e45f-ceea-467f-a0e6-0a1b2c3d4e5f");
        assertThat(owner.getController()).isTrue();
        assertThat(job.getSpec().getTtlSecondsAfterFinished()).isNull();
        assertThat(job.getSpec().getBackoffLimit()).isEqualTo(2);
        assertThat(job.getSpec().getActiveDeadlineSeconds()).isEqualTo(21600L);
        assertThat(job.getSpec()
                        .getPodFailurePolicy()
                        .getRules()
                        .get(0)
                        .getOnExitCodes()
                        .getValues())
                .containsExactly(2);
        assertThat(job.getMetadata().getLabels())
                .containsEntry("app.kubernetes.io/managed-by", "schemaguard-operator")
                .containsEntry("app.kubernetes.io/component", "backup")
                .containsEntry("schemaguard.io/owner-kind", "DatabaseBackup");
        assertThat(job.getSpec().getTemplate().getMetadata().getLabels())
                .isEqualTo(job.getMetadata().getLabels());
        assertThat(job.getSpec().getTemplate().getMetadata().getAnnotations())
                .containsEntry("schemaguard.io/owner-name", "orders-before-migration");
        // deterministic: the same resource always gives the same Job
        assertThat(build(backup())).isEqualTo(job);
    }

    @Test
    void argumentsCarryFormatStorageAndAStableBackupId() {
        DatabaseBackup b = backup();
        b.getSpec().setFormat(DumpFormat.DIRECTORY);
        b.getSpec().setJobs(4);
        b.getSpec().setCompressionLevel(7);
        List<String> args = container(build(b)).getArgs();
        assertThat(container(build(b)).getCommand()).containsExactly("schemaguard");
        assertThat(args)
                .startsWith("backup")
                .contains(
                        "--to=s3://team-backups/backups",
                        "--endpoint=http://minio.storage:9000",
                        "--path-style",
                        "--format=directory",
                        "--compression=zstd",
                        "--compression-level=7",
                        "--jobs=4",
                        "--backup-id=20261125T031500Z-8f14e45f",
                        "--namespace=shop",
                        "--created-by=DatabaseBackup/shop/orders-before-migration");
    }

    @Test
    void verificationByRestoreOnAnotherServerGetsItsPasswordAsARef() {
        DatabaseBackup b = backup();
        b.getSpec().setVerify(VerifyMode.Restore);
        var vs = new VerificationServer();
        vs.setHost("scratch-pg.verify.svc");
        vs.setUser("verifier");
        vs.setPasswordSecretRef(new SecretKeySelector("verify-db", null));
        b.getSpec().setVerificationServer(vs);
        Job job = build(b);
        assertThat(container(job).getArgs())
                .contains(
                        "--verify=restore",
                        "--verify-server=postgresql://verifier@scratch-pg.verify.svc:5432?sslmode=prefer");
        assertThat(env(job).get("SCHEMAGUARD_VERIFY_PGPASSWORD")
                        .getValueFrom()
                        .getSecretKeyRef()
                        .getName())
                .isEqualTo("verify-db");
        assertThat(container(build(backup())).getArgs())
                .contains("--verify=checksum")
                .doesNotContain("--exact-counts");
    }

    @Test
    void volumeStorageMountsTheClaim() {
        DatabaseBackup b = backup();
        StorageSpec storage = new StorageSpec();
        VolumeStorage v = new VolumeStorage();
        v.setClaimName("backup-pvc");
        v.setPath("nightly");
        storage.setVolume(v);
        b.getSpec().setStorage(storage);
        Job job = build(b);
        assertThat(container(job).getArgs()).contains("--to=file:///backups/nightly");
        assertThat(job.getSpec().getTemplate().getSpec().getVolumes())
                .anyMatch(vol -> vol.getPersistentVolumeClaim() != null
                        && vol.getPersistentVolumeClaim().getClaimName().equals("backup-pvc"));
        assertThat(env(job)).doesNotContainKeys("AWS_ACCESS_KEY_ID");
    }

    @Test
    void theOperatorDefaultStorageIsUsedWhenTheSpecNamesNone() {
        DatabaseBackup b = backup();
        b.getSpec().setStorage(null);
        var defaults = new Fixtures.DefaultStorage(
                Optional.of("cluster-backups"),
                Optional.of("pg"),
                Optional.empty(),
                "eu-west-1",
                false,
                Optional.of("cluster-s3"));
        Job job = BackupJobFactory.build(b, StorageBinding.resolve(null, defaults), Fixtures.runner());
        assertThat(container(job).getArgs())
                .contains("--to=s3://cluster-backups/pg")
                .doesNotContain("--path-style");
        assertThat(env(job).get("AWS_REGION").getValue()).isEqualTo("eu-west-1");
        assertThat(env(job).get("AWS_ACCESS_KEY_ID")
                        .getValueFrom()
                        .getSecretKeyRef()
                        .getName())
                .isEqualTo("cluster-s3");

        assertThatThrownBy(() -> StorageBinding.resolve(null, Fixtures.noDefaultStorage()))
                .isInstanceOf(StorageBinding.NotConfigured.class)
                .hasMessageContaining("spec.storage is not set");
    }

    @Test
    void longNamesStayValidAndDistinct() {
        DatabaseBackup a = backup();
        a.getMetadata().setName("a".repeat(80) + "-nightly-1");
        DatabaseBackup b = backup();
        b.getMetadata().setName("a".repeat(80) + "-nightly-2");
        String nameA = BackupJobFactory.jobName(a);
        String nameB = BackupJobFactory.jobName(b);
        assertThat(nameA).hasSizeLessThanOrEqualTo(63).endsWith("-backup").matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
        assertThat(nameA).isNotEqualTo(nameB);
    }
}
