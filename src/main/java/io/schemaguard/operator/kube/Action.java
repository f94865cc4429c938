package io.schemaguard.operator.kube;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.schemaguard.operator.EventRecorder.Event;
import java.util.List;

/**
 * One thing a reconciliation asks of the cluster. Decisions (pure functions) return actions; only
 * {@link Applier} carries them out, the same way for every kind.
 */
public sealed interface Action {

    /**
     * Create {@code resource} unless it exists already (children have deterministic names, so an
     * existing one is the same child). {@code onCreated} are recorded only when this pass created it.
     */
    record Create(HasMetadata resource, List<Event> onCreated) implements Action {
        public Create {
            onCreated = List.copyOf(onCreated);
        }
    }

    /** Delete the named resource; a null {@code propagation} leaves it to the API server's default. */
    record Delete(Class<? extends HasMetadata> type, String namespace, String name, DeletionPropagation propagation)
            implements Action {}

    static Create create(HasMetadata resource, Event... onCreated) {
        return new Create(resource, List.of(onCreated));
    }

    static Delete delete(HasMetadata resource, DeletionPropagation propagation) {
        return new Delete(
                resource.getClass(),
                resource.getMetadata().getNamespace(),
                resource.getMetadata().getName(),
                propagation);
    }

    static Delete delete(Class<? extends HasMetadata> type, String namespace, String name) {
        return new Delete(type, namespace, name, null);
    }
}
