package io.schemaguard.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** One restore of a backup into a database, run once by a Job. Deleting it leaves the database alone. */
@Group(SchemaguardApi.GROUP)
@Version(SchemaguardApi.VERSION)
@ShortNames({"dbrestore", "dbr"})
@ValidationRule(value = "has(self.spec)", message = "spec is required")
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Backup", jsonPath = ".status.backupId", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
        name = "Target",
        jsonPath = ".status.targetDatabase",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Rows", jsonPath = ".status.restoredRows", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
        name = "Age",
        jsonPath = ".metadata.creationTimestamp",
        type = AdditionalPrinterColumn.Type.DATE)
public class DatabaseRestore extends CustomResource<DatabaseRestoreSpec, DatabaseRestoreStatus> implements Namespaced {

    @Override
    protected DatabaseRestoreSpec initSpec() {
        return new DatabaseRestoreSpec();
    }

    @Override
    protected DatabaseRestoreStatus initStatus() {
        return new DatabaseRestoreStatus();
    }
}
