package io.schemaguard.operator.jobs;

import io.schemaguard.contract.JobLabels;
import java.util.LinkedHashMap;
import java.util.Map;

/** Every label and annotation the operator puts on what it creates, in one place (those clients read: JobLabels). */
public final class Labels {
    public static final String NAME = JobLabels.NAME;
    public static final String COMPONENT = JobLabels.COMPONENT;
    public static final String MANAGED_BY = JobLabels.MANAGED_BY;
    public static final String OWNER_KIND = JobLabels.OWNER_KIND;
    /** An annotation, not a label: resource names can be longer than a label value may be. */
    public static final String OWNER_NAME_ANNOTATION = JobLabels.OWNER_NAME_ANNOTATION;

    /** On a schedule's DatabaseBackups: the schedule's name, shortened to a label value when long. */
    public static final String SCHEDULE = JobLabels.SCHEDULE;
    /** On a schedule's DatabaseBackups: the schedule's exact name. */
    public static final String SCHEDULE_NAME_ANNOTATION = JobLabels.SCHEDULE_NAME_ANNOTATION;
    /** On a schedule's DatabaseBackups: the cron time the backup was created for (ISO-8601, UTC). */
    public static final String SCHEDULED_TIME_ANNOTATION = "schemaguard.io/scheduled-time";
    /** {@code "true"} on a DatabaseBackup a SafeMigration took: retention never deletes it. */
    public static final String PINNED = "schemaguard.io/pinned";
    /** The SafeMigration that pinned a DatabaseBackup (label value; shortened when long). */
    public static final String SAFE_MIGRATION = "schemaguard.io/safe-migration";
    /** {@code "true"}, set by users: retention never deletes this DatabaseBackup. */
    public static final String KEEP = "schemaguard.io/keep";
    /** On a restore's safety DatabaseBackup: the DatabaseRestore, shortened to a label value when long. */
    public static final String SAFETY_BACKUP_FOR = "schemaguard.io/safety-backup-for";
    /** The same key as an annotation, with the DatabaseRestore's exact name. */
    public static final String SAFETY_BACKUP_FOR_ANNOTATION = SAFETY_BACKUP_FOR;

    public static final String APP = JobLabels.APP;
    public static final String OPERATOR = JobLabels.OPERATOR;

    private Labels() {}

    /** Labels of a Job (and its pods) that runs {@code component} for a resource of {@code ownerKind}. */
    public static Map<String, String> forJob(String component, String ownerKind) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(NAME, APP);
        labels.put(COMPONENT, component);
        labels.put(MANAGED_BY, OPERATOR);
        labels.put(OWNER_KIND, ownerKind);
        return labels;
    }

    /** Selector matching the Jobs and pods of every component a resource of {@code ownerKind} runs. */
    public static String selector(String ownerKind) {
        return JobLabels.selector(ownerKind);
    }

    /** Selector matching exactly the Jobs and pods {@link #forJob} labels. */
    public static String selector(String component, String ownerKind) {
        return NAME + "=" + APP + "," + COMPONENT + "=" + component + "," + MANAGED_BY + "=" + OPERATOR + ","
                + OWNER_KIND + "=" + ownerKind;
    }
}
