package io.schemaguard.operator;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import org.jboss.logging.Logger;

/**
 * Writes Kubernetes Events about our resources ({@code kubectl describe} and {@code kubectl events}
 * show them). Recording is best effort: a failure to record never fails a reconciliation.
 */
@ApplicationScoped
public class EventRecorder {
    public static final String COMPONENT = "schemaguard-operator";
    private static final Logger LOG = Logger.getLogger(EventRecorder.class);
    private static final int MAX_MESSAGE = 1024;

    public enum Type {
        Normal,
        Warning
    }

    /** What to record; {@code reason} is a short UpperCamelCase word, as Kubernetes events use. */
    public record Event(Type type, String reason, String message) {
        public static Event normal(String reason, String message) {
            return new Event(Type.Normal, reason, message);
        }

        public static Event warning(String reason, String message) {
            return new Event(Type.Warning, reason, message);
        }
    }

    @Inject
    KubernetesClient client;

    @Inject
    Clock clock;

    public void record(HasMetadata regarding, Event event) {
        String message = event.message().length() > MAX_MESSAGE
                ? event.message().substring(0, MAX_MESSAGE - 3) + "..."
                : event.message();
        String now = clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
        var metadata = regarding.getMetadata();
        try {
            client.v1()
                    .events()
                    .inNamespace(metadata.getNamespace())
                    .resource(new EventBuilder()
                            .withNewMetadata()
                            .withName(metadata.getName() + "." + Long.toHexString(System.nanoTime()))
                            .withNamespace(metadata.getNamespace())
                            .endMetadata()
                            .withInvolvedObject(new ObjectReferenceBuilder()
                                    .withApiVersion(regarding.getApiVersion())
                                    .withKind(regarding.getKind())
                                    .withName(metadata.getName())
                                    .withNamespace(metadata.getNamespace())
                                    .withUid(metadata.getUid())
                                    .withResourceVersion(metadata.getResourceVersion())
                                    .build())
                            .withType(event.type().name())
                            .withReason(event.reason())
                            .withMessage(message)
                            .withFirstTimestamp(now)
                            .withLastTimestamp(now)
                            .withCount(1)
                            .withNewSource()
                            .withComponent(COMPONENT)
                            .endSource()
                            .withReportingComponent("schemaguard.io/operator")
                            .withReportingInstance(System.getenv().getOrDefault("HOSTNAME", COMPONENT))
                            .build())
                    .create();
        } catch (KubernetesClientException e) {
            LOG.warnf(
                    "could not record event %s on %s/%s: %s",
                    event.reason(), metadata.getNamespace(), metadata.getName(), e.getMessage());
        }
    }
}
