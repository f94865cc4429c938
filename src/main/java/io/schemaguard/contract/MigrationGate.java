package io.schemaguard.contract;

import io.schemaguard.api.Phase;
import java.time.Duration;
import java.time.Instant;

/**
 * The product's promise as one function: a migration may start only with a backup that succeeded,
 * was taken after this run began (so it reflects the database the run planned against), and is
 * younger than maxAge now.
 */
public final class MigrationGate {

    public enum Decision {
        /** The backup is good: the migration may start. */
        OPEN,
        /** The backup is not done yet. */
        WAIT,
        /** The backup failed: this run cannot migrate. */
        CLOSED,
        /** The backup succeeded but is too old, or predates the run: take a fresh one. */
        STALE
    }

    private MigrationGate() {}

    /**
     * @param backupPhase phase of the run's DatabaseBackup, null when it does not exist
     * @param backupCreated when that DatabaseBackup was created
     * @param backupCompleted when it completed (null until it did)
     * @param runStarted when this run (this generation) began
     */
    public static Decision decide(
            Phase backupPhase,
            Instant backupCreated,
            Instant backupCompleted,
            Instant runStarted,
            Duration maxAge,
            Instant now) {
        if (backupPhase == null || backupPhase == Phase.Pending || backupPhase == Phase.Running) {
            return Decision.WAIT;
        }
        if (backupPhase == Phase.Failed) {
            return Decision.CLOSED;
        }
        if (backupCreated == null || backupCompleted == null || backupCreated.isBefore(runStarted)) {
            return Decision.STALE;
        }
        return tooOld(backupCompleted, maxAge, now) ? Decision.STALE : Decision.OPEN;
    }

    /**
     * The freshness rule, for the operator's gate and the migrate Job's own check alike: a backup that
     * completed more than {@code maxAge} before {@code now} is too old to migrate after.
     */
    public static boolean tooOld(Instant backupCompleted, Duration maxAge, Instant now) {
        return Duration.between(backupCompleted, now).compareTo(maxAge) > 0;
    }
}
