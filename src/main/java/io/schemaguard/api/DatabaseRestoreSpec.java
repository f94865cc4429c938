package io.schemaguard.api;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.ResourceRequirements;

/**
 * What to restore and where. Replace is destructive, so it must be confirmed by naming the target
 * database (checked here when the name is in the spec, and by the runner against the real name when
 * the target comes from a URI Secret). Immutable: a restore is one run.
 */
@ValidationRule(value = "self == oldSelf", message = "spec is immutable: create a new DatabaseRestore instead")
@ValidationRule(
        value = "self.mode != 'Replace' || has(self.confirm)",
        message = "mode Replace requires confirm, set to the name of the target database")
@ValidationRule(
        value = "self.mode != 'Replace' || !has(self.target.name) || self.confirm == self.target.name",
        message = "confirm must equal the target database name (target.name)")
public class DatabaseRestoreSpec {
    @Required
    private RestoreSource source;

    @Required
    private DatabaseConnection target;

    @Default("NewDatabase")
    private RestoreMode mode = RestoreMode.NewDatabase;

    /** The target database's name, to confirm a Replace. */
    private String confirm;

    /** With Replace: back the target up (a DatabaseBackup of it) before anything is replaced. */
    @Default("true")
    private Boolean safetyBackup = true;

    /** Restore without owners and privileges, for targets that lack the source's roles. */
    @Default("false")
    private Boolean skipOwnership = false;

    /** Parallel pg_restore workers (directory-format backups only; not one transaction then). */
    @Min(1)
    @Max(16)
    private Integer jobs;

    /** A restore is not retried by default: a failed one was rolled back and needs a look first. */
    @Min(0)
    @Max(10)
    @Default("" + Defaults.RESTORE_BACKOFF_LIMIT)
    private Integer backoffLimit = Defaults.RESTORE_BACKOFF_LIMIT;

    @Min(60)
    @Default("" + Defaults.ACTIVE_DEADLINE_SECONDS)
    private Long activeDeadlineSeconds = Defaults.ACTIVE_DEADLINE_SECONDS;

    private ResourceRequirements resources;

    private String serviceAccountName;

    public RestoreSource getSource() {
        return source;
    }

    public void setSource(RestoreSource source) {
        this.source = source;
    }

    public DatabaseConnection getTarget() {
        return target;
    }

    public void setTarget(DatabaseConnection target) {
        this.target = target;
    }

    public RestoreMode getMode() {
        return mode;
    }

    public void setMode(RestoreMode mode) {
        this.mode = mode;
    }

    public String getConfirm() {
        return confirm;
    }

    public void setConfirm(String confirm) {
        this.confirm = confirm;
    }

    public Boolean getSafetyBackup() {
        return safetyBackup;
    }

    public void setSafetyBackup(Boolean safetyBackup) {
        this.safetyBackup = safetyBackup;
    }

    public Boolean getSkipOwnership() {
        return skipOwnership;
    }

    public void setSkipOwnership(Boolean skipOwnership) {
        this.skipOwnership = skipOwnership;
    }

    public Integer getJobs() {
        return jobs;
    }

    public void setJobs(Integer jobs) {
        this.jobs = jobs;
    }

    public Integer getBackoffLimit() {
        return backoffLimit;
    }

    public void setBackoffLimit(Integer backoffLimit) {
        this.backoffLimit = backoffLimit;
    }

    public Long getActiveDeadlineSeconds() {
        return activeDeadlineSeconds;
    }

    public void setActiveDeadlineSeconds(Long activeDeadlineSeconds) {
        this.activeDeadlineSeconds = activeDeadlineSeconds;
    }

    public ResourceRequirements getResources() {
        return resources;
    }

    public void setResources(ResourceRequirements resources) {
        this.resources = resources;
    }

    public String getServiceAccountName() {
        return serviceAccountName;
    }

    public void setServiceAccountName(String serviceAccountName) {
        this.serviceAccountName = serviceAccountName;
    }
}
