package io.schemaguard.runner.migration;

import io.schemaguard.runner.migration.lint.Finding;
import io.schemaguard.runner.migration.lint.Finding.Severity;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Which findings block a run: a data-loss finding does, and a lock hazard does when the run asks for
 * it ({@code lockHazards: Block}), unless its exact statement (by hash) was approved; data loss is
 * also let through by {@code allowDataLoss}. Notes never block.
 */
public final class Approvals {
    private Approvals() {}

    /** A finding as judged for one run: whether it would block, and whether it was approved. */
    public record Judged(Finding finding, boolean blocking, boolean approved) {
        public boolean blocks() {
            return blocking && !approved;
        }
    }

    public static List<Judged> judge(List<Finding> findings, boolean allowDataLoss, Collection<String> approvedHashes) {
        return judge(findings, allowDataLoss, approvedHashes, false);
    }

    public static List<Judged> judge(
            List<Finding> findings,
            boolean allowDataLoss,
            Collection<String> approvedHashes,
            boolean blockLockHazards) {
        Set<String> approved = Set.copyOf(approvedHashes == null ? List.of() : approvedHashes);
        return findings.stream()
                .map(f -> {
                    boolean dataLoss = f.severity() == Severity.DATA_LOSS;
                    boolean blocking = dataLoss || (blockLockHazards && f.severity() == Severity.HAZARD);
                    boolean ok = blocking && ((dataLoss && allowDataLoss) || approved.contains(f.statementHash()));
                    return new Judged(f, blocking, ok);
                })
                .toList();
    }

    public static long blocking(List<Judged> judged) {
        return judged.stream().filter(Judged::blocks).count();
    }
}
