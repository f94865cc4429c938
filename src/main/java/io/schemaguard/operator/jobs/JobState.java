package io.schemaguard.operator.jobs;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.schemaguard.contract.RunnerResult;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * A read-only view of a runner Job and its pods, answering the questions status aggregation asks:
 * did it finish, how did the last attempt end, is a pod stuck before starting (missing Secret, bad
 * image)? The runner's result comes from the pod's termination message.
 */
public record JobState(Job job, List<Pod> pods) {

    /** A pod that cannot start its container, and why (kubelet's reason and message). */
    public record StuckPod(String podName, String reason, String message) {
        /** The condition reason users see: a missing Secret is the common case and gets its own. */
        public String conditionReason() {
            if (reason.equals("CreateContainerConfigError")
                    && message.toLowerCase().contains("secret")) {
                return "SecretNotFound";
            }
            return reason.contains("Image") ? "ImageUnavailable" : "PodConfigError";
        }

        public String describe() {
            return "pod " + podName + " cannot start: " + message;
        }
    }

    /** Why a failed Job failed: the runner's own reason when its last pod left one, else the Job's. */
    public record Failure(String reason, String message) {}

    private static final List<String> STUCK_REASONS = List.of(
            "CreateContainerConfigError",
            "CreateContainerError",
            "ImagePullBackOff",
            "ErrImagePull",
            "InvalidImageName",
            "ErrImageNeverPull");

    public JobState {
        pods = pods == null
                ? List.of()
                : pods.stream().sorted(Comparator.comparing(JobState::creation)).toList();
    }

    public boolean complete() {
        return hasCondition("Complete");
    }

    public boolean failed() {
        return hasCondition("Failed");
    }

    /**
     * How long the Job's failure still waits for its failed pod to reach the informer: the Job
     * controller can mark a Job Failed before our pod cache shows the pod it counted, and a reason read
     * then would be the Job's (BackoffLimitExceeded) instead of the runner's. Empty when the failure
     * can be told now: every failed attempt's pod is visible, or {@link #FAILED_POD_GRACE} has passed
     * since the Job failed (a pod deleted by someone never shows).
     */
    public Optional<Duration> failedPodPending(Instant now) {
        if (!failed() || visibleFailedPods() >= failedAttempts()) {
            return Optional.empty();
        }
        Optional<Instant> since =
                failedCondition().map(JobCondition::getLastTransitionTime).flatMap(JobState::instant);
        if (since.isEmpty()) {
            return Optional.empty();
        }
        Duration left = FAILED_POD_GRACE.minus(Duration.between(since.get(), now));
        // capped: an operator clock behind the API server's must not stretch the wait
        return left.isNegative() || left.isZero()
                ? Optional.empty()
                : Optional.of(left.compareTo(FAILED_POD_GRACE) > 0 ? FAILED_POD_GRACE : left);
    }

    /** The Job failed and why can be told now (see {@link #failedPodPending}). */
    public boolean failureKnown(Instant now) {
        return failed() && failedPodPending(now).isEmpty();
    }

    /** How long a failed Job waits for its failed pod to show in the cache before its own reason is used. */
    public static final Duration FAILED_POD_GRACE = Duration.ofSeconds(10);

    /** The soonest of these Jobs' {@link #failedPodPending} waits; null Jobs are skipped. */
    public static Optional<Duration> soonestPending(Instant now, JobState... states) {
        Optional<Duration> soonest = Optional.empty();
        for (JobState s : states) {
            if (s == null) {
                continue;
            }
            Optional<Duration> wait = s.failedPodPending(now);
            if (wait.isPresent() && (soonest.isEmpty() || wait.get().compareTo(soonest.get()) < 0)) {
                soonest = wait;
            }
        }
        return soonest;
    }

    private long visibleFailedPods() {
        return pods.stream().filter(p -> "Failed".equals(phase(p))).count();
    }

    private static Optional<Instant> instant(String time) {
        try {
            return time == null ? Optional.empty() : Optional.of(Instant.parse(time));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    public Optional<JobCondition> failedCondition() {
        return condition("Failed");
    }

    public int failedAttempts() {
        Integer f =
                job == null || job.getStatus() == null ? null : job.getStatus().getFailed();
        return f == null ? 0 : f;
    }

    public Optional<String> startTime() {
        return job == null || job.getStatus() == null
                ? Optional.empty()
                : Optional.ofNullable(job.getStatus().getStartTime());
    }

    public Optional<String> completionTime() {
        return job == null || job.getStatus() == null
                ? Optional.empty()
                : Optional.ofNullable(job.getStatus().getCompletionTime());
    }

    public Optional<Pod> succeededPod() {
        return pods.stream().filter(p -> "Succeeded".equals(phase(p))).reduce((a, b) -> b);
    }

    public Optional<Pod> lastFailedPod() {
        return pods.stream().filter(p -> "Failed".equals(phase(p))).reduce((a, b) -> b);
    }

    public Optional<Pod> runningPod() {
        return pods.stream().filter(p -> "Running".equals(phase(p))).reduce((a, b) -> b);
    }

    public Optional<StuckPod> stuckPod() {
        for (Pod p : pods) {
            for (ContainerStatus cs : containerStatuses(p)) {
                ContainerStateWaiting w =
                        cs.getState() == null ? null : cs.getState().getWaiting();
                if (w != null && STUCK_REASONS.contains(w.getReason())) {
                    return Optional.of(new StuckPod(
                            p.getMetadata().getName(),
                            w.getReason(),
                            w.getMessage() == null ? w.getReason() : w.getMessage()));
                }
            }
        }
        return Optional.empty();
    }

    /** Why the Job failed; only meaningful when {@link #failed()}. */
    public Failure failure() {
        Optional<Pod> lastFailed = lastFailedPod();
        Optional<String> oom = lastFailed.flatMap(JobState::oomKilled);
        if (oom.isPresent()) {
            return new Failure(OOM_KILLED, oom.get());
        }
        Optional<RunnerResult> result = lastFailed.flatMap(JobState::result);
        if (result.isPresent() && !result.get().succeeded()) {
            return new Failure(result.get().reason(), result.get().message());
        }
        JobCondition c = failedCondition().orElse(null);
        String reason = c == null || c.getReason() == null ? "JobFailed" : c.getReason();
        String message = (c == null || c.getMessage() == null ? "the Job failed" : c.getMessage())
                + lastFailed
                        .flatMap(JobState::terminationMessage)
                        .map(m -> "; last output: " + m)
                        .orElse("");
        return new Failure(reason, message);
    }

    /** What went wrong in the newest failed attempt, for an Event; empty when no attempt failed since {@code before}. */
    public Optional<String> newFailedAttempt(int before) {
        if (failedAttempts() <= before) {
            return Optional.empty();
        }
        Optional<Pod> pod = lastFailedPod();
        String detail = pod.flatMap(JobState::oomKilled)
                .map(m -> OOM_KILLED + ": " + m)
                .or(() -> pod.flatMap(JobState::result)
                        .filter(r -> !r.succeeded())
                        .map(r -> r.reason() + ": " + r.message()))
                .or(() -> pod.flatMap(JobState::terminationMessage))
                .orElse("the pod failed without a result");
        return Optional.of("attempt " + failedAttempts() + " failed: " + detail);
    }

    /** The reason of a runner the kernel killed for going over its memory limit (the kubelet's, kept as is). */
    public static final String OOM_KILLED = "OOMKilled";

    /**
     * Why the runner was killed for memory, with its limit and what to change, when it was: it leaves no
     * result of its own (SIGKILL), and the log tail it leaves instead does not say.
     */
    public static Optional<String> oomKilled(Pod pod) {
        Optional<ContainerStateTerminated> t = terminated(pod).filter(s -> OOM_KILLED.equals(s.getReason()));
        if (t.isEmpty()) {
            return Optional.empty();
        }
        String limit = pod.getSpec() == null || pod.getSpec().getContainers() == null
                ? null
                : pod.getSpec().getContainers().stream()
                        .filter(c -> RunnerPods.CONTAINER.equals(c.getName()))
                        .map(c -> c.getResources() == null || c.getResources().getLimits() == null
                                ? null
                                : c.getResources().getLimits().get("memory"))
                        .filter(q -> q != null)
                        .map(Object::toString)
                        .findFirst()
                        .orElse(null);
        return Optional.of(
                "the runner in pod " + pod.getMetadata().getName() + " was killed for using more memory than its limit"
                        + (limit == null ? "" : " of " + limit) + " (exit code "
                        + t.get().getExitCode()
                        + "); raise the runner's memory limit (Helm value runner.resources.limits.memory,"
                        + " SCHEMAGUARD_RUNNER_MEMORY_LIMIT)");
    }

    /** The runner's result left in the pod's termination message, if it left one. */
    public static Optional<RunnerResult> result(Pod pod) {
        return terminated(pod).map(ContainerStateTerminated::getMessage).map(RunnerResult::parse);
    }

    /** The raw termination message (our JSON, or the log tail when the runner crashed). */
    public static Optional<String> terminationMessage(Pod pod) {
        return terminated(pod).map(ContainerStateTerminated::getMessage).filter(m -> !m.isBlank());
    }

    public static Optional<Integer> exitCode(Pod pod) {
        return terminated(pod).map(ContainerStateTerminated::getExitCode);
    }

    private static Optional<ContainerStateTerminated> terminated(Pod pod) {
        return containerStatuses(pod).stream()
                .filter(cs -> RunnerPods.CONTAINER.equals(cs.getName()))
                .map(cs -> cs.getState() == null ? null : cs.getState().getTerminated())
                .filter(t -> t != null)
                .findFirst();
    }

    private static List<ContainerStatus> containerStatuses(Pod p) {
        return p.getStatus() == null || p.getStatus().getContainerStatuses() == null
                ? List.of()
                : p.getStatus().getContainerStatuses();
    }

    private static String phase(Pod p) {
        return p.getStatus() == null ? null : p.getStatus().getPhase();
    }

    private static String creation(Pod p) {
        String t = p.getMetadata().getCreationTimestamp();
        return (t == null ? "" : t) + p.getMetadata().getName();
    }

    private boolean hasCondition(String type) {
        return condition(type).isPresent();
    }

    private Optional<JobCondition> condition(String type) {
        if (job == null || job.getStatus() == null || job.getStatus().getConditions() == null) {
            return Optional.empty();
        }
        return job.getStatus().getConditions().stream()
                .filter(c -> type.equals(c.getType()) && "True".equals(c.getStatus()))
                .findFirst();
    }
}
