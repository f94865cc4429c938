package io.schemaguard.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * Database migrations that run only once a fresh, verified backup of the database exists: plan and
 * lint, back up, gate, rehearse on a copy, migrate, verify, and restore on failure when asked. One
 * run per generation; re-applying the same manifest does nothing.
 */
@Group(SchemaguardApi.GROUP)
@Version(SchemaguardApi.VERSION)
@ShortNames({"safemig", "smig"})
@ValidationRule(value = "has(self.spec)", message = "spec is required")
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
        name = "Backup",
        jsonPath = ".status.currentRun.backup",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
        name = "Applied",
        jsonPath = ".status.currentRun.appliedCount",
        type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
        name = "Age",
        jsonPath = ".metadata.creationTimestamp",
        type = AdditionalPrinterColumn.Type.DATE)
public class SafeMigration extends CustomResource<SafeMigrationSpec, SafeMigrationStatus> implements Namespaced {

    @Override
    protected SafeMigrationSpec initSpec() {
        return new SafeMigrationSpec();
    }

    @Override
    protected SafeMigrationStatus initStatus() {
        return new SafeMigrationStatus();
    }
}
