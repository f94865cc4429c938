package io.schemaguard.contract;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.schemaguard.api.SafeMigrationStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The one-line JSON a runner leaves in the pod's termination message, so the operator learns the
 * outcome from the Pod status without any storage or database credentials. Kept well under the
 * kubelet's 4 KiB limit. Fields a command does not produce stay null and are not written.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonAutoDetect(
        fieldVisibility = JsonAutoDetect.Visibility.ANY,
        getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
public final class RunnerResult {

    public static final String SUCCEEDED = "Succeeded";
    public static final String FAILED = "Failed";
    private static final int MAX_MESSAGE = 1024;
    /** Orphan folders and missing ids reported in full on stdout; the termination message keeps this many. */
    public static final int MAX_LISTED = 20;

    private static final ObjectMapper JSON =
            new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private String status;
    private String reason;
    private String message;
    // a stored backup
    private String backupId;
    private String database;
    private String location;
    private Long sizeBytes;
    private String sha256;
    private Double durationSeconds;
    private String serverVersion;
    private String pgDumpVersion;
    // a restore
    private Integer restoredTables;
    private Long restoredRows;
    private String rowCheck;
    private String safetyBackupId;
    // verification by restore
    private String verification;
    private String verificationMessage;
    // a migration step
    private List<String> pending;
    private List<String> applied;
    private List<SafeMigrationStatus.FindingStatus> findings;
    private Integer findingsTotal;
    private Integer blocking;
    private List<String> schemaChanges;
    private List<String> problems;
    /**
     * After a failed migration: whether it left the database different from before it started (its
     * schema, or the engine's applied history); null when unknown. A Restore is only worth its cost when true.
     */
    private Boolean databaseChanged;
    /** Each retry after a lock timeout: file, attempt, wait and why. */
    private List<String> lockRetries;
    // a deleted backup
    private Integer deletedObjects;
    // stored backups compared with the known ones
    private Integer orphanCount;
    private Integer missingCount;
    private List<String> orphans;
    private List<String> missing;

    private RunnerResult() {}

    public static RunnerResult success() {
        RunnerResult r = new RunnerResult();
        r.status = SUCCEEDED;
        return r;
    }

    public static RunnerResult failed(FailureReason reason, String message) {
        RunnerResult r = new RunnerResult();
        r.status = FAILED;
        r.reason = reason.name();
        r.message = truncate(message);
        return r;
    }

    /** This result, turned into the failure of the command that produced it. */
    public RunnerResult asFailure(FailureReason reason, String message) {
        this.status = FAILED;
        this.reason = reason.name();
        this.message = truncate(message);
        return this;
    }

    public RunnerResult message(String message) {
        this.message = truncate(message);
        return this;
    }

    public RunnerResult backup(String backupId, String database, String location, Long sizeBytes, String sha256) {
        this.backupId = backupId;
        this.database = database;
        this.location = location;
        this.sizeBytes = sizeBytes;
        this.sha256 = sha256;
        return this;
    }

    public RunnerResult versions(String serverVersion, String pgDumpVersion) {
        this.serverVersion = serverVersion;
        this.pgDumpVersion = pgDumpVersion;
        return this;
    }

    public RunnerResult duration(double seconds) {
        this.durationSeconds = Math.round(seconds * 1000) / 1000.0;
        return this;
    }

    public RunnerResult restored(int tables, long rows, String rowCheck, String safetyBackupId) {
        this.restoredTables = tables;
        this.restoredRows = rows;
        this.rowCheck = rowCheck;
        this.safetyBackupId = safetyBackupId;
        return this;
    }

    public RunnerResult verification(String result, String message) {
        this.verification = result;
        this.verificationMessage = truncate(message);
        return this;
    }

    public RunnerResult plan(
            List<String> pending, List<SafeMigrationStatus.FindingStatus> findings, int findingsTotal, int blocking) {
        this.pending = pending;
        this.findings = findings;
        this.findingsTotal = findingsTotal;
        this.blocking = blocking;
        return this;
    }

    public RunnerResult migrated(List<String> applied, List<String> schemaChanges, List<String> problems) {
        this.applied = applied;
        this.schemaChanges = schemaChanges;
        this.problems = problems;
        return this;
    }

    public RunnerResult deleted(String backupId, int deletedObjects) {
        this.backupId = backupId;
        this.deletedObjects = deletedObjects;
        return this;
    }

    /** Counts are exact; the lists keep their first {@value #MAX_LISTED} entries. */
    public RunnerResult orphans(List<String> orphans, List<String> missing) {
        this.orphanCount = orphans.size();
        this.missingCount = missing.size();
        this.orphans = List.copyOf(orphans.subList(0, Math.min(MAX_LISTED, orphans.size())));
        this.missing = List.copyOf(missing.subList(0, Math.min(MAX_LISTED, missing.size())));
        return this;
    }

    public Integer deletedObjects() {
        return deletedObjects;
    }

    public Integer orphanCount() {
        return orphanCount;
    }

    public Integer missingCount() {
        return missingCount;
    }

    public List<String> orphans() {
        return orphans;
    }

    public List<String> missing() {
        return missing;
    }

    public List<String> pending() {
        return pending;
    }

    public List<String> applied() {
        return applied;
    }

    public List<SafeMigrationStatus.FindingStatus> findings() {
        return findings;
    }

    public Integer findingsTotal() {
        return findingsTotal;
    }

    public Integer blocking() {
        return blocking;
    }

    public List<String> schemaChanges() {
        return schemaChanges;
    }

    public List<String> problems() {
        return problems;
    }

    public RunnerResult databaseChanged(Boolean changed) {
        this.databaseChanged = changed;
        return this;
    }

    public Boolean databaseChanged() {
        return databaseChanged;
    }

    public RunnerResult lockRetries(List<String> retries) {
        this.lockRetries = retries == null || retries.isEmpty() ? null : retries;
        return this;
    }

    public List<String> lockRetries() {
        return lockRetries;
    }

    /**
     * The JSON, shortened until it fits the kubelet's 4 KiB termination message: long lists keep
     * their first entries (the pod log has them all).
     */
    public String toJsonWithin(int maxBytes) {
        String json = toJson();
        while (json.getBytes(StandardCharsets.UTF_8).length > maxBytes) {
            if (findings != null && !findings.isEmpty()) {
                findings = findings.subList(0, findings.size() - 1);
            } else if (problems != null && problems.size() > 1) {
                problems = problems.subList(0, problems.size() - 1);
            } else if (schemaChanges != null && schemaChanges.size() > 1) {
                schemaChanges = schemaChanges.subList(0, schemaChanges.size() - 1);
            } else if (pending != null && pending.size() > 1) {
                pending = pending.subList(0, pending.size() - 1);
            } else if (applied != null && applied.size() > 1) {
                applied = applied.subList(0, applied.size() - 1);
            } else if (orphans != null && orphans.size() > 1) {
                orphans = orphans.subList(0, orphans.size() - 1);
            } else if (missing != null && missing.size() > 1) {
                missing = missing.subList(0, missing.size() - 1);
            } else {
                message = truncate(message == null ? null : message.substring(0, Math.max(0, message.length() / 2)));
                if (message == null || message.isEmpty()) {
                    break;
                }
            }
            json = toJson();
        }
        return json;
    }

    public boolean succeeded() {
        return SUCCEEDED.equals(status);
    }

    public String status() {
        return status;
    }

    public String reason() {
        return reason;
    }

    public String message() {
        return message;
    }

    public String backupId() {
        return backupId;
    }

    public String database() {
        return database;
    }

    public String location() {
        return location;
    }

    public Long sizeBytes() {
        return sizeBytes;
    }

    public String sha256() {
        return sha256;
    }

    public Double durationSeconds() {
        return durationSeconds;
    }

    public String serverVersion() {
        return serverVersion;
    }

    public String pgDumpVersion() {
        return pgDumpVersion;
    }

    public Integer restoredTables() {
        return restoredTables;
    }

    public Long restoredRows() {
        return restoredRows;
    }

    public String rowCheck() {
        return rowCheck;
    }

    public String safetyBackupId() {
        return safetyBackupId;
    }

    public String verification() {
        return verification;
    }

    public String verificationMessage() {
        return verificationMessage;
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses a termination message; null when it is not one of ours (e.g. the log tail of a crash). */
    public static RunnerResult parse(String text) {
        if (text == null || text.isBlank() || !text.strip().startsWith("{")) {
            return null;
        }
        try {
            RunnerResult r = JSON.readValue(text.strip(), RunnerResult.class);
            return r.status == null ? null : r;
        } catch (IOException e) {
            return null;
        }
    }

    /** Writes the result where the kubelet reads it; a missing path (a laptop) is not an error. */
    public void writeTo(Path path) {
        if (path == null) {
            return;
        }
        try {
            Files.writeString(path, toJsonWithin(4000) + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            System.err.println("warning: could not write the termination message to " + path + ": " + e.getMessage());
        }
    }

    @Override
    public String toString() {
        return toJson();
    }

    private static String truncate(String message) {
        if (message == null) {
            return null;
        }
        return message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE - 3) + "..." : message;
    }
}
