package io.schemaguard.operator.jobs;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import java.util.List;
import java.util.Set;

/**
 * What every reconciler that runs a runner Job shares: informers on its Jobs (mapped to the owner by
 * owner reference) and their pods (mapped by annotation, since resource names can be longer than a
 * label value), and finding a Job and its pods. Creating them is {@link io.schemaguard.operator.kube.Applier}'s.
 */
public final class RunnerJobs {
    public static final String JOBS = "jobs";
    public static final String PODS = "pods";

    private RunnerJobs() {}

    public static <P extends HasMetadata> InformerEventSource<Job, P> jobInformer(
            EventSourceContext<P> context, String component, String ownerKind) {
        return jobInformer(context, Labels.selector(component, ownerKind));
    }

    public static <P extends HasMetadata> InformerEventSource<Job, P> jobInformer(
            EventSourceContext<P> context, String labelSelector) {
        return new InformerEventSource<>(
                InformerEventSourceConfiguration.from(Job.class, context.getPrimaryResourceClass())
                        .withName(JOBS)
                        .withLabelSelector(labelSelector)
                        .withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(context.getPrimaryResourceClass()))
                        .build(),
                context);
    }

    public static <P extends HasMetadata> InformerEventSource<Pod, P> podInformer(
            EventSourceContext<P> context, String component, String ownerKind) {
        return podInformer(context, Labels.selector(component, ownerKind));
    }

    public static <P extends HasMetadata> InformerEventSource<Pod, P> podInformer(
            EventSourceContext<P> context, String labelSelector) {
        return new InformerEventSource<>(
                InformerEventSourceConfiguration.from(Pod.class, context.getPrimaryResourceClass())
                        .withName(PODS)
                        .withLabelSelector(labelSelector)
                        .withSecondaryToPrimaryMapper(RunnerJobs::ownerOfPod)
                        .build(),
                context);
    }

    public static Set<ResourceID> ownerOfPod(HasMetadata pod) {
        String owner = pod.getMetadata().getAnnotations() == null
                ? null
                : pod.getMetadata().getAnnotations().get(Labels.OWNER_NAME_ANNOTATION);
        return owner == null
                ? Set.of()
                : Set.of(new ResourceID(owner, pod.getMetadata().getNamespace()));
    }

    public static <P extends HasMetadata> Job existingJob(Context<P> context) {
        return context.getSecondaryResource(Job.class, JOBS).orElse(null);
    }

    /** For resources that run several Jobs: the one named {@code name}, if it exists. */
    public static <P extends HasMetadata> Job job(Context<P> context, String name) {
        return context.getSecondaryResourcesAsStream(Job.class)
                .filter(j -> name.equals(j.getMetadata().getName()))
                .findFirst()
                .orElse(null);
    }

    /** The pods the Job controller created for {@code jobName}, as the pod informer sees them. */
    public static <P extends HasMetadata> List<Pod> podsOf(Context<P> context, String jobName) {
        return context.getSecondaryResourcesAsStream(Pod.class)
                .filter(p -> jobName.equals(p.getMetadata().getLabels().get("job-name"))
                        || jobName.equals(p.getMetadata().getLabels().get("batch.kubernetes.io/job-name")))
                .toList();
    }
}
