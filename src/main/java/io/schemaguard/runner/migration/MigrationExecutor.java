package io.schemaguard.runner.migration;

import io.schemaguard.api.Durations;
import io.schemaguard.api.SafeMigrationSpec.Assertion;
import io.schemaguard.api.SafeMigrationStatus.FindingStatus;
import io.schemaguard.contract.FailureReason;
import io.schemaguard.contract.RunnerResult;
import io.schemaguard.runner.Console;
import io.schemaguard.runner.RunnerException;
import io.schemaguard.runner.migration.engine.Migration;
import io.schemaguard.runner.migration.engine.MigrationEngine;
import io.schemaguard.runner.migration.engine.MigrationException;
import io.schemaguard.runner.migration.lint.Finding;
import io.schemaguard.runner.migration.lint.Finding.Loss;
import io.schemaguard.runner.migration.lint.MigrationFile;
import io.schemaguard.runner.migration.lint.SqlLint;
import io.schemaguard.runner.postgres.DatabaseInspector;
import io.schemaguard.runner.postgres.PgTarget;
import io.schemaguard.runner.postgres.PgTools;
import io.schemaguard.runner.postgres.SchemaFingerprint;
import io.schemaguard.runner.storage.BackupManifest.TableRows;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The steps the runner takes on a database, shared by plan, rehearse, migrate and check: read the
 * pending migrations and lint them, apply them between two validations of the engine's history,
 * and check what must hold after (rows kept, indexes valid, assertions true).
 */
public final class MigrationExecutor {

    /** Which findings block, and how to judge them. */
    public record Policy(boolean allowDataLoss, Collection<String> approved, boolean blockLockHazards) {
        public Policy(boolean allowDataLoss, Collection<String> approved) {
            this(allowDataLoss, approved, false);
        }
    }

    /** What must hold after the migration. */
    public record Checks(boolean rowCounts, List<TableRows> before, List<Assertion> assertions) {}

    public record Plan(List<Migration> pending, List<Approvals.Judged> judged) {
        public long blocking() {
            return Approvals.blocking(judged);
        }

        public List<String> versions() {
            return pending.stream().map(Migration::version).toList();
        }

        /** Findings whose statements act beyond the database (other databases, roles, server settings). */
        public List<Finding> serverWide() {
            return judged.stream()
                    .map(Approvals.Judged::finding)
                    .filter(Finding::serverWide)
                    .toList();
        }

        /** What the approved findings say the migration removes: the tables and columns allowed to go. */
        public List<Loss> approvedLosses() {
            return judged.stream()
                    .filter(Approvals.Judged::approved)
                    .flatMap(j -> j.finding().losses().stream())
                    .toList();
        }
    }

    public record Outcome(
            List<String> applied, List<String> schemaChanges, List<String> problems, List<String> lockRetries) {}

    private MigrationExecutor() {}

    public static Plan plan(MigrationEngine engine, PgTarget target, Path dir, Policy policy) {
        List<Migration> pending;
        try {
            // What would make the engine refuse the database (history that disagrees with the files, a
            // failed migration, a schema Prisma will not start a history in) stops the run here, before
            // a backup is taken for a migration that cannot go through.
            engine.validate(target, dir);
            pending = engine.pending(target, dir);
        } catch (MigrationException e) {
            throw new RunnerException(FailureReason.MigrationFailed, e.withRemedy(), e);
        }
        List<MigrationFile> files =
                pending.stream().map(m -> new MigrationFile(m.file(), m.sql())).toList();
        List<Finding> findings;
        // The catalog answers what a CASCADE drop takes with it and what type a column has now.
        try (Connection c = DatabaseInspector.connect(target)) {
            findings = SqlLint.lint(files, new DatabaseCatalog(c));
        } catch (SQLException e) {
            throw DatabaseInspector.classify(e, target);
        }
        return new Plan(
                pending,
                Approvals.judge(findings, policy.allowDataLoss(), policy.approved(), policy.blockLockHazards()));
    }

    public static List<FindingStatus> statuses(List<Approvals.Judged> judged) {
        return judged.stream()
                .map(j -> {
                    FindingStatus f = new FindingStatus();
                    f.setFile(j.finding().file());
                    f.setLine(j.finding().line());
                    f.setRule(j.finding().rule());
                    f.setDestructive(j.finding().destructive());
                    f.setSeverity(
                            switch (j.finding().severity()) {
                                case DATA_LOSS -> FindingStatus.Severity.DataLoss;
                                case HAZARD -> FindingStatus.Severity.Hazard;
                                case NOTE -> FindingStatus.Severity.Note;
                            });
                    f.setServerWide(j.finding().serverWide() ? Boolean.TRUE : null);
                    f.setLosses(
                            j.finding().losses().isEmpty()
                                    ? null
                                    : j.finding().losses().stream()
                                            .map(Loss::display)
                                            .toList());
                    f.setApproved(j.approved());
                    f.setStatementHash(j.finding().statementHash());
                    f.setStatement(
                            j.finding().statement().length() > 120
                                    ? j.finding().statement().substring(0, 117) + "..."
                                    : j.finding().statement());
                    f.setMessage(j.finding().message());
                    return f;
                })
                .toList();
    }

    /** Prints the findings for a person: one line each, blocking ones marked. */
    public static void print(Plan plan) {
        System.out.printf("%d pending migration(s): %s%n", plan.pending().size(), String.join(", ", plan.versions()));
        for (Approvals.Judged j : plan.judged()) {
            Finding f = j.finding();
            String mark = j.blocks()
                    ? "BLOCKS "
                    : j.approved()
                            ? "approved"
                            : switch (f.severity()) {
                                case DATA_LOSS -> "approved";
                                case HAZARD -> "WARNING";
                                case NOTE -> "note   ";
                            };
            System.out.printf(
                    "  %s %s:%d %s: %s%n    sha256 %s%n",
                    mark, f.file(), f.line(), f.rule(), f.message(), f.statementHash());
        }
    }

    /**
     * Applies the pending migrations and checks the result; any failure carries what was applied
     * and found so far.
     */
    public static Outcome migrate(
            MigrationEngine engine,
            PgTarget target,
            Path dir,
            MigrationEngine.Settings settings,
            Policy policy,
            Checks checks) {
        return migrate(engine, target, dir, settings, policy, checks, null);
    }

    /**
     * As {@link #migrate(MigrationEngine, PgTarget, Path, MigrationEngine.Settings, Policy, Checks)}; with
     * {@code tools}, a failure also says whether the database changed (its schema fingerprint, or the
     * engine's applied history), so that a restore is only done when there is something to undo.
     */
    public static Outcome migrate(
            MigrationEngine engine,
            PgTarget target,
            Path dir,
            MigrationEngine.Settings settings,
            Policy policy,
            Checks checks,
            PgTools tools) {
        Plan plan = plan(engine, target, dir, policy);
        if (plan.blocking() > 0) {
            throw new RunnerException(
                    FailureReason.MigrationBlocked,
                    plan.blocking()
                            + " destructive statement(s) are not approved: "
                            + plan.judged().stream()
                                    .filter(Approvals.Judged::blocks)
                                    .map(j -> j.finding().file() + ":"
                                            + j.finding().line() + " "
                                            + j.finding().rule())
                                    .toList());
        }
        List<String> applied = new ArrayList<>();
        List<String> retries = new ArrayList<>();
        MigrationEngine.Settings logged = withRetryLog(settings, retries);
        SchemaShape before;
        try (Connection c = DatabaseInspector.connect(target)) {
            before = SchemaShape.read(c);
        } catch (SQLException e) {
            throw DatabaseInspector.classify(e, target);
        }
        String fingerprint = tools == null ? null : SchemaFingerprint.of(tools, target, null);
        try {
            engine.validate(target, dir);
            for (Migration m : engine.migrate(target, dir, logged)) {
                applied.add(m.version());
            }
            engine.validate(target, dir);
        } catch (MigrationException e) {
            // what the engine's history says was applied before the failure
            List<String> done = plan.versions().stream()
                    .filter(v -> !pendingNow(engine, target, dir).contains(v))
                    .toList();
            Boolean changed = !done.isEmpty() ? Boolean.TRUE : changedSince(fingerprint, tools, target);
            throw new RunnerException(FailureReason.MigrationFailed, e.withRemedy(), e)
                    .withPartial(RunnerResult.success()
                            .migrated(done, List.of(), List.of())
                            .lockRetries(retries)
                            .databaseChanged(changed));
        }
        Console.info("migrate: applied %s", applied);
        try (Connection c = DatabaseInspector.connect(target)) {
            SchemaShape after = SchemaShape.read(c);
            List<String> changes = before.diff(after);
            Set<String> dropped = new HashSet<>(before.tableNames());
            dropped.removeAll(after.tableNames());
            List<String> problems = new ArrayList<>();
            // The row check cannot see a lost column: whatever vanished must be named by an approved finding.
            for (String lost : before.unaccountedLosses(after, plan.approvedLosses())) {
                problems.add(lost + " is gone, and no approved finding names it (dropped through a dependency,"
                        + " dynamic SQL, or a statement the lint could not see)");
            }
            problems.addAll(check(c, checks, dropped));
            Outcome outcome = new Outcome(applied, changes, problems, retries);
            if (!problems.isEmpty()) {
                // The migrations were applied: the database did change, whatever the check found.
                throw new RunnerException(FailureReason.VerificationFailed, String.join("; ", problems))
                        .withPartial(RunnerResult.success()
                                .migrated(applied, changes, problems)
                                .lockRetries(retries)
                                .databaseChanged(applied.isEmpty() ? changedSince(fingerprint, tools, target) : true));
            }
            return outcome;
        } catch (SQLException e) {
            throw DatabaseInspector.classify(e, target);
        }
    }

    /** The checks alone, for engine command (the application's tool already ran). */
    public static List<String> check(Connection c, Checks checks, Set<String> dropped) throws SQLException {
        List<String> problems = new ArrayList<>();
        if (checks.rowCounts() && checks.before() != null) {
            problems.addAll(PostMigrationChecks.rowCounts(c, checks.before(), dropped));
        }
        problems.addAll(PostMigrationChecks.invalidIndexes(c));
        problems.addAll(PostMigrationChecks.assertions(c, checks.assertions()));
        return problems;
    }

    /** Whether the schema differs from {@code before}; null when it cannot be told (no fingerprint, or it failed). */
    private static Boolean changedSince(String before, PgTools tools, PgTarget target) {
        if (before == null) {
            return null;
        }
        try {
            return !before.equals(SchemaFingerprint.of(tools, target, null));
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static List<String> pendingNow(MigrationEngine engine, PgTarget target, Path dir) {
        try {
            return engine.pending(target, dir).stream().map(Migration::version).toList();
        } catch (RuntimeException e) {
            return List.of();
        }
    }

    public static MigrationEngine.Settings settings(String lockTimeout, String statementTimeout) {
        return settings(lockTimeout, statementTimeout, 0, null);
    }

    public static MigrationEngine.Settings settings(
            String lockTimeout, String statementTimeout, int lockRetries, String retryBackoff) {
        Duration lock = Durations.parse(lockTimeout);
        Duration statement = Durations.parse(statementTimeout);
        Duration backoff = retryBackoff == null ? null : Durations.parse(retryBackoff);
        return new MigrationEngine.Settings(lock, statement, lockRetries, backoff, null);
    }

    /** {@code settings} whose retries are logged and kept in {@code retries}, for the run's result. */
    private static MigrationEngine.Settings withRetryLog(MigrationEngine.Settings settings, List<String> retries) {
        if (settings == null) {
            return null;
        }
        MigrationEngine.RetryListener outer = settings.listener();
        return new MigrationEngine.Settings(
                settings.lockTimeout(),
                settings.statementTimeout(),
                settings.lockRetries(),
                settings.retryBackoff(),
                (file, attempt, of, wait, reason) -> {
                    String line = (file == null ? "a migration" : file) + ": lock_timeout, rolled back; retry "
                            + attempt + " of " + of + " in " + wait.toMillis() + "ms (" + reason + ")";
                    Console.info("migrate: %s", line);
                    retries.add(line);
                    outer.retrying(file, attempt, of, wait, reason);
                });
    }
}
