package io.schemaguard.operator.migration;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.schemaguard.api.DatabaseRestore;
import io.schemaguard.api.DatabaseRestoreSpec;
import io.schemaguard.api.RestoreMode;
import io.schemaguard.api.RestoreSource;
import io.schemaguard.api.SafeMigration;
import io.schemaguard.api.SafeMigrationStatus.MigrationRun;

/** The DatabaseRestore that takes a database back to a run's pre-migration backup. */
public final class RestoreManifests {
    private RestoreManifests() {}

    public static DatabaseRestore replace(SafeMigration m, MigrationRun run, String name) {
        DatabaseRestore r = new DatabaseRestore();
        r.setMetadata(new ObjectMetaBuilder()
                .withName(name)
                .withNamespace(m.getMetadata().getNamespace())
                .build());
        DatabaseRestoreSpec spec = new DatabaseRestoreSpec();
        RestoreSource source = new RestoreSource();
        source.setBackupName(run.getBackup());
        spec.setSource(source);
        spec.setTarget(m.getSpec().getDatabase());
        spec.setMode(RestoreMode.Replace);
        // With a URI Secret the name is not in the spec; the runner checks confirm against the real name.
        spec.setConfirm(
                m.getSpec().getDatabase().getName() != null
                        ? m.getSpec().getDatabase().getName()
                        : "<the target database's name>");
        spec.setSafetyBackup(true);
        r.setSpec(spec);
        return r;
    }

    /** The YAML a person applies with {@code kubectl apply -f -}. */
    public static String replace(SafeMigration m, MigrationRun run) {
        DatabaseRestore r = replace(m, run, MigrationJobFactory.restoreName(m));
        r.setStatus(null);
        return Serialization.asYaml(r);
    }
}
