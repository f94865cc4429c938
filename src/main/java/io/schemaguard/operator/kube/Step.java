package io.schemaguard.operator.kube;

import io.schemaguard.operator.EventRecorder.Event;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What one reconciliation decided: the resource's new status, the Events to record, the actions to
 * carry out (in order, before the Events), and when to look again (null: on the next event).
 */
public record Step<S>(S status, List<Event> events, List<Action> actions, Duration requeueAfter) {

    public Step {
        events = List.copyOf(events);
        actions = List.copyOf(actions);
    }

    public static <S> Step<S> of(S status, List<Event> events) {
        return new Step<>(status, events, List.of(), null);
    }

    /** This step with {@code more} actions after its own. */
    public Step<S> and(List<? extends Action> more) {
        List<Action> all = new ArrayList<>(actions);
        all.addAll(more);
        return new Step<>(status, events, all, requeueAfter);
    }

    public Step<S> and(Action... more) {
        return and(List.of(more));
    }

    /** This step with {@code first} carried out before its own actions. */
    public Step<S> after(List<? extends Action> first) {
        List<Action> all = new ArrayList<>(first);
        all.addAll(actions);
        return new Step<>(status, events, all, requeueAfter);
    }

    public Step<S> requeueAfter(Duration wait) {
        return new Step<>(status, events, actions, wait);
    }
}
