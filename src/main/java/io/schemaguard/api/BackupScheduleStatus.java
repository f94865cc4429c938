package io.schemaguard.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/** Observed state of a BackupSchedule; written only by its reconciler. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class BackupScheduleStatus {
    private Long observedGeneration;
    private List<Condition> conditions = new ArrayList<>();
    /** The cron time of the last run started (or skipped), persisted: missed runs are decided from it. */
    private String lastScheduleTime;
    /** When the next run is due (cron time plus this schedule's jitter). */
    private String nextScheduleTime;

    private String lastSuccessfulBackup;
    private String lastSuccessfulTime;
    private String lastFailedBackup;
    private String lastFailedTime;
    /** Backups of this schedule still running. */
    private List<String> active;
    /** Succeeded backups of this schedule in the cluster. */
    private Integer keptBackups;
    /** Failed backups of this schedule in the cluster. */
    private Integer failedBackups;

    private RetentionStatus retention;
    private OrphanStatus orphans;

    public Long getObservedGeneration() {
        return observedGeneration;
    }

    public void setObservedGeneration(Long observedGeneration) {
        this.observedGeneration = observedGeneration;
    }

    public List<Condition> getConditions() {
        return conditions;
    }

    public void setConditions(List<Condition> conditions) {
        this.conditions = conditions;
    }

    public String getLastScheduleTime() {
        return lastScheduleTime;
    }

    public void setLastScheduleTime(String lastScheduleTime) {
        this.lastScheduleTime = lastScheduleTime;
    }

    public String getNextScheduleTime() {
        return nextScheduleTime;
    }

    public void setNextScheduleTime(String nextScheduleTime) {
        this.nextScheduleTime = nextScheduleTime;
    }

    public String getLastSuccessfulBackup() {
        return lastSuccessfulBackup;
    }

    public void setLastSuccessfulBackup(String lastSuccessfulBackup) {
        this.lastSuccessfulBackup = lastSuccessfulBackup;
    }

    public String getLastSuccessfulTime() {
        return lastSuccessfulTime;
    }

    public void setLastSuccessfulTime(String lastSuccessfulTime) {
        this.lastSuccessfulTime = lastSuccessfulTime;
    }

    public String getLastFailedBackup() {
        return lastFailedBackup;
    }

    public void setLastFailedBackup(String lastFailedBackup) {
        this.lastFailedBackup = lastFailedBackup;
    }

    public String getLastFailedTime() {
        return lastFailedTime;
    }

    public void setLastFailedTime(String lastFailedTime) {
        this.lastFailedTime = lastFailedTime;
    }

    public List<String> getActive() {
        return active;
    }

    public void setActive(List<String> active) {
        this.active = active;
    }

    public Integer getKeptBackups() {
        return keptBackups;
    }

    public void setKeptBackups(Integer keptBackups) {
        this.keptBackups = keptBackups;
    }

    public Integer getFailedBackups() {
        return failedBackups;
    }

    public void setFailedBackups(Integer failedBackups) {
        this.failedBackups = failedBackups;
    }

    public RetentionStatus getRetention() {
        return retention;
    }

    public void setRetention(RetentionStatus retention) {
        this.retention = retention;
    }

    public OrphanStatus getOrphans() {
        return orphans;
    }

    public void setOrphans(OrphanStatus orphans) {
        this.orphans = orphans;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class RetentionStatus {
        private String lastRunTime;
        /** What the last retention pass deleted (or, with dryRun, would delete), with the reason; at most 50. */
        private List<String> deleted;
        /** Backups this schedule's retention deleted since it was created. */
        private Integer deletedTotal;

        private Boolean dryRun;
        /** Backups retention may never delete (pinned, keep, newest succeeded), with the reason; at most 50. */
        private List<String> protectedBackups;

        public String getLastRunTime() {
            return lastRunTime;
        }

        public void setLastRunTime(String lastRunTime) {
            this.lastRunTime = lastRunTime;
        }

        public List<String> getDeleted() {
            return deleted;
        }

        public void setDeleted(List<String> deleted) {
            this.deleted = deleted;
        }

        public Integer getDeletedTotal() {
            return deletedTotal;
        }

        public void setDeletedTotal(Integer deletedTotal) {
            this.deletedTotal = deletedTotal;
        }

        public Boolean getDryRun() {
            return dryRun;
        }

        public void setDryRun(Boolean dryRun) {
            this.dryRun = dryRun;
        }

        public List<String> getProtectedBackups() {
            return protectedBackups;
        }

        public void setProtectedBackups(List<String> protectedBackups) {
            this.protectedBackups = protectedBackups;
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class OrphanStatus {
        private String lastScanTime;
        private String jobName;
        /** Objects in storage under this schedule's database with no DatabaseBackup. */
        private Integer orphanCount;
        /** DatabaseBackups of this schedule whose object is gone. */
        private Integer missingCount;

        private List<String> orphans;
        private List<String> missing;
        private String message;

        public String getLastScanTime() {
            return lastScanTime;
        }

        public void setLastScanTime(String lastScanTime) {
            this.lastScanTime = lastScanTime;
        }

        public String getJobName() {
            return jobName;
        }

        public void setJobName(String jobName) {
            this.jobName = jobName;
        }

        public Integer getOrphanCount() {
            return orphanCount;
        }

        public void setOrphanCount(Integer orphanCount) {
            this.orphanCount = orphanCount;
        }

        public Integer getMissingCount() {
            return missingCount;
        }

        public void setMissingCount(Integer missingCount) {
            this.missingCount = missingCount;
        }

        public List<String> getOrphans() {
            return orphans;
        }

        public void setOrphans(List<String> orphans) {
            this.orphans = orphans;
        }

        public List<String> getMissing() {
            return missing;
        }

        public void setMissing(List<String> missing) {
            this.missing = missing;
        }

        public String getMessage() {
            return message;
        }

        public void setMessage(String message) {
            this.message = message;
        }
    }
}
