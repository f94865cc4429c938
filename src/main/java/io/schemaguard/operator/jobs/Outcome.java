package io.schemaguard.operator.jobs;

import java.util.Objects;

/**
 * Where a reconcile left a resource, in kstatus' three states: every kind's {@code Ready},
 * {@code Reconciling} and {@code Stalled} conditions are built from one of these
 * ({@link Conditions#of}), so no kind spells them its own way.
 *
 * @param state   which of the three conditions is the true one
 * @param reason  a CamelCase reason users and tools match on (what {@code kubectl get} shows)
 * @param message one line for people; may be empty
 */
public record Outcome(State state, String reason, String message) {

    public enum State {
        /** The controller is still working toward the spec: {@code Reconciling=True}. */
        RECONCILING,
        /** The spec is met: {@code Ready=True}. */
        READY,
        /** The controller cannot get further without a change by someone (a new spec, an approval): {@code Stalled=True}. */
        STALLED
    }

    public Outcome {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(reason, "reason");
        message = message == null ? "" : message;
    }

    public static Outcome reconciling(String reason, String message) {
        return new Outcome(State.RECONCILING, reason, message);
    }

    public static Outcome ready(String reason, String message) {
        return new Outcome(State.READY, reason, message);
    }

    public static Outcome stalled(String reason, String message) {
        return new Outcome(State.STALLED, reason, message);
    }
}
