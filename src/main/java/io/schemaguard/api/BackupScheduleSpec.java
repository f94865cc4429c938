package io.schemaguard.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** When to back up, what, and what to keep. */
public class BackupScheduleSpec {
    /** Five-field cron ({@code 0 2 * * *}) or a macro ({@code @daily}, {@code @hourly}, ...). */
    @Required
    private String schedule;

    /** IANA time zone the schedule is read in (e.g. Europe/Madrid). */
    @Default(Defaults.TIME_ZONE)
    private String timeZone = Defaults.TIME_ZONE;

    /** No new runs while true; retention still applies. */
    @Default("false")
    private Boolean suspend = false;

    /** Forbid (default): a run due while the previous backup still runs is skipped; Replace: that backup is deleted and a new one starts. */
    @Default("Forbid")
    private ConcurrencyPolicy concurrencyPolicy = ConcurrencyPolicy.Forbid;

    /** A run more than this late (e.g. after an operator outage) is skipped instead of started. Absent: no limit. */
    @Min(0)
    private Long startingDeadlineSeconds;

    /** Delay each run by a fixed, per-schedule offset within this window, so many schedules at 02:00 do not all start at once. */
    @Pattern(Durations.PATTERN_WITH_DAYS)
    private String jitter;

    /** The DatabaseBackup each run creates. */
    @Required
    private BackupTemplate template;

    private RetentionPolicy retention;

    /**
     * How often a Job compares this database's objects in storage with the namespace's DatabaseBackups
     * (objects nobody knows, Succeeded backups whose object is gone; deletes nothing). {@code 0s}: never.
     */
    @Pattern(Durations.PATTERN_WITH_DAYS)
    @Default(Defaults.ORPHAN_SCAN_INTERVAL)
    private String orphanScanInterval = Defaults.ORPHAN_SCAN_INTERVAL;

    public String getOrphanScanInterval() {
        return orphanScanInterval;
    }

    public void setOrphanScanInterval(String orphanScanInterval) {
        this.orphanScanInterval = orphanScanInterval;
    }

    /** Failed backups kept (newest first); older failed ones are deleted. */
    @Min(0)
    @Default("" + Defaults.FAILED_BACKUPS_HISTORY_LIMIT)
    private Integer failedBackupsHistoryLimit = Defaults.FAILED_BACKUPS_HISTORY_LIMIT;

    public enum ConcurrencyPolicy {
        Forbid,
        Replace
    }

    /**
     * Grandfather-father-son retention over the schedule's backups: a backup stays when any rule keeps it.
     * Never deleted: the newest Succeeded backup, running ones, and those pinned by a SafeMigration or
     * labelled {@code schemaguard.io/keep: "true"}.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class RetentionPolicy {
        @Min(0)
        private Integer keepLast;

        @Min(0)
        private Integer keepDaily;

        @Min(0)
        private Integer keepWeekly;

        @Min(0)
        @Max(1200)
        private Integer keepMonthly;
        /** Everything younger is kept (the seed's 30 days: {@code 30d}). */
        @Pattern(Durations.PATTERN_WITH_DAYS)
        private String maxAge;
        /** Report in status what would be deleted, delete nothing. */
        @Default("false")
        private Boolean dryRun = false;

        public Integer getKeepLast() {
            return keepLast;
        }

        public void setKeepLast(Integer keepLast) {
            this.keepLast = keepLast;
        }

        public Integer getKeepDaily() {
            return keepDaily;
        }

        public void setKeepDaily(Integer keepDaily) {
            this.keepDaily = keepDaily;
        }

        public Integer getKeepWeekly() {
            return keepWeekly;
        }

        public void setKeepWeekly(Integer keepWeekly) {
            this.keepWeekly = keepWeekly;
        }

        public Integer getKeepMonthly() {
            return keepMonthly;
        }

        public void setKeepMonthly(Integer keepMonthly) {
            this.keepMonthly = keepMonthly;
        }

        public String getMaxAge() {
            return maxAge;
        }

        public void setMaxAge(String maxAge) {
            this.maxAge = maxAge;
        }

        public Boolean getDryRun() {
            return dryRun;
        }

        public void setDryRun(Boolean dryRun) {
            this.dryRun = dryRun;
        }
    }

    public String getSchedule() {
        return schedule;
    }

    public void setSchedule(String schedule) {
        this.schedule = schedule;
    }

    public String getTimeZone() {
        return timeZone;
    }

    public void setTimeZone(String timeZone) {
        this.timeZone = timeZone;
    }

    public Boolean getSuspend() {
        return suspend;
    }

    public void setSuspend(Boolean suspend) {
        this.suspend = suspend;
    }

    public ConcurrencyPolicy getConcurrencyPolicy() {
        return concurrencyPolicy;
    }

    public void setConcurrencyPolicy(ConcurrencyPolicy concurrencyPolicy) {
        this.concurrencyPolicy = concurrencyPolicy;
    }

    public Long getStartingDeadlineSeconds() {
        return startingDeadlineSeconds;
    }

    public void setStartingDeadlineSeconds(Long startingDeadlineSeconds) {
        this.startingDeadlineSeconds = startingDeadlineSeconds;
    }

    public String getJitter() {
        return jitter;
    }

    public void setJitter(String jitter) {
        this.jitter = jitter;
    }

    public BackupTemplate getTemplate() {
        return template;
    }

    public void setTemplate(BackupTemplate template) {
        this.template = template;
    }

    public RetentionPolicy getRetention() {
        return retention;
    }

    public void setRetention(RetentionPolicy retention) {
        this.retention = retention;
    }

    public Integer getFailedBackupsHistoryLimit() {
        return failedBackupsHistoryLimit;
    }

    public void setFailedBackupsHistoryLimit(Integer failedBackupsHistoryLimit) {
        this.failedBackupsHistoryLimit = failedBackupsHistoryLimit;
    }
}
