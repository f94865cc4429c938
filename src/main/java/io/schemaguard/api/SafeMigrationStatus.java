package io.schemaguard.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/**
 * Observed state: kstatus conditions (Ready, Reconciling, Stalled) plus one per step, the current
 * run's evidence, and a short history of earlier runs (one run per generation).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SafeMigrationStatus {
    private Long observedGeneration;
    private MigrationPhase phase;
    private List<Condition> conditions = new ArrayList<>();
    private MigrationRun currentRun;
    private List<RunSummary> history = new ArrayList<>();

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class MigrationRun {
        private Long generation;
        private MigrationPhase phase;
        private String startedAt;
        private String completedAt;
        private String message;
        /** The DatabaseBackup taken for this run, and when it completed. */
        private String backup;

        private String backupCompletedAt;
        private Integer backupAttempts;
        private List<String> pending;
        private List<String> applied;
        private Integer appliedCount;
        private List<FindingStatus> findings;
        private Integer blockingFindings;
        private String rehearsal;
        private String rehearsalMessage;
        /** e.g. {@code orders: +customer_reference}. */
        private List<String> schemaChanges;
        /** Each time the migration hit lock_timeout, was rolled back whole and tried again. */
        private List<String> lockRetries;

        private List<String> verificationProblems;
        /** The DatabaseRestore created (onFailure: Restore), or the manifest to apply by hand (Halt). */
        private String restore;

        private String restoreManifest;

        public Long getGeneration() {
            return generation;
        }

        public void setGeneration(Long generation) {
            this.generation = generation;
        }

        public MigrationPhase getPhase() {
            return phase;
        }

        public void setPhase(MigrationPhase phase) {
            this.phase = phase;
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

        public String getMessage() {
            return message;
        }

        public void setMessage(String message) {
            this.message = message;
        }

        public String getBackup() {
            return backup;
        }

        public void setBackup(String backup) {
            this.backup = backup;
        }

        public String getBackupCompletedAt() {
            return backupCompletedAt;
        }

        public void setBackupCompletedAt(String backupCompletedAt) {
            this.backupCompletedAt = backupCompletedAt;
        }

        public Integer getBackupAttempts() {
            return backupAttempts;
        }

        public void setBackupAttempts(Integer backupAttempts) {
            this.backupAttempts = backupAttempts;
        }

        public List<String> getPending() {
            return pending;
        }

        public void setPending(List<String> pending) {
            this.pending = pending;
        }

        public List<String> getApplied() {
            return applied;
        }

        public void setApplied(List<String> applied) {
            this.applied = applied;
        }

        public Integer getAppliedCount() {
            return appliedCount;
        }

        public void setAppliedCount(Integer appliedCount) {
            this.appliedCount = appliedCount;
        }

        public List<FindingStatus> getFindings() {
            return findings;
        }

        public void setFindings(List<FindingStatus> findings) {
            this.findings = findings;
        }

        public Integer getBlockingFindings() {
            return blockingFindings;
        }

        public void setBlockingFindings(Integer blockingFindings) {
            this.blockingFindings = blockingFindings;
        }

        public String getRehearsal() {
            return rehearsal;
        }

        public void setRehearsal(String rehearsal) {
            this.rehearsal = rehearsal;
        }

        public String getRehearsalMessage() {
            return rehearsalMessage;
        }

        public void setRehearsalMessage(String rehearsalMessage) {
            this.rehearsalMessage = rehearsalMessage;
        }

        public List<String> getSchemaChanges() {
            return schemaChanges;
        }

        public void setSchemaChanges(List<String> schemaChanges) {
            this.schemaChanges = schemaChanges;
        }

        public List<String> getLockRetries() {
            return lockRetries;
        }

        public void setLockRetries(List<String> lockRetries) {
            this.lockRetries = lockRetries;
        }

        public List<String> getVerificationProblems() {
            return verificationProblems;
        }

        public void setVerificationProblems(List<String> verificationProblems) {
            this.verificationProblems = verificationProblems;
        }

        public String getRestore() {
            return restore;
        }

        public void setRestore(String restore) {
            this.restore = restore;
        }

        public String getRestoreManifest() {
            return restoreManifest;
        }

        public void setRestoreManifest(String restoreManifest) {
            this.restoreManifest = restoreManifest;
        }
    }

    /** A lint finding as status shows it; {@code approved} when allowDataLoss or an approved hash covers it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class FindingStatus {
        private String file;
        private Integer line;
        private String rule;
        private Boolean destructive;
        /** DataLoss blocks unless approved; Hazard (locks, downtime, effects beyond the database) warns. */
        private Severity severity;
        /** The statement acts beyond the database: it is never rehearsed on the shared server. */
        private Boolean serverWide;
        /** Tables and columns it removes; after migrating, anything else gone fails the check. */
        private List<String> losses;

        private Boolean approved;
        private String statementHash;
        private String statement;
        private String message;

        public String getFile() {
            return file;
        }

        public void setFile(String file) {
            this.file = file;
        }

        public Integer getLine() {
            return line;
        }

        public void setLine(Integer line) {
            this.line = line;
        }

        public String getRule() {
            return rule;
        }

        public void setRule(String rule) {
            this.rule = rule;
        }

        public Boolean getDestructive() {
            return destructive;
        }

        public void setDestructive(Boolean destructive) {
            this.destructive = destructive;
        }

        public Boolean getApproved() {
            return approved;
        }

        public void setApproved(Boolean approved) {
            this.approved = approved;
        }

        public String getStatementHash() {
            return statementHash;
        }

        public void setStatementHash(String statementHash) {
            this.statementHash = statementHash;
        }

        public String getStatement() {
            return statement;
        }

        public void setStatement(String statement) {
            this.statement = statement;
        }

        public String getMessage() {
            return message;
        }

        public void setMessage(String message) {
            this.message = message;
        }

        public Severity getSeverity() {
            return severity;
        }

        public void setSeverity(Severity severity) {
            this.severity = severity;
        }

        public Boolean getServerWide() {
            return serverWide;
        }

        public void setServerWide(Boolean serverWide) {
            this.serverWide = serverWide;
        }

        public List<String> getLosses() {
            return losses;
        }

        public void setLosses(List<String> losses) {
            this.losses = losses;
        }

        public enum Severity {
            DataLoss,
            Hazard,
            Note
        }
    }

    /** One finished run, kept for history. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class RunSummary {
        private Long generation;
        private MigrationPhase phase;
        private String startedAt;
        private String completedAt;
        private String backup;
        private Integer appliedCount;
        private String message;

        public Long getGeneration() {
            return generation;
        }

        public void setGeneration(Long generation) {
            this.generation = generation;
        }

        public MigrationPhase getPhase() {
            return phase;
        }

        public void setPhase(MigrationPhase phase) {
            this.phase = phase;
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

        public String getBackup() {
            return backup;
        }

        public void setBackup(String backup) {
            this.backup = backup;
        }

        public Integer getAppliedCount() {
            return appliedCount;
        }

        public void setAppliedCount(Integer appliedCount) {
            this.appliedCount = appliedCount;
        }

        public String getMessage() {
            return message;
        }

        public void setMessage(String message) {
            this.message = message;
        }
    }

    public Long getObservedGeneration() {
        return observedGeneration;
    }

    public void setObservedGeneration(Long observedGeneration) {
        this.observedGeneration = observedGeneration;
    }

    public MigrationPhase getPhase() {
        return phase;
    }

    public void setPhase(MigrationPhase phase) {
        this.phase = phase;
    }

    public List<Condition> getConditions() {
        return conditions;
    }

    public void setConditions(List<Condition> conditions) {
        this.conditions = conditions;
    }

    public MigrationRun getCurrentRun() {
        return currentRun;
    }

    public void setCurrentRun(MigrationRun currentRun) {
        this.currentRun = currentRun;
    }

    public List<RunSummary> getHistory() {
        return history;
    }

    public void setHistory(List<RunSummary> history) {
        this.history = history;
    }
}
