package io.schemaguard.operator;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Writes Kubernetes Events about our resources ({@code kubectl describe} and {@code kubectl events}
 * show them). Recording is best effort: a failure to record never fails a reconciliation, and the
 * write happens after the reconcile that recorded it has moved on.
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

    /** Events waiting to be written; past this many (the API server far behind), new ones are dropped with a log line. */
    static final int QUEUE = 10_000;

    private final ThreadPoolExecutor writer =
            new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(QUEUE), r -> {
                Thread t = new Thread(r, "event-recorder");
                t.setDaemon(true);
                return t;
            });

    /**
     * Builds the Event now (from the resource as it is at this moment) and writes it from one background
     * thread, in order: a reconcile does not wait for a write that nothing it does depends on.
     */
    public void record(HasMetadata regarding, Event event) {
        String message = event.message().length() > MAX_MESSAGE
                ? event.message().substring(0, MAX_MESSAGE - 3) + "..."
                : event.message();
        String now = clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
        var metadata = regarding.getMetadata();
        io.fabric8.kubernetes.api.model.Event written = new EventBuilder()
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
                .build();
        String ns = metadata.getNamespace();
        String name = metadata.getName();
        try {
            writer.execute(() -> write(written, ns, name, event.reason()));
        } catch (RejectedExecutionException e) {
            LOG.warnf(
                    "dropped event %s on %s/%s: %d events are waiting to be written", event.reason(), ns, name, QUEUE);
        }
    }

    private void write(io.fabric8.kubernetes.api.model.Event written, String ns, String name, String reason) {
        try {
            client.v1().events().inNamespace(ns).resource(written).create();
        } catch (KubernetesClientException e) {
            LOG.warnf("could not record event %s on %s/%s: %s", reason, ns, name, e.getMessage());
        } catch (RuntimeException e) {
            LOG.warnf(e, "could not record event %s on %s/%s", reason, ns, name);
        }
    }

    /** On shutdown, what is queued is written for a few seconds more, so the last Events are not lost. */
    @PreDestroy
    void flush() {
        writer.shutdown();
        try {
            if (!writer.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.warnf(
                        "%d events were not written before shutdown",
                        writer.shutdownNow().size());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
