package io.schemaguard.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import org.junit.jupiter.api.Test;

/**
 * The leader-election settings are only built in the prod profile, so no mock-server test builds
 * them; the packaged operator once failed at startup here (JOSDK's builder refuses
 * exitOnStopLeading=false). OperatorRestartIT runs them for real.
 */
class LeaderElectionTest {
    @Test
    void theConfigurationBuildsAndLeavesStoppingToOurCallback() {
        LeaderElectionConfiguration c = new LeaderElection().leaderElection("schemaguard-operator");
        assertThat(c.getLeaseName()).isEqualTo("schemaguard-operator");
        assertThat(c.isExitOnStopLeading()).isFalse();
        assertThat(c.getLeaseNamespace()).isEmpty();
        assertThat(c.getIdentity()).isEmpty();
        assertThat(c.getLeaderCallbacks()).isPresent();
    }
}
