package io.schemaguard.operator.schedule;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.schemaguard.api.BackupSchedule;
import io.schemaguard.api.BackupTemplate;
import io.schemaguard.api.Defaults;
import io.schemaguard.operator.OperatorConfig;
import io.schemaguard.operator.jobs.Owners;
import io.schemaguard.operator.jobs.RunnerJob;
import io.schemaguard.operator.jobs.StorageBinding;
import java.util.ArrayList;
import java.util.List;

/**
 * The orphan scan Job of a schedule: {@code schemaguard orphans} over the schedule's database folder
 * in its storage, given every DatabaseBackup id of the namespace (known: not orphans) and the
 * Succeeded ones (expected complete: missing when their object is gone). Owned by the schedule,
 * gone an hour after it finishes; its result is copied into the schedule's status.
 */
public final class OrphanScanJobFactory {
    static final int TTL_SECONDS = 3600;

    private OrphanScanJobFactory() {}

    public static Job build(
            BackupSchedule schedule,
            String name,
            StorageBinding storage,
            List<String> known,
            List<String> succeeded,
            OperatorConfig.Runner runner) {
        String namespace = schedule.getMetadata().getNamespace();
        BackupTemplate t = schedule.getSpec().getTemplate();
        List<String> args = new ArrayList<>();
        args.add("orphans");
        args.add("--from=" + storage.location());
        args.addAll(storage.args());
        args.add("--namespace=" + namespace);
        if (t.getDatabase() != null && t.getDatabase().getName() != null) {
            args.add("--database=" + t.getDatabase().getName());
        }
        args.add("--known=" + String.join(",", known));
        args.add("--expect-complete=" + String.join(",", succeeded));
        // An upload older than any backup Job may run is a killed runner's: its parts are aborted.
        long deadline =
                t.getActiveDeadlineSeconds() == null ? Defaults.ACTIVE_DEADLINE_SECONDS : t.getActiveDeadlineSeconds();
        args.add("--abort-unfinished-after=" + (Math.max(deadline, Defaults.ACTIVE_DEADLINE_SECONDS) + 3600L) + "s");
        Job job = RunnerJob.build(
                RunnerJob.spec(
                                name,
                                namespace,
                                OrphanScans.COMPONENT,
                                OrphanScans.KIND,
                                schedule.getMetadata().getName())
                        .ownedBy(Owners.controller(schedule))
                        .args(args)
                        .env(new ArrayList<>(storage.env()))
                        .storage(storage)
                        .backoffLimit(1)
                        .activeDeadlineSeconds(RunnerJob.HOUSEKEEPING_DEADLINE_SECONDS)
                        .resources(t.getResources())
                        .serviceAccountName(t.getServiceAccountName())
                        .build(),
                runner);
        job.getSpec().setTtlSecondsAfterFinished(TTL_SECONDS);
        return job;
    }
}
