package io.schemaguard.operator.jobs;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Standard conditions ({@code metav1.Condition}) in the one vocabulary every kind uses: kstatus'
 * {@code Ready}, {@code Reconciling} and {@code Stalled}, set together from an {@link Outcome}, then
 * each kind's own step conditions ({@code Blocked}, {@code LastBackupSucceeded}...) with {@link #set}.
 * Setting one keeps its {@code lastTransitionTime} unless its status changes, so watchers see real
 * transitions only.
 */
public final class Conditions {
    public static final String READY = "Ready";
    public static final String RECONCILING = "Reconciling";
    public static final String STALLED = "Stalled";
    /** Written by v1alpha1 releases before the kstatus vocabulary; removed when a status is next set. */
    private static final List<String> RETIRED = List.of("Progressing", "Failed");

    private Conditions() {}

    /**
     * The three kstatus conditions at once: the outcome's state is the true one; all three carry its
     * reason, Ready always carries its message (what users read) and the true one does too.
     */
    public static List<Condition> of(List<Condition> existing, Outcome outcome, long generation, String now) {
        List<Condition> c = new ArrayList<>(existing == null ? List.of() : existing);
        c.removeIf(old -> RETIRED.contains(old.getType()));
        boolean ready = outcome.state() == Outcome.State.READY;
        boolean reconciling = outcome.state() == Outcome.State.RECONCILING;
        boolean stalled = outcome.state() == Outcome.State.STALLED;
        c = set(c, READY, ready, outcome.reason(), outcome.message(), generation, now);
        c = set(c, RECONCILING, reconciling, outcome.reason(), reconciling ? outcome.message() : "", generation, now);
        return set(c, STALLED, stalled, outcome.reason(), stalled ? outcome.message() : "", generation, now);
    }

    /** One condition, for a kind's step conditions; {@link #of} sets the three kstatus ones. */
    public static List<Condition> set(
            List<Condition> existing,
            String type,
            boolean status,
            String reason,
            String message,
            long generation,
            String now) {
        List<Condition> result = new ArrayList<>(existing == null ? List.of() : existing);
        String value = status ? "True" : "False";
        Condition previous = find(result, type);
        String transition =
                previous != null && value.equals(previous.getStatus()) && previous.getLastTransitionTime() != null
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

    public static Condition find(List<Condition> conditions, String type) {
        if (conditions == null) {
            return null;
        }
        return conditions.stream()
                .filter(c -> Objects.equals(type, c.getType()))
                .findFirst()
                .orElse(null);
    }

    /** The reason of Ready, or null: what a kind compares to tell whether an event was already sent. */
    public static String readyReason(List<Condition> conditions) {
        Condition c = find(conditions, READY);
        return c == null ? null : c.getReason();
    }

    private static int order(String type) {
        return switch (type) {
            case READY -> 0;
            case RECONCILING -> 1;
            case STALLED -> 2;
            default -> 3;
        };
    }
}
