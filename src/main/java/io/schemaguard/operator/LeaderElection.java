package io.schemaguard.operator;

import jakarta.inject.Singleton;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;

/**
 * Leader election on a Lease in the operator's namespace, so a second replica stands by. The
 * Quarkus Operator SDK only applies it in the prod profile (not in dev mode or tests).
 */
@Singleton
public class LeaderElection extends LeaderElectionConfiguration {
    public static final String LEASE_NAME = "schemaguard-operator";

    public LeaderElection() {
        super(LEASE_NAME);
    }
}
