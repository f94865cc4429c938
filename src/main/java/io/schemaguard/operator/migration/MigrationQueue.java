package io.schemaguard.operator.migration;

import io.schemaguard.api.DatabaseConnection;
import io.schemaguard.api.MigrationPhase;
import io.schemaguard.api.SafeMigration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * The per-database queue of SafeMigrations, as pure functions: migrations of one database run one
 * at a time, in the order they were created (the runner's advisory lock is the second guard).
 */
final class MigrationQueue {
    /** Phases in which a run may be changing its database. */
    static final Set<MigrationPhase> TOUCHING = Set.of(MigrationPhase.Migrating, MigrationPhase.Restoring);

    private MigrationQueue() {}

    /**
     * Another SafeMigration of {@code inNamespace} targets the same database as {@code m} and is
     * changing it, or waits to and came first.
     */
    static boolean databaseBusy(SafeMigration m, List<SafeMigration> inNamespace) {
        String key = databaseKey(m.getSpec().getDatabase());
        return inNamespace.stream()
                .filter(o -> !o.getMetadata().getUid().equals(m.getMetadata().getUid()))
                .filter(o -> o.getSpec() != null
                        && key.equals(databaseKey(o.getSpec().getDatabase())))
                .anyMatch(o -> {
                    var run = o.getStatus() == null ? null : o.getStatus().getCurrentRun();
                    if (run == null || run.getPhase() == null) {
                        return false;
                    }
                    return TOUCHING.contains(run.getPhase())
                            || (run.getPhase() == MigrationPhase.WaitingForDatabase && firstCome(o, m));
                });
    }

    /** {@code a} is ahead of {@code b}: created earlier, or at the same second with a smaller name. */
    static boolean firstCome(SafeMigration a, SafeMigration b) {
        Instant ta = Instant.parse(a.getMetadata().getCreationTimestamp());
        Instant tb = Instant.parse(b.getMetadata().getCreationTimestamp());
        return ta.isBefore(tb)
                || (ta.equals(tb)
                        && a.getMetadata().getName().compareTo(b.getMetadata().getName()) < 0);
    }

    /** What makes two connections the same database: the URI Secret's key, or host, port and name. */
    static String databaseKey(DatabaseConnection db) {
        if (db == null) {
            return "";
        }
        return db.getUriSecretRef() != null
                ? "secret:" + db.getUriSecretRef().getName() + "/"
                        + db.getUriSecretRef().getKey()
                : db.getHost() + ":" + db.getPort() + "/" + db.getName();
    }
}
