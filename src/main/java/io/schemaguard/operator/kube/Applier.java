package io.schemaguard.operator.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.schemaguard.operator.EventRecorder;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Carries out a {@link Step} for any of our kinds: the actions in order, then the Events, then a
 * status patch only when the status changed. The one rule for creating a child lives here.
 */
@ApplicationScoped
public class Applier {
    private static final Logger LOG = Logger.getLogger(Applier.class);

    @Inject
    EventRecorder events;

    public Applier() {}

    /** For tests that run a reconciler without CDI. */
    public Applier(EventRecorder events) {
        this.events = events;
    }

    public <S, P extends CustomResource<?, S>> UpdateControl<P> apply(P resource, Context<P> context, Step<S> step) {
        boolean changed = !Statuses.same(resource.getStatus(), step.status());
        carryOut(resource, context, step.actions());
        step.events().forEach(e -> events.record(resource, e));
        UpdateControl<P> control;
        if (changed) {
            resource.setStatus(step.status());
            control = UpdateControl.patchStatus(resource);
        } else {
            control = UpdateControl.noUpdate();
        }
        if (step.requeueAfter() != null) {
            control.rescheduleAfter(step.requeueAfter());
        }
        return control;
    }

    /** The actions alone, for a finalizer (status cannot be patched through a DeleteControl). */
    public void carryOut(HasMetadata regarding, Context<?> context, List<Action> actions) {
        for (Action action : actions) {
            if (action instanceof Action.Create c) {
                createOnce(regarding, context, c.resource(), c.onCreated());
            } else if (action instanceof Action.Delete d) {
                var r = context.getClient()
                        .resources(d.type())
                        .inNamespace(d.namespace())
                        .withName(d.name());
                if (d.propagation() == null) {
                    r.delete();
                } else {
                    r.withPropagationPolicy(d.propagation()).delete();
                }
            }
        }
    }

    /**
     * Creates a child once. A conflict (409) means it is there already (created by an earlier pass
     * whose event has not reached the informer yet, or by another operator instance): it is read back,
     * once, and no "created" Event is recorded. Through the SDK's resource operations when exactly one
     * event source caches the type (so the next pass sees its own write), else through the client.
     */
    public <T extends HasMetadata> T createOnce(
            HasMetadata regarding, Context<?> context, T desired, List<EventRecorder.Event> onCreated) {
        try {
            T created = context.eventSourceRetriever()
                                    .getEventSourcesFor(desired.getClass())
                                    .size()
                            == 1
                    ? context.resourceOperations().create(desired)
                    : context.getClient().resource(desired).create();
            LOG.infof(
                    "created %s %s/%s for %s %s",
                    desired.getKind(),
                    desired.getMetadata().getNamespace(),
                    desired.getMetadata().getName(),
                    regarding.getKind(),
                    regarding.getMetadata().getName());
            onCreated.forEach(e -> events.record(regarding, e));
            return created;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                return context.getClient().resource(desired).get();
            }
            throw e;
        }
    }
}
