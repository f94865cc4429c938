package io.schemaguard.kubectl;

import io.fabric8.kubernetes.api.model.Condition;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.MigrationEngineType;
import io.schemaguard.api.SafeMigration;
import io.schemaguard.api.SafeMigrationStatus.FindingStatus;
import io.schemaguard.api.SafeMigrationStatus.MigrationRun;
import io.schemaguard.contract.JobLabels;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * One SafeMigration's run as the steps it goes through (plan, backup, rehearsal, migrate, check), each
 * with its state, duration and Job, from the resource's status, its Jobs and its backup.
 */
public final class MigrationTree {
    /** One line of the tree; {@code findings} only on plan. */
    public record Step(String name, String state, String duration, String job, List<FindingStatus> findings) {}

    private MigrationTree() {}

    public static List<Step> steps(SafeMigration m, List<JobRun> jobs, DatabaseBackup backup, Instant now) {
        MigrationRun run = m.getStatus() == null ? null : m.getStatus().getCurrentRun();
        boolean ended = run != null && run.getPhase() != null && run.getPhase().isTerminal();
        List<Step> steps = new ArrayList<>();
        JobRun plan = newest(jobs, "plan");
        steps.add(step(
                "plan",
                m,
                "Planned",
                plan,
                ended,
                now,
                run == null || run.getFindings() == null ? List.of() : run.getFindings()));
        steps.add(backupStep(run, backup, ended, now));
        if (Boolean.FALSE.equals(m.getSpec().getRehearsal())) {
            steps.add(new Step("rehearsal", "Skipped", "", "", List.of()));
        } else {
            steps.add(step("rehearsal", m, "Rehearsed", newest(jobs, "rehearse"), ended, now, List.of()));
        }
        steps.add(step("migrate", m, "Migrated", newest(jobs, "migrate"), ended, now, List.of()));
        if (m.getSpec().getEngine() == MigrationEngineType.COMMAND) {
            steps.add(step("check", m, null, newest(jobs, "check"), ended, now, List.of()));
        } else {
            // Flyway and Prisma check inside the migrate Job: the check's state is the migration's verdict.
            boolean problems = run != null
                    && run.getVerificationProblems() != null
                    && !run.getVerificationProblems().isEmpty();
            Condition migrated = condition(m, "Migrated");
            String state = problems
                    ? "Failed"
                    : migrated != null && "True".equals(migrated.getStatus())
                            ? "Succeeded"
                            : ended ? "Skipped" : "Pending";
            steps.add(new Step("check", state, "", state.equals("Skipped") ? "" : "(in migrate)", List.of()));
        }
        return steps;
    }

    /** The tree as text: a header with the phase and message, then one line per step and its findings. */
    public static String render(SafeMigration m, List<Step> steps, Style style) {
        MigrationRun run = m.getStatus() == null ? null : m.getStatus().getCurrentRun();
        StringBuilder b = new StringBuilder();
        String phase = m.getStatus() == null || m.getStatus().getPhase() == null
                ? "Pending"
                : m.getStatus().getPhase().name();
        Long observed = m.getStatus() == null ? null : m.getStatus().getObservedGeneration();
        b.append(style.bold("SafeMigration " + m.getMetadata().getNamespace() + "/"
                        + m.getMetadata().getName()))
                .append("  ")
                .append(style.state(phase))
                .append("  (generation ")
                .append(m.getMetadata().getGeneration())
                .append(", observed ")
                .append(observed == null ? "-" : observed)
                .append(")\n");
        if (run != null && run.getMessage() != null && !run.getMessage().isBlank()) {
            b.append("  ")
                    .append(run.getMessage().strip().replace("\n", "\n  "))
                    .append('\n');
        }
        if (run != null && run.getBackup() != null) {
            b.append("  backup: ").append(run.getBackup()).append('\n');
        }
        int width = steps.stream().mapToInt(s -> s.state().length()).max().orElse(0);
        for (int i = 0; i < steps.size(); i++) {
            Step s = steps.get(i);
            boolean last = i == steps.size() - 1;
            b.append(last ? "`- " : "|- ")
                    .append(String.format("%-10s", s.name()))
                    .append(style.state(s.state()))
                    .append(" ".repeat(width - s.state().length() + 2))
                    .append(String.format("%-8s", s.duration()))
                    .append(s.job())
                    .append('\n');
            for (FindingStatus f : s.findings()) {
                b.append(last ? "     " : "|    ").append(finding(f, style)).append('\n');
            }
        }
        return b.toString().replaceAll(" +\n", "\n");
    }

    /** {@code DataLoss  file:line  rule  blocking|approved|warning  message [hash]}. */
    public static String finding(FindingStatus f, Style style) {
        String severity = f.getSeverity() == null ? "Note" : f.getSeverity().name();
        String verdict = Boolean.TRUE.equals(f.getApproved())
                ? "approved"
                : f.getSeverity() == FindingStatus.Severity.DataLoss ? "blocking" : "warning";
        return style.state(severity) + "  " + Objects.requireNonNullElse(f.getFile(), "?") + ":"
                + (f.getLine() == null ? "?" : f.getLine()) + "  " + Objects.requireNonNullElse(f.getRule(), "")
                + "  " + verdict + "  " + Objects.requireNonNullElse(f.getMessage(), "")
                + (f.getStatementHash() == null
                        ? ""
                        : style.dim("  [" + f.getStatementHash().substring(0, 12) + "]"));
    }

    private static Step step(
            String name,
            SafeMigration m,
            String conditionType,
            JobRun job,
            boolean ended,
            Instant now,
            List<FindingStatus> findings) {
        Condition c = conditionType == null ? null : condition(m, conditionType);
        String state;
        if (c != null && "True".equals(c.getStatus())) {
            state = "Succeeded";
        } else if (job != null) {
            state = job.state();
        } else if (c != null && "False".equals(c.getStatus()) && c.getReason() != null) {
            state = c.getReason();
        } else {
            state = ended ? "Skipped" : "Pending";
        }
        return new Step(
                name,
                state,
                job == null ? "" : Times.between(job.startedAt(), job.completedAt(), now),
                job == null ? "" : job.name(),
                findings);
    }

    private static Step backupStep(MigrationRun run, DatabaseBackup backup, boolean ended, Instant now) {
        if (backup == null || backup.getStatus() == null) {
            String state = run != null && run.getBackup() != null ? "Pending" : ended ? "Skipped" : "Pending";
            return new Step("backup", state, "", "", List.of());
        }
        var s = backup.getStatus();
        return new Step(
                "backup",
                s.getPhase() == null ? "Pending" : s.getPhase().name(),
                Times.between(s.getStartedAt(), s.getCompletedAt(), now),
                s.getJobName() == null ? "" : s.getJobName(),
                List.of());
    }

    /** This generation's condition only: an older generation's verdict says nothing about this run. */
    static Condition condition(SafeMigration m, String type) {
        if (m.getStatus() == null || m.getStatus().getConditions() == null) {
            return null;
        }
        return m.getStatus().getConditions().stream()
                .filter(c -> type.equals(c.getType()))
                .filter(c -> c.getObservedGeneration() == null
                        || c.getObservedGeneration().equals(m.getMetadata().getGeneration()))
                .findFirst()
                .orElse(null);
    }

    /** The newest Job of a step (earlier attempts and generations keep theirs until the resource goes). */
    static JobRun newest(List<JobRun> jobs, String step) {
        return jobs.stream()
                .filter(j -> (JobLabels.MIGRATION_COMPONENT_PREFIX + step).equals(j.component()))
                .max(Comparator.comparing(j -> Objects.requireNonNullElse(j.createdAt(), "")))
                .orElse(null);
    }
}
