package io.schemaguard.operator.migration;

import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.DatabaseBackupSpec;
import io.schemaguard.api.DatabaseRestore;
import io.schemaguard.api.DeletionPolicy;
import io.schemaguard.api.SafeMigration;
import io.schemaguard.api.VerifyMode;
import io.schemaguard.operator.OperatorConfig;
import io.schemaguard.operator.jobs.KubernetesNames;
import io.schemaguard.operator.jobs.Labels;
import io.schemaguard.operator.jobs.Owners;
import io.schemaguard.operator.jobs.StorageBinding;
import io.schemaguard.operator.kube.Action;
import io.schemaguard.operator.migration.MigrationJobFactory.Step;
import io.schemaguard.operator.migration.MigrationProgress.Create;
import java.util.List;
import java.util.Map;

/**
 * The child {@link MigrationProgress} asks for, as the resource to create: a plan, rehearse, migrate
 * or check Job, the run's DatabaseBackup, or the DatabaseRestore. Pure; named after the generation
 * and backup attempt, so creating it again finds the same child.
 */
final class MigrationChildren {

    private MigrationChildren() {}

    /**
     * @param result  the decision (its status is the run's next status)
     * @param backups the run's DatabaseBackups as the informer shows them (a Job after the plan reads its
     *                backup id from the one of its attempt)
     */
    static List<Action> toCreate(
            SafeMigration m,
            MigrationProgress.Result result,
            List<DatabaseBackup> backups,
            OperatorConfig.DefaultStorage defaultStorage,
            OperatorConfig.Runner runner) {
        int attempt = result.attempt();
        Create what = result.create();
        return switch (what) {
            case PLAN_JOB -> List.of(job(m, Step.plan, attempt, backups, defaultStorage, runner));
            case BACKUP -> List.of(Action.create(backup(m, attempt)));
            case REHEARSE_JOB -> List.of(job(m, Step.rehearse, attempt, backups, defaultStorage, runner));
            case MIGRATE_JOB -> List.of(job(m, Step.migrate, attempt, backups, defaultStorage, runner));
            case CHECK_JOB -> List.of(job(m, Step.check, attempt, backups, defaultStorage, runner));
            case RESTORE -> {
                DatabaseRestore r = RestoreManifests.replace(
                        m, result.status().getCurrentRun(), MigrationJobFactory.restoreName(m));
                r.getMetadata().setOwnerReferences(List.of(Owners.controller(m)));
                yield List.of(Action.create(r));
            }
            case NOTHING -> List.of();
        };
    }

    private static Action job(
            SafeMigration m,
            Step step,
            int attempt,
            List<DatabaseBackup> backups,
            OperatorConfig.DefaultStorage defaultStorage,
            OperatorConfig.Runner runner) {
        String backupId = null;
        StorageBinding storage = null;
        if (step != Step.plan) {
            String name = MigrationJobFactory.backupName(m, attempt);
            DatabaseBackup b = backups.stream()
                    .filter(x -> name.equals(x.getMetadata().getName()))
                    .findFirst()
                    .orElse(null);
            backupId = b.getStatus().getBackupId();
            storage = StorageBinding.resolve(m.getSpec().getStorage(), defaultStorage);
        }
        return Action.create(MigrationJobFactory.build(m, step, attempt, backupId, storage, runner));
    }

    /** The run's backup: owned by the SafeMigration (so retention never prunes it out from under the run). */
    static DatabaseBackup backup(SafeMigration m, int attempt) {
        DatabaseBackup b = new DatabaseBackup();
        b.getMetadata().setName(MigrationJobFactory.backupName(m, attempt));
        b.getMetadata().setNamespace(m.getMetadata().getNamespace());
        b.getMetadata()
                .setLabels(Map.of(
                        Labels.PINNED,
                        "true",
                        Labels.SAFE_MIGRATION,
                        KubernetesNames.labelValue(m.getMetadata().getName())));
        b.getMetadata().setOwnerReferences(List.of(Owners.controller(m)));
        b.getMetadata().setFinalizers(List.of(DatabaseBackup.FINALIZER));
        DatabaseBackupSpec spec = new DatabaseBackupSpec();
        spec.setDatabase(m.getSpec().getDatabase());
        spec.setStorage(m.getSpec().getStorage());
        spec.setVerify(
                m.getSpec().getBackup() == null
                        ? VerifyMode.Checksum
                        : m.getSpec().getBackup().getVerify());
        // exact counts in the dump's snapshot are the "before" of the migration's row check
        spec.setExactRowCounts(true);
        // the restore point outlives the SafeMigration: deleting it (and so this backup) keeps the object
        spec.setDeletionPolicy(DeletionPolicy.Retain);
        spec.setResources(m.getSpec().getResources());
        spec.setServiceAccountName(m.getSpec().getServiceAccountName());
        b.setSpec(spec);
        return b;
    }
}
