package io.schemaguard.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/** Observed state of a DatabaseRestore; written only by the operator. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DatabaseRestoreStatus {
    private Long observedGeneration;
    private Phase phase;
    private List<Condition> conditions = new ArrayList<>();
    private String jobName;
    /** The backup restored, and where it was read from. */
    private String backupId;

    private String sourceLocation;
    private String targetDatabase;
    /** Name of the DatabaseBackup taken of the target before a Replace. */
    private String safetyBackup;

    private Integer restoredTables;
    private Long restoredRows;
    /** exact (every table's count matched the backup's) or estimated (the backup had estimates only). */
    private String rowCheck;

    private String startedAt;
    private String completedAt;
    private Double durationSeconds;
    private Integer failedAttempts;

    public Long getObservedGeneration() {
        return observedGeneration;
    }

    public void setObservedGeneration(Long observedGeneration) {
        this.observedGeneration = observedGeneration;
    }

    public Phase getPhase() {
        return phase;
    }

    public void setPhase(Phase phase) {
        this.phase = phase;
    }

    public List<Condition> getConditions() {
        return conditions;
    }

    public void setConditions(List<Condition> conditions) {
        this.conditions = conditions;
    }

    public String getJobName() {
        return jobName;
    }

    public void setJobName(String jobName) {
        this.jobName = jobName;
    }

    public String getBackupId() {
        return backupId;
    }

    public void setBackupId(String backupId) {
        this.backupId = backupId;
    }

    public String getSourceLocation() {
        return sourceLocation;
    }

    public void setSourceLocation(String sourceLocation) {
        this.sourceLocation = sourceLocation;
    }

    public String getTargetDatabase() {
        return targetDatabase;
    }

    public void setTargetDatabase(String targetDatabase) {
        this.targetDatabase = targetDatabase;
    }

    public String getSafetyBackup() {
        return safetyBackup;
    }

    public void setSafetyBackup(String safetyBackup) {
        this.safetyBackup = safetyBackup;
    }

    public Integer getRestoredTables() {
        return restoredTables;
    }

    public void setRestoredTables(Integer restoredTables) {
        this.restoredTables = restoredTables;
    }

    public Long getRestoredRows() {
        return restoredRows;
    }

    public void setRestoredRows(Long restoredRows) {
        this.restoredRows = restoredRows;
    }

    public String getRowCheck() {
        return rowCheck;
    }

    public void setRowCheck(String rowCheck) {
        this.rowCheck = rowCheck;
    }

    public String getStartedAt() {
        return startedAt;
    }

    public void setStartedAt(String startedAt) {
        this.startedAt = startedAt;
    }

    public String getCompletedAt() {
        return completedAt;
    }

    public void setCompletedAt(String completedAt) {
        this.completedAt = completedAt;
    }

    public Double getDurationSeconds() {
        return durationSeconds;
    }

    public void setDurationSeconds(Double durationSeconds) {
        this.durationSeconds = durationSeconds;
    }

    public Integer getFailedAttempts() {
        return failedAttempts;
    }

    public void setFailedAttempts(Integer failedAttempts) {
        this.failedAttempts = failedAttempts;
    }
}
