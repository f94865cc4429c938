package io.schemaguard.migration;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import io.quarkiverse.operatorsdk.annotations.RBACRule;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.DatabaseBackupSpec;
import io.schemaguard.api.DatabaseConnection;
import io.schemaguard.api.DatabaseRestore;
import io.schemaguard.api.MigrationPhase;
import io.schemaguard.api.SafeMigration;
import io.schemaguard.api.SafeMigrationStatus;
import io.schemaguard.jobs.JobState;
import io.schemaguard.jobs.Labels;
import io.schemaguard.jobs.RunnerJobs;
import io.schemaguard.jobs.StorageBinding;
import io.schemaguard.migration.MigrationJobFactory.Step;
import io.schemaguard.migration.MigrationProgress.Create;
import io.schemaguard.operator.EventRecorder;
import io.schemaguard.operator.OperatorConfig;

/**
 * Drives a SafeMigration run: reads what its children show, lets {@link MigrationProgress} decide,
 * and creates the one child it asks for (a plan, rehearse, migrate or check Job, a DatabaseBackup, a
 * DatabaseRestore). Children are named after the generation and backup attempt and created once.
 */
@ControllerConfiguration(name = SafeMigrationReconciler.NAME)
@RBACRule(apiGroups = "batch", resources = "jobs", verbs = { "get", "list", "watch", "create" })
@RBACRule(apiGroups = "", resources = "pods", verbs = { "get", "list", "watch" })
@RBACRule(apiGroups = "", resources = "events", verbs = { "create", "patch" })
@RBACRule(apiGroups = "schemaguard.io", resources = "databasebackups", verbs = { "get", "list", "watch", "create" })
@RBACRule(apiGroups = "schemaguard.io", resources = "databaserestores", verbs = { "get", "list", "watch", "create" })
public class SafeMigrationReconciler implements Reconciler<SafeMigration> {
    public static final String NAME = "safemigration";
    static final String BACKUPS = "migration-backups";
    static final String MIGRATION_LABEL = "schemaguard.io/safe-migration";
    static final String RESTORES = "migration-restores";
    /** Phases in which a run may be changing its database. */
    static final Set<MigrationPhase> TOUCHING = Set.of(MigrationPhase.Migrating, MigrationPhase.Restoring);
    private static final Logger LOG = Logger.getLogger(SafeMigrationReconciler.class);

    @Inject
    OperatorConfig config;

    @Inject
    EventRecorder events;

    @Inject
    Clock clock;

    @Override
    public List<EventSource<?, SafeMigration>> prepareEventSources(EventSourceContext<SafeMigration> context) {
        String selector = Labels.selector(MigrationJobFactory.KIND);
        // only the backups SafeMigrations take (labelled so), not every DatabaseBackup of the cluster
        var backups = new InformerEventSource<>(InformerEventSourceConfiguration.from(DatabaseBackup.class,
                SafeMigration.class).withName(BACKUPS).withLabelSelector(MIGRATION_LABEL)
                .withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(SafeMigration.class)).build(), context);
        var restores = new InformerEventSource<>(InformerEventSourceConfiguration.from(DatabaseRestore.class,
                SafeMigration.class).withName(RESTORES)
                .withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(SafeMigration.class)).build(), context);
        return List.of(RunnerJobs.jobInformer(context, selector), RunnerJobs.podInformer(context, selector), backups,
                restores);
    }

    @Override
    public UpdateControl<SafeMigration> reconcile(SafeMigration m, Context<SafeMigration> context) {
        SafeMigrationStatus status = m.getStatus();
        var run = status == null ? null : status.getCurrentRun();
        if (run != null && Objects.equals(run.getGeneration(), m.getMetadata().getGeneration()) && run.getPhase() != null
                && run.getPhase().isTerminal()) {
            if (Objects.equals(status.getObservedGeneration(), m.getMetadata().getGeneration())) {
                return UpdateControl.noUpdate();
            }
        }
        int attempt = run == null || run.getBackupAttempts() == null ? 1 : run.getBackupAttempts();
        var observation = new MigrationProgress.Observation(
                jobState(context, MigrationJobFactory.jobName(m, Step.plan, 1)),
                secondary(context, DatabaseBackup.class, MigrationJobFactory.backupName(m, attempt)),
                jobState(context, MigrationJobFactory.jobName(m, Step.rehearse, attempt)),
                jobState(context, MigrationJobFactory.jobName(m, Step.migrate, attempt)),
                jobState(context, MigrationJobFactory.jobName(m, Step.check, attempt)),
                secondary(context, DatabaseRestore.class, MigrationJobFactory.restoreName(m)),
                databaseBusy(m, context));
        var result = MigrationProgress.next(m, observation, clock.instant());
        m.setStatus(result.status());
        create(m, result.create(), result.attempt(), context);
        result.events().forEach(e -> events.record(m, e));
        return UpdateControl.patchStatus(m);
    }

    private void create(SafeMigration m, Create what, int attempt, Context<SafeMigration> context) {
        switch (what) {
            case PLAN_JOB -> createJob(m, Step.plan, attempt, context);
            case BACKUP -> createOnce(context, backup(m, attempt));
            case REHEARSE_JOB -> createJob(m, Step.rehearse, attempt, context);
            case MIGRATE_JOB -> createJob(m, Step.migrate, attempt, context);
            case CHECK_JOB -> createJob(m, Step.check, attempt, context);
            case RESTORE -> {
                DatabaseRestore r = RestoreManifests.replace(m, m.getStatus().getCurrentRun(),
                        MigrationJobFactory.restoreName(m));
                r.getMetadata().setOwnerReferences(List.of(owner(m)));
                createOnce(context, r);
            }
            case NOTHING -> {
            }
        }
    }

    private void createJob(SafeMigration m, Step step, int attempt, Context<SafeMigration> context) {
        String backupId = null;
        StorageBinding storage = null;
        if (step != Step.plan) {
            DatabaseBackup b = secondary(context, DatabaseBackup.class, MigrationJobFactory.backupName(m, attempt));
            backupId = b.getStatus().getBackupId();
            storage = StorageBinding.resolve(m.getSpec().getStorage(), config.defaultStorage());
        }
        Job job = MigrationJobFactory.build(m, step, attempt, backupId, storage, config.runner());
        RunnerJobs.createOnce(context, job, created -> LOG.infof("created Job %s/%s for SafeMigration %s",
                created.getMetadata().getNamespace(), created.getMetadata().getName(), m.getMetadata().getName()));
    }

    /** The run's backup: owned by the SafeMigration (so retention never prunes it out from under the run). */
    private DatabaseBackup backup(SafeMigration m, int attempt) {
        DatabaseBackup b = new DatabaseBackup();
        b.getMetadata().setName(MigrationJobFactory.backupName(m, attempt));
        b.getMetadata().setNamespace(m.getMetadata().getNamespace());
        b.getMetadata().setLabels(Map.of("schemaguard.io/pinned", "true", MIGRATION_LABEL,
                io.schemaguard.jobs.KubernetesNames.labelValue(m.getMetadata().getName())));
        b.getMetadata().setOwnerReferences(List.of(owner(m)));
        DatabaseBackupSpec spec = new DatabaseBackupSpec();
        spec.setDatabase(m.getSpec().getDatabase());
        spec.setStorage(m.getSpec().getStorage());
        spec.setVerify(m.getSpec().getBackup() == null ? io.schemaguard.api.VerifyMode.Checksum
                : m.getSpec().getBackup().getVerify());
        // exact counts in the dump's snapshot are the "before" of the migration's row check
        spec.setExactRowCounts(true);
        // the restore point outlives the SafeMigration: deleting it (and so this backup) keeps the object
        spec.setDeletionPolicy(io.schemaguard.api.DeletionPolicy.Retain);
        spec.setResources(m.getSpec().getResources());
        spec.setServiceAccountName(m.getSpec().getServiceAccountName());
        b.setSpec(spec);
        return b;
    }

    private static io.fabric8.kubernetes.api.model.OwnerReference owner(SafeMigration m) {
        return io.schemaguard.jobs.Owners.controller(m);
    }

    private static <T extends HasMetadata> void createOnce(Context<SafeMigration> context, T resource) {
        try {
            context.resourceOperations().create(resource);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
        }
    }

    private static JobState jobState(Context<SafeMigration> context, String name) {
        Job job = RunnerJobs.job(context, name);
        return job == null ? null : new JobState(job, RunnerJobs.podsOf(context, name));
    }

    private static <T extends HasMetadata> T secondary(Context<SafeMigration> context, Class<T> type, String name) {
        return context.getSecondaryResourcesAsStream(type).filter(r -> name.equals(r.getMetadata().getName())).findFirst()
                .orElse(null);
    }

    /**
     * Another SafeMigration of this namespace targets the same database and is changing it, or waits
     * to and came first: migrations of one database run one at a time (the runner's advisory lock is
     * the second guard).
     */
    private static boolean databaseBusy(SafeMigration m, Context<SafeMigration> context) {
        String key = databaseKey(m.getSpec().getDatabase());
        return context.getPrimaryCache().list(m.getMetadata().getNamespace())
                .filter(o -> !o.getMetadata().getUid().equals(m.getMetadata().getUid()))
                .filter(o -> o.getSpec() != null && key.equals(databaseKey(o.getSpec().getDatabase())))
                .anyMatch(o -> {
                    var run = o.getStatus() == null ? null : o.getStatus().getCurrentRun();
                    if (run == null || run.getPhase() == null) {
                        return false;
                    }
                    return TOUCHING.contains(run.getPhase()) || (run.getPhase() == MigrationPhase.WaitingForDatabase
                            && firstCome(o, m));
                });
    }

    static boolean firstCome(SafeMigration a, SafeMigration b) {
        Instant ta = Instant.parse(a.getMetadata().getCreationTimestamp());
        Instant tb = Instant.parse(b.getMetadata().getCreationTimestamp());
        return ta.isBefore(tb) || (ta.equals(tb) && a.getMetadata().getName().compareTo(b.getMetadata().getName()) < 0);
    }

    static String databaseKey(DatabaseConnection db) {
        if (db == null) {
            return "";
        }
        return db.getUriSecretRef() != null ? "secret:" + db.getUriSecretRef().getName() + "/" + db.getUriSecretRef().getKey()
                : db.getHost() + ":" + db.getPort() + "/" + db.getName();
    }

    static ResourceID id(HasMetadata r) {
        return ResourceID.fromResource(r);
    }
}
