package io.schemaguard.api;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.ResourceRequirements;

/**
 * What to dump and where to: the fields of a DatabaseBackup's spec, shared with the template a
 * BackupSchedule stamps backups from (which, unlike a backup's own spec, may change).
 */
@ValidationRule(
        value = "!has(self.jobs) || self.format == 'Directory'",
        message =
                "jobs (parallel pg_dump workers) needs format: Directory; the Custom and Plain formats are written by one")
@ValidationRule(
        value = "self.compression != 'None' || !has(self.compressionLevel)",
        message = "compressionLevel cannot be set when compression is None")
@ValidationRule(
        value = "!has(self.verificationServer) || self.verify == 'Restore'",
        message = "verificationServer is only used with verify: Restore")
@ValidationRule(
        value = "self.compression != 'Gzip' || !has(self.compressionLevel) || self.compressionLevel <= 9",
        message = "Gzip compressionLevel must be between 1 and 9")
public class BackupSpec {
    @Required
    private DatabaseConnection database;

    /** Where to store the dump; absent means the operator's default storage. */
    private StorageSpec storage;

    @Default("Custom")
    private DumpFormat format = DumpFormat.CUSTOM;

    @Default("Zstd")
    private CompressionAlgorithm compression = CompressionAlgorithm.ZSTD;

    /** zstd 1-19 (default 3), gzip 1-9 (default 6). */
    @Min(1)
    @Max(19)
    private Integer compressionLevel;

    /** Parallel pg_dump workers; only for the directory format. */
    @Min(1)
    @Max(16)
    private Integer jobs;

    /**
     * Checksum (default): the stored object is read back and its SHA-256 compared. Restore: it is also
     * restored into a scratch database and exact row counts and the schema compared with the source.
     * None: only the upload's per-part checksums.
     */
    @Default("Checksum")
    private VerifyMode verify = VerifyMode.Checksum;

    /** Where verification by restore creates its scratch database; absent means the source server. */
    private VerificationServer verificationServer;

    /** Count every table's rows in the dump's snapshot (one extra read of each table); implied by Restore. */
    @Default("false")
    private Boolean exactRowCounts = false;

    /** Pod failures retried by the Job before the backup is Failed. */
    @Min(0)
    @Max(10)
    @Default("" + Defaults.BACKUP_BACKOFF_LIMIT)
    private Integer backoffLimit = Defaults.BACKUP_BACKOFF_LIMIT;

    /** Wall-clock limit for the whole Job, retries included. */
    @Min(60)
    @Default("" + Defaults.ACTIVE_DEADLINE_SECONDS)
    private Long activeDeadlineSeconds = Defaults.ACTIVE_DEADLINE_SECONDS;

    /** Resources of the runner container; absent means the operator's defaults. */
    private ResourceRequirements resources;

    /** Service account of the Job's pod (e.g. for cloud IAM); absent means the namespace default. */
    private String serviceAccountName;

    /**
     * Delete (default): deleting the resource (by hand or by a schedule's retention) deletes the
     * backup's objects in storage first, through a short Job; Retain: the objects stay.
     */
    @Default("Delete")
    private DeletionPolicy deletionPolicy = DeletionPolicy.Delete;

    public DeletionPolicy getDeletionPolicy() {
        return deletionPolicy;
    }

    public void setDeletionPolicy(DeletionPolicy deletionPolicy) {
        this.deletionPolicy = deletionPolicy;
    }

    public DatabaseConnection getDatabase() {
        return database;
    }

    public void setDatabase(DatabaseConnection database) {
        this.database = database;
    }

    public StorageSpec getStorage() {
        return storage;
    }

    public void setStorage(StorageSpec storage) {
        this.storage = storage;
    }

    public DumpFormat getFormat() {
        return format;
    }

    public void setFormat(DumpFormat format) {
        this.format = format;
    }

    public CompressionAlgorithm getCompression() {
        return compression;
    }

    public void setCompression(CompressionAlgorithm compression) {
        this.compression = compression;
    }

    public Integer getCompressionLevel() {
        return compressionLevel;
    }

    public void setCompressionLevel(Integer compressionLevel) {
        this.compressionLevel = compressionLevel;
    }

    public Integer getJobs() {
        return jobs;
    }

    public void setJobs(Integer jobs) {
        this.jobs = jobs;
    }

    public VerifyMode getVerify() {
        return verify;
    }

    public void setVerify(VerifyMode verify) {
        this.verify = verify;
    }

    public VerificationServer getVerificationServer() {
        return verificationServer;
    }

    public void setVerificationServer(VerificationServer verificationServer) {
        this.verificationServer = verificationServer;
    }

    public Boolean getExactRowCounts() {
        return exactRowCounts;
    }

    public void setExactRowCounts(Boolean exactRowCounts) {
        this.exactRowCounts = exactRowCounts;
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
