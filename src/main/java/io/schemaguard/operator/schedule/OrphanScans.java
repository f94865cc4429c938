package io.schemaguard.operator.schedule;

import io.schemaguard.api.BackupScheduleStatus.OrphanStatus;
import io.schemaguard.contract.RunnerResult;
import io.schemaguard.operator.EventRecorder.Event;
import io.schemaguard.operator.jobs.JobState;
import io.schemaguard.operator.jobs.KubernetesNames;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * When a schedule's storage is compared with its DatabaseBackups (a Job running {@code schemaguard
 * orphans}, which deletes nothing), and what its result means for status. Pure: the last scan Job's
 * state and the time in, the next status out.
 */
public final class OrphanScans {
    public static final String COMPONENT = "orphans";
    public static final String KIND = "BackupSchedule";

    /**
     * @param start  a scan Job to create now, named {@code jobName}
     * @param wakeAt when the next scan is due (for the reconciler's wake-up), or null
     */
    public record Outcome(OrphanStatus status, boolean start, String jobName, List<Event> events, Instant wakeAt) {}

    private OrphanScans() {}

    public static String jobName(String schedule, Instant now) {
        return KubernetesNames.jobName(schedule, COMPONENT + "-" + ScheduleProgress.NAME_TIME.format(now));
    }

    /**
     * {@code lastJob}: the Job named in {@code current.jobName}, as the informer sees it (null when gone
     * or never made). The first scan is one interval after {@code created}: a new schedule has nothing
     * to compare yet.
     */
    public static Outcome next(
            String schedule, OrphanStatus current, Duration interval, JobState lastJob, Instant created, Instant now) {
        List<Event> events = new ArrayList<>();
        if (interval == null || interval.isZero()) {
            return new Outcome(current, false, null, events, null);
        }
        OrphanStatus s = current == null ? new OrphanStatus() : current;
        Instant last = s.getLastScanTime() == null ? null : Instant.parse(s.getLastScanTime());
        if (lastJob != null && lastJob.job() != null) {
            Instant jobCreated = Instant.parse(lastJob.job().getMetadata().getCreationTimestamp());
            boolean recorded = last != null && !last.isBefore(jobCreated);
            if (!lastJob.complete() && !lastJob.failed()) {
                return new Outcome(s, false, null, events, null); // running; its end wakes the reconciler
            }
            if (!recorded) {
                record(s, lastJob, now, events);
                last = Instant.parse(s.getLastScanTime());
            }
        }
        Instant due = (last == null ? created : last).plus(interval);
        if (!due.isAfter(now)) {
            String name = jobName(schedule, now);
            if (name.equals(s.getJobName()) && lastJob == null) {
                // created this minute and not yet in the informer: do not make a second one
                return new Outcome(s, false, null, events, null);
            }
            s.setJobName(name);
            return new Outcome(s, true, name, events, null);
        }
        return new Outcome(s, false, null, events, due);
    }

    private static void record(OrphanStatus s, JobState job, Instant now, List<Event> events) {
        s.setLastScanTime(now.toString());
        if (job.failed()) {
            JobState.Failure f = job.failure();
            s.setMessage("the scan failed (" + f.reason() + ": " + f.message() + "); counts are from the scan before");
            events.add(Event.warning("OrphanScanFailed", s.getMessage()));
            return;
        }
        RunnerResult r = job.succeededPod().flatMap(JobState::result).orElse(null);
        if (r == null || r.orphanCount() == null) {
            s.setMessage("the scan Job completed without a result");
            events.add(Event.warning("OrphanScanFailed", s.getMessage()));
            return;
        }
        s.setOrphanCount(r.orphanCount());
        s.setMissingCount(r.missingCount());
        s.setOrphans(r.orphans() == null || r.orphans().isEmpty() ? null : r.orphans());
        s.setMissing(r.missing() == null || r.missing().isEmpty() ? null : r.missing());
        s.setMessage(r.message());
        if (r.orphanCount() > 0 || r.missingCount() > 0) {
            events.add(Event.warning(
                    "StorageInconsistent",
                    r.orphanCount() + " object(s) in storage with no"
                            + " DatabaseBackup, " + r.missingCount()
                            + " Succeeded DatabaseBackup(s) whose object is gone;"
                            + " nothing was deleted (status.orphans lists them)"));
        }
    }
}
