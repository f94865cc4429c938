package io.schemaguard.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** One pg_dump of one database into object storage, run once by a Job. */
@Group(SchemaguardApi.GROUP)
@Version(SchemaguardApi.VERSION)
@ShortNames({"dbbackup", "dbb"})
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Database", jsonPath = ".status.database", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Size", jsonPath = ".status.size", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
        name = "Age",
        jsonPath = ".metadata.creationTimestamp",
        type = AdditionalPrinterColumn.Type.DATE)
@ValidationRule(value = "has(self.spec)", message = "spec is required")
public class DatabaseBackup extends CustomResource<DatabaseBackupSpec, DatabaseBackupStatus> implements Namespaced {
    /**
     * The operator's finalizer (JOSDK's default name for this kind, so backups made before it was
     * named here keep theirs). The operator's own creators set it, saving the write that adds it.
     */
    public static final String FINALIZER = "databasebackups." + SchemaguardApi.GROUP + "/finalizer";

    @Override
    protected DatabaseBackupSpec initSpec() {
        // No default spec: the operator adds its finalizer with a server-side apply patch of a fresh
        // instance, and a default spec in that patch would try to change this immutable spec.
        return null;
    }

    /**
     * No status until the operator writes one. A default empty status would make a resource read
     * back without one (e.g. the response to adding the finalizer) look as if it had {@code status: {}},
     * and the JSON patch of the first status would then address fields under a {@code /status} the
     * server does not have.
     */
    @Override
    protected DatabaseBackupStatus initStatus() {
        return null;
    }
}
