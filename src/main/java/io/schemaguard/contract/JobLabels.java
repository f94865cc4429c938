package io.schemaguard.contract;

/**
 * The labels and annotations a client outside the operator (the kubectl plugin) finds the operator's
 * objects by: the operator writes them (operator.jobs.Labels refers to these), the plugin reads them.
 */
public final class JobLabels {
    public static final String NAME = "app.kubernetes.io/name";
    public static final String COMPONENT = "app.kubernetes.io/component";
    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String OWNER_KIND = "schemaguard.io/owner-kind";
    /** An annotation, not a label: resource names can be longer than a label value may be. */
    public static final String OWNER_NAME_ANNOTATION = "schemaguard.io/owner-name";
    /** On a schedule's DatabaseBackups: the schedule's name, shortened to a label value when long. */
    public static final String SCHEDULE = "schemaguard.io/schedule";
    /** On a schedule's DatabaseBackups: the schedule's exact name. */
    public static final String SCHEDULE_NAME_ANNOTATION = "schemaguard.io/schedule-name";

    public static final String APP = "schemaguard";
    public static final String OPERATOR = "schemaguard-operator";
    /** A SafeMigration step's Job has component {@code migration-<step>} (plan, rehearse, migrate, check). */
    public static final String MIGRATION_COMPONENT_PREFIX = "migration-";

    private JobLabels() {}

    /** A resource name as a label value (at most 63 characters, shortened with a hash when longer). */
    public static String labelValue(String name) {
        if (name.length() <= 63) {
            return name;
        }
        return name.substring(0, 57).replaceAll("[-.]+$", "") + "-"
                + Sha256.hex(name).substring(0, 5);
    }

    /** Selector matching the Jobs and pods of every component a resource of {@code ownerKind} runs. */
    public static String selector(String ownerKind) {
        return NAME + "=" + APP + "," + MANAGED_BY + "=" + OPERATOR + "," + OWNER_KIND + "=" + ownerKind;
    }
}
