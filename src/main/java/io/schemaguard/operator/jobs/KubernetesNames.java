package io.schemaguard.operator.jobs;

import io.schemaguard.contract.JobLabels;
import io.schemaguard.contract.Sha256;
import java.util.Locale;

/** Deterministic names for generated objects that stay within Kubernetes' limits. */
public final class KubernetesNames {
    /** Job names end up in a pod label ({@code job-name}), so they get the 63-character label limit. */
    public static final int MAX_JOB_NAME = 63;

    private KubernetesNames() {}

    /**
     * {@code <base>-<suffix>}; when that is too long, the base is shortened and a hash of the full
     * name keeps it unique: {@code <base-prefix>-<hash5>-<suffix>}.
     */
    public static String jobName(String base, String suffix) {
        String full = base + "-" + suffix;
        if (full.length() <= MAX_JOB_NAME) {
            return full;
        }
        String hash = hash(full).substring(0, 5);
        int keep = MAX_JOB_NAME - suffix.length() - hash.length() - 2;
        String prefix = base.substring(0, keep).replaceAll("[-.]+$", "");
        return (prefix + "-" + hash + "-" + suffix).toLowerCase(Locale.ROOT);
    }

    /** A resource name as a label value (at most 63 characters, shortened with a hash when longer). */
    public static String labelValue(String name) {
        return JobLabels.labelValue(name);
    }

    static String hash(String s) {
        return Sha256.hex(s);
    }
}
