package io.schemaguard.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * Backs up one database on a cron schedule, stamping out a DatabaseBackup per run, and prunes what
 * its retention no longer keeps. The backups are labelled with the schedule, not owned by it:
 * deleting a schedule stops it and leaves every backup in place.
 */
@Group(SchemaguardApi.GROUP)
@Version(SchemaguardApi.VERSION)
@ShortNames({"dbsched", "bsched"})
@AdditionalPrinterColumn(name = "Schedule", jsonPath = ".spec.schedule", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Suspend", jsonPath = ".spec.suspend", type = AdditionalPrinterColumn.Type.BOOLEAN)
@AdditionalPrinterColumn(name = "Last", jsonPath = ".status.lastScheduleTime", type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(
        name = "Next",
        jsonPath = ".status.nextScheduleTime",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
        name = "Age",
        jsonPath = ".metadata.creationTimestamp",
        type = AdditionalPrinterColumn.Type.DATE)
@ValidationRule(value = "has(self.spec)", message = "spec is required")
public class BackupSchedule extends CustomResource<BackupScheduleSpec, BackupScheduleStatus> implements Namespaced {

    @Override
    protected BackupScheduleSpec initSpec() {
        return new BackupScheduleSpec();
    }

    /** No status until the operator writes one (see DatabaseBackup#initStatus). */
    @Override
    protected BackupScheduleStatus initStatus() {
        return null;
    }
}
