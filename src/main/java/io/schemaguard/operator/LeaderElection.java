package io.schemaguard.operator;

import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Leader election on a Lease in the operator's namespace, so a second replica stands by. The
 * Quarkus Operator SDK applies it in the prod profile (not in dev mode or tests).
 *
 * <p>A leader that loses its Lease while running must stop at once, or two replicas would create
 * Jobs side by side. JOSDK 5.3.2 does that with {@code System.exit} from the stop-leading callback,
 * which also runs during a normal shutdown and then deadlocks inside the shutdown hooks (the pod
 * hangs until SIGKILL). Here the callback halts the JVM only when it is not already shutting down.
 */
public class LeaderElection {
    private static final Logger LOG = Logger.getLogger(LeaderElection.class);

    @Produces
    @Singleton
    LeaderElectionConfiguration leaderElection(
            @ConfigProperty(name = "schemaguard.leader-election.lease-name", defaultValue = "schemaguard-operator")
                    String leaseName) {
        // The full constructor: JOSDK's builder refuses exitOnStopLeading=false outside tests
        // (UnsupportedOperationException at startup). Namespace and identity null: the client's
        // namespace (KUBERNETES_NAMESPACE) and the pod name (HOSTNAME).
        return new LeaderElectionConfiguration(
                leaseName,
                null,
                LeaderElectionConfiguration.LEASE_DURATION_DEFAULT_VALUE,
                LeaderElectionConfiguration.RENEW_DEADLINE_DEFAULT_VALUE,
                LeaderElectionConfiguration.RETRY_PERIOD_DEFAULT_VALUE,
                null,
                new LeaderCallbacks(
                        () -> LOG.infof("leading on Lease %s", leaseName),
                        LeaderElection::stoppedLeading,
                        leader -> {}),
                false);
    }

    static void stoppedLeading() {
        if (jvmShuttingDown()) {
            LOG.info("released leadership while shutting down");
            return;
        }
        LOG.error("lost the leader-election Lease while running; halting so that only the new leader acts");
        Runtime.getRuntime().halt(1);
    }

    /** Registering a shutdown hook fails once shutdown has begun: the one reliable way to ask. */
    static boolean jvmShuttingDown() {
        Thread probe = new Thread(() -> {});
        try {
            Runtime.getRuntime().addShutdownHook(probe);
            Runtime.getRuntime().removeShutdownHook(probe);
            return false;
        } catch (IllegalStateException e) {
            return true;
        }
    }
}
