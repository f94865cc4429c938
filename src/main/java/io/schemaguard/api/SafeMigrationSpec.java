package io.schemaguard.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.util.ArrayList;
import java.util.List;

/** What to migrate, and the rules the run must keep. */
@ValidationRule(value = "self.engine != 'Command' || has(self.command)", message = "engine Command needs spec.command")
@ValidationRule(
        value = "self.engine == 'Command' || has(self.migrations)",
        message = "engines Flyway and Prisma need spec.migrations")
public class SafeMigrationSpec {

    @Required
    private DatabaseConnection database;

    /** Where the pre-migration backup goes; absent means the operator's default storage. */
    private StorageSpec storage;

    @Default("Flyway")
    private MigrationEngineType engine = MigrationEngineType.FLYWAY;

    private MigrationSource migrations;

    /** engine: Command: the application's image and command (e.g. npx prisma migrate deploy). */
    private CommandSpec command;

    private BackupPolicy backup = new BackupPolicy();

    private Safety safety = new Safety();

    @Default("Halt")
    @JsonPropertyDescription("After a migration that failed half-way: Halt leaves"
            + " the database as it is and puts the DatabaseRestore to apply in status.currentRun.restoreManifest;"
            + " Restore applies it, but only when the failed migration changed the database (schema or applied"
            + " history). A restore brings back the backup taken before the run: rows written since then leave"
            + " the database and are kept only in the restore's safety backup.")
    private OnFailure onFailure = OnFailure.Halt;

    private Verification verify = new Verification();

    /** Restore the fresh backup into a scratch database and migrate it first; stop on failure or lost rows. */
    @Default("true")
    private Boolean rehearsal = true;

    /**
     * A separate server for the rehearsal's scratch copy. Without one the copy lives on the database's own
     * server, and a migration whose statements act on the whole server (DROP DATABASE, roles, ALTER
     * SYSTEM, tablespaces) is refused there, approved or not.
     */
    private VerificationServer rehearsalServer;

    private ResourceRequirements resources;

    private String serviceAccountName;

    public enum OnFailure {
        Halt,
        Restore
    }

    public static class CommandSpec {
        @Required
        private String image;

        @Required
        private List<String> command = new ArrayList<>();

        public String getImage() {
            return image;
        }

        public void setImage(String image) {
            this.image = image;
        }

        public List<String> getCommand() {
            return command;
        }

        public void setCommand(List<String> command) {
            this.command = command;
        }
    }

    public static class BackupPolicy {
        /** The migration starts only while the backup is younger than this. */
        @Default(Defaults.MIGRATION_BACKUP_MAX_AGE)
        @Pattern(Durations.PATTERN)
        @ValidationRule(
                value = "self.matches('[1-9]')",
                message = "maxAge must be longer than zero: a backup is never"
                        + " younger than 0s, so the migration could never start")
        private String maxAge = Defaults.MIGRATION_BACKUP_MAX_AGE;

        @Default("Checksum")
        @ValidationRule(value = "self != 'None'", message = "a migration's backup is verified: Checksum or Restore")
        private VerifyMode verify = VerifyMode.Checksum;

        public String getMaxAge() {
            return maxAge;
        }

        public void setMaxAge(String maxAge) {
            this.maxAge = maxAge;
        }

        public VerifyMode getVerify() {
            return verify;
        }

        public void setVerify(VerifyMode verify) {
            this.verify = verify;
        }
    }

    public enum LockHazards {
        Warn,
        Block
    }

    public static class Safety {
        @Default(Defaults.LOCK_TIMEOUT)
        @Pattern(Durations.PATTERN)
        private String lockTimeout = Defaults.LOCK_TIMEOUT;

        @Default(Defaults.STATEMENT_TIMEOUT)
        @Pattern(Durations.PATTERN)
        private String statementTimeout = Defaults.STATEMENT_TIMEOUT;

        /** Let destructive statements run (every finding is still reported). */
        @Default("false")
        private Boolean allowDataLoss = false;

        /** SHA-256 hashes of destructive statements reviewed and approved one by one (from status.currentRun.findings). */
        private List<@Pattern("^[0-9a-f]{64}$") String> approvedStatements = new ArrayList<>();

        /** Lock and downtime hazards (index builds without CONCURRENTLY, validating constraints, ...): Warn or Block. */
        @Default("Warn")
        private LockHazards lockHazards = LockHazards.Warn;

        /** How often a migration that hit lockTimeout, and was rolled back whole, is tried again (backoff doubles). */
        @Default("" + Defaults.LOCK_RETRIES)
        @Min(0)
        @Max(20)
        private Integer lockRetries = Defaults.LOCK_RETRIES;

        public LockHazards getLockHazards() {
            return lockHazards;
        }

        public void setLockHazards(LockHazards lockHazards) {
            this.lockHazards = lockHazards;
        }

        public Integer getLockRetries() {
            return lockRetries;
        }

        public void setLockRetries(Integer lockRetries) {
            this.lockRetries = lockRetries;
        }

        public String getLockTimeout() {
            return lockTimeout;
        }

        public void setLockTimeout(String lockTimeout) {
            this.lockTimeout = lockTimeout;
        }

        public String getStatementTimeout() {
            return statementTimeout;
        }

        public void setStatementTimeout(String statementTimeout) {
            this.statementTimeout = statementTimeout;
        }

        public Boolean getAllowDataLoss() {
            return allowDataLoss;
        }

        public void setAllowDataLoss(Boolean allowDataLoss) {
            this.allowDataLoss = allowDataLoss;
        }

        public List<String> getApprovedStatements() {
            return approvedStatements;
        }

        public void setApprovedStatements(List<String> approvedStatements) {
            this.approvedStatements = approvedStatements;
        }
    }

    public static class Verification {
        /** Tables the migration does not drop must keep their row counts. */
        @Default("true")
        private Boolean rowCounts = true;

        /** SQL queries that must each return true after the migration. */
        private List<Assertion> assertions = new ArrayList<>();

        public Boolean getRowCounts() {
            return rowCounts;
        }

        public void setRowCounts(Boolean rowCounts) {
            this.rowCounts = rowCounts;
        }

        public List<Assertion> getAssertions() {
            return assertions;
        }

        public void setAssertions(List<Assertion> assertions) {
            this.assertions = assertions;
        }
    }

    public static class Assertion {
        @Required
        private String name;

        /** A query returning one boolean, e.g. {@code SELECT count(*) = 0 FROM orders WHERE total IS NULL}. */
        @Required
        private String sql;

        public Assertion() {}

        public Assertion(String name, String sql) {
            this.name = name;
            this.sql = sql;
        }

        public String getName() {
            return name;
        }

        public void setName(String name) {
            this.name = name;
        }

        public String getSql() {
            return sql;
        }

        public void setSql(String sql) {
            this.sql = sql;
        }
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

    public MigrationEngineType getEngine() {
        return engine;
    }

    public void setEngine(MigrationEngineType engine) {
        this.engine = engine;
    }

    public MigrationSource getMigrations() {
        return migrations;
    }

    public void setMigrations(MigrationSource migrations) {
        this.migrations = migrations;
    }

    public CommandSpec getCommand() {
        return command;
    }

    public void setCommand(CommandSpec command) {
        this.command = command;
    }

    public BackupPolicy getBackup() {
        return backup;
    }

    public void setBackup(BackupPolicy backup) {
        this.backup = backup;
    }

    public Safety getSafety() {
        return safety;
    }

    public void setSafety(Safety safety) {
        this.safety = safety;
    }

    public OnFailure getOnFailure() {
        return onFailure;
    }

    public void setOnFailure(OnFailure onFailure) {
        this.onFailure = onFailure;
    }

    public Verification getVerify() {
        return verify;
    }

    public void setVerify(Verification verify) {
        this.verify = verify;
    }

    public VerificationServer getRehearsalServer() {
        return rehearsalServer;
    }

    public void setRehearsalServer(VerificationServer rehearsalServer) {
        this.rehearsalServer = rehearsalServer;
    }

    public Boolean getRehearsal() {
        return rehearsal;
    }

    public void setRehearsal(Boolean rehearsal) {
        this.rehearsal = rehearsal;
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
