package io.schemaguard.operator.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;

/**
 * Standard conditions ({@code metav1.Condition}): setting one keeps its {@code lastTransitionTime}
 * unless its status changes, so watchers see real transitions only.
 */
public final class Conditions {
    public static final String READY = "Ready";
    public static final String PROGRESSING = "Progressing";
    public static final String FAILED = "Failed";

    private Conditions() {
    }

    public static List<Condition> set(List<Condition> existing, String type, boolean status, String reason,
            String message, long generation, String now) {
        List<Condition> result = new ArrayList<>(existing == null ? List.of() : existing);
        String value = status ? "True" : "False";
        Condition previous = find(result, type);
        String transition = previous != null && value.equals(previous.getStatus()) && previous.getLastTransitionTime() != null
                ? previous.getLastTransitionTime()
                : now;
        Condition updated = new ConditionBuilder()
                .withType(type)
                .withStatus(value)
                .withReason(reason)
                .withMessage(message == null ? "" : message)
                .withObservedGeneration(generation)
                .withLastTransitionTime(transition)
                .build();
        result.removeIf(c -> type.equals(c.getType()));
        result.add(updated);
        result.sort((a, b) -> Integer.compare(order(a.getType()), order(b.getType())));
        return result;
    }

    /**
     * The three conditions of a run at once: Ready (with the reason users read), Progressing, and
     * Failed (which repeats Ready's reason and message when the run failed).
     */
    public static List<Condition> ofRun(List<Condition> existing, boolean ready, String readyReason, String message,
            boolean progressing, String progressingReason, boolean failed, long generation, String now) {
        List<Condition> c = set(existing, READY, ready, readyReason, message, generation, now);
        c = set(c, PROGRESSING, progressing, progressingReason, progressing ? message : "", generation, now);
        return set(c, FAILED, failed, failed ? readyReason : "NotFailed", failed ? message : "", generation, now);
    }

    public static Condition find(List<Condition> conditions, String type) {
        if (conditions == null) {
            return null;
        }
        return conditions.stream().filter(c -> Objects.equals(type, c.getType())).findFirst().orElse(null);
    }

    private static int order(String type) {
        return switch (type) {
            case READY -> 0;
            case PROGRESSING -> 1;
            case FAILED -> 2;
            default -> 3;
        };
    }
}
