package io.schemaguard.kubectl;

import io.schemaguard.api.BackupSchedule;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.DatabaseRestore;
import io.schemaguard.api.SafeMigration;
import java.time.Instant;
import java.util.List;

/** The namespace at a glance: one table per kind, the columns a person checks first. */
public final class Overview {
    private Overview() {}

    public static String render(
            String namespace,
            List<SafeMigration> migrations,
            List<BackupSchedule> schedules,
            List<DatabaseBackup> backups,
            List<DatabaseRestore> restores,
            Instant now,
            Style style) {
        StringBuilder b = new StringBuilder();
        if (!migrations.isEmpty()) {
            Table t = new Table("SAFEMIGRATION", "PHASE", "BACKUP", "APPLIED", "BLOCKING", "AGE");
            for (SafeMigration m : migrations) {
                var s = m.getStatus();
                var run = s == null ? null : s.getCurrentRun();
                t.row(
                        m.getMetadata().getName(),
                        style.state(
                                s == null || s.getPhase() == null
                                        ? "Pending"
                                        : s.getPhase().name()),
                        run == null ? "" : run.getBackup(),
                        run == null || run.getAppliedCount() == null
                                ? ""
                                : run.getAppliedCount().toString(),
                        run == null || run.getBlockingFindings() == null
                                ? ""
                                : run.getBlockingFindings().toString(),
                        Times.age(m.getMetadata().getCreationTimestamp(), now));
            }
            b.append(t.render()).append('\n');
        }
        if (!schedules.isEmpty()) {
            Table t = new Table("BACKUPSCHEDULE", "SCHEDULE", "SUSPENDED", "LAST SUCCESS", "NEXT", "KEPT", "FAILED");
            for (BackupSchedule s : schedules) {
                var st = s.getStatus();
                t.row(
                        s.getMetadata().getName(),
                        s.getSpec().getSchedule(),
                        String.valueOf(Boolean.TRUE.equals(s.getSpec().getSuspend())),
                        st == null || st.getLastSuccessfulTime() == null
                                ? ""
                                : Times.age(st.getLastSuccessfulTime(), now) + " ago",
                        st == null ? "" : st.getNextScheduleTime(),
                        st == null || st.getKeptBackups() == null
                                ? ""
                                : st.getKeptBackups().toString(),
                        st == null || st.getFailedBackups() == null
                                ? ""
                                : st.getFailedBackups().toString());
            }
            b.append(t.render()).append('\n');
        }
        if (!backups.isEmpty()) {
            Table t = new Table("DATABASEBACKUP", "PHASE", "DATABASE", "SIZE", "DURATION", "AGE");
            for (DatabaseBackup d : backups) {
                var st = d.getStatus();
                t.row(
                        d.getMetadata().getName(),
                        style.state(
                                st == null || st.getPhase() == null
                                        ? "Pending"
                                        : st.getPhase().name()),
                        st != null && st.getDatabase() != null
                                ? st.getDatabase()
                                : d.getSpec().getDatabase().getName(),
                        st == null ? "" : st.getSize(),
                        st == null ? "" : Times.between(st.getStartedAt(), st.getCompletedAt(), now),
                        Times.age(d.getMetadata().getCreationTimestamp(), now));
            }
            b.append(t.render()).append('\n');
        }
        if (!restores.isEmpty()) {
            Table t = new Table("DATABASERESTORE", "PHASE", "MODE", "SOURCE", "TARGET", "ROWS", "AGE");
            for (DatabaseRestore r : restores) {
                var st = r.getStatus();
                var src = r.getSpec().getSource();
                t.row(
                        r.getMetadata().getName(),
                        style.state(
                                st == null || st.getPhase() == null
                                        ? "Pending"
                                        : st.getPhase().name()),
                        r.getSpec().getMode() == null
                                ? ""
                                : r.getSpec().getMode().name(),
                        src == null ? "" : src.getBackupName() != null ? src.getBackupName() : src.getBackupId(),
                        st != null && st.getTargetDatabase() != null
                                ? st.getTargetDatabase()
                                : r.getSpec().getTarget().getName(),
                        st == null || st.getRestoredRows() == null
                                ? ""
                                : st.getRestoredRows().toString(),
                        Times.age(r.getMetadata().getCreationTimestamp(), now));
            }
            b.append(t.render()).append('\n');
        }
        if (b.length() == 0) {
            return "No Schemaguard resources in namespace " + namespace + ".\n";
        }
        return b.toString().stripTrailing() + "\n";
    }

    /** A BackupSchedule: its runs, the backups it keeps, and what its retention last did. */
    public static String schedule(BackupSchedule s, List<DatabaseBackup> kept, Instant now, Style style) {
        var st = s.getStatus();
        StringBuilder b = new StringBuilder();
        b.append(style.bold("BackupSchedule " + s.getMetadata().getNamespace() + "/"
                        + s.getMetadata().getName()))
                .append("  ")
                .append(s.getSpec().getSchedule())
                .append(" (")
                .append(s.getSpec().getTimeZone())
                .append(")")
                .append(Boolean.TRUE.equals(s.getSpec().getSuspend()) ? "  suspended" : "")
                .append('\n');
        if (st != null) {
            line(b, "last run", st.getLastScheduleTime());
            line(b, "next run", st.getNextScheduleTime());
            line(
                    b,
                    "last success",
                    st.getLastSuccessfulBackup() == null
                            ? null
                            : st.getLastSuccessfulBackup() + " at " + st.getLastSuccessfulTime());
            line(
                    b,
                    "last failure",
                    st.getLastFailedBackup() == null
                            ? null
                            : st.getLastFailedBackup() + " at " + st.getLastFailedTime());
            if (st.getActive() != null && !st.getActive().isEmpty()) {
                line(b, "running", String.join(", ", st.getActive()));
            }
            if (st.getRetention() != null) {
                var r = st.getRetention();
                line(
                        b,
                        "retention",
                        "last pass " + (r.getLastRunTime() == null ? "-" : r.getLastRunTime())
                                + (Boolean.TRUE.equals(r.getDryRun()) ? " (dry run)" : "") + ", deleted in total "
                                + (r.getDeletedTotal() == null ? 0 : r.getDeletedTotal()));
                if (r.getDeleted() != null) {
                    r.getDeleted()
                            .forEach(d -> b.append("    ")
                                    .append(Boolean.TRUE.equals(r.getDryRun()) ? "would delete " : "deleted ")
                                    .append(d)
                                    .append('\n'));
                }
                if (r.getProtectedBackups() != null) {
                    r.getProtectedBackups()
                            .forEach(d -> b.append("    protected ").append(d).append('\n'));
                }
            }
        }
        Table t = new Table("BACKUP", "PHASE", "SIZE", "COMPLETED");
        kept.forEach(d -> t.row(
                d.getMetadata().getName(),
                style.state(
                        d.getStatus() == null || d.getStatus().getPhase() == null
                                ? "Pending"
                                : d.getStatus().getPhase().name()),
                d.getStatus() == null ? "" : d.getStatus().getSize(),
                d.getStatus() == null ? "" : d.getStatus().getCompletedAt()));
        b.append("backups (").append(kept.size()).append("):\n");
        if (!t.isEmpty()) {
            t.render().lines().forEach(l -> b.append("  ").append(l).append('\n'));
        }
        return b.toString();
    }

    private static void line(StringBuilder b, String label, String value) {
        b.append(String.format("  %-14s", label + ":"))
                .append(value == null ? "-" : value)
                .append('\n');
    }
}
