package io.schemaguard.operator.jobs;

import java.util.LinkedHashMap;
import java.util.Map;

/** Every label and annotation the operator puts on what it creates, in one place. */
public final class Labels {
    public static final String NAME = "app.kubernetes.io/name";
    public static final String COMPONENT = "app.kubernetes.io/component";
    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String OWNER_KIND = "schemaguard.io/owner-kind";
    /** An annotation, not a label: resource names can be longer than a label value may be. */
    public static final String OWNER_NAME_ANNOTATION = "schemaguard.io/owner-name";

    public static final String APP = "schemaguard";
    public static final String OPERATOR = "schemaguard-operator";

    private Labels() {
    }

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
        return NAME + "=" + APP + "," + MANAGED_BY + "=" + OPERATOR + "," + OWNER_KIND + "=" + ownerKind;
    }

    /** Selector matching exactly the Jobs and pods {@link #forJob} labels. */
    public static String selector(String component, String ownerKind) {
        return NAME + "=" + APP + "," + COMPONENT + "=" + component + "," + MANAGED_BY + "=" + OPERATOR + ","
                + OWNER_KIND + "=" + ownerKind;
    }
}
