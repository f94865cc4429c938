package io.schemaguard.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/** Observed state of a DatabaseBackup; written only by the operator's status aggregator. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DatabaseBackupStatus {
    private Long observedGeneration;
    private Phase phase;
    private List<Condition> conditions = new ArrayList<>();
    private String jobName;
    /** Identifier of the backup in storage: {@code <timestamp>-<id>}. */
    private String backupId;

    private String database;
    /** URL of the dump object, e.g. {@code s3://bucket/prefix/ns/db/<backupId>/dump.pgdump.zst}. */
    private String location;

    private Long sizeBytes;
    /** Human-readable size, for {@code kubectl get}. */
    private String size;

    private String sha256;
    private String serverVersion;
    private String pgDumpVersion;
    private String startedAt;
    private String completedAt;
    private Integer failedAttempts;
    private VerificationStatus verification;

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

    public String getDatabase() {
        return database;
    }

    public void setDatabase(String database) {
        this.database = database;
    }

    public String getLocation() {
        return location;
    }

    public void setLocation(String location) {
        this.location = location;
    }

    public Long getSizeBytes() {
        return sizeBytes;
    }

    public void setSizeBytes(Long sizeBytes) {
        this.sizeBytes = sizeBytes;
    }

    public String getSize() {
        return size;
    }

    public void setSize(String size) {
        this.size = size;
    }

    public String getSha256() {
        return sha256;
    }

    public void setSha256(String sha256) {
        this.sha256 = sha256;
    }

    public String getServerVersion() {
        return serverVersion;
    }

    public void setServerVersion(String serverVersion) {
        this.serverVersion = serverVersion;
    }

    public String getPgDumpVersion() {
        return pgDumpVersion;
    }

    public void setPgDumpVersion(String pgDumpVersion) {
        this.pgDumpVersion = pgDumpVersion;
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

    public VerificationStatus getVerification() {
        return verification;
    }

    public void setVerification(VerificationStatus verification) {
        this.verification = verification;
    }

    public Integer getFailedAttempts() {
        return failedAttempts;
    }

    public void setFailedAttempts(Integer failedAttempts) {
        this.failedAttempts = failedAttempts;
    }
}
