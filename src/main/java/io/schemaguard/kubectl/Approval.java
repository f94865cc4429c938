package io.schemaguard.kubectl;

import io.schemaguard.api.SafeMigration;
import io.schemaguard.api.SafeMigrationSpec.LockHazards;
import io.schemaguard.api.SafeMigrationStatus.FindingStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What {@code approve} may offer, and what it writes: the decisions, without the prompts or the client. */
public final class Approval {
    private Approval() {}

    /**
     * Why approving now would be wrong, or empty when it is fine: the findings in status must be the
     * current generation's, or a hash approved now may be a statement the spec no longer has (or miss a new one).
     */
    public static Optional<String> refusal(SafeMigration m) {
        Long generation = m.getMetadata().getGeneration();
        Long observed = m.getStatus() == null ? null : m.getStatus().getObservedGeneration();
        Long runOf = m.getStatus() == null || m.getStatus().getCurrentRun() == null
                ? null
                : m.getStatus().getCurrentRun().getGeneration();
        if (observed == null || runOf == null) {
            return Optional.of("SafeMigration " + m.getMetadata().getName()
                    + " has not been planned yet: no findings to approve (kubectl schemaguard status "
                    + m.getMetadata().getName() + ")");
        }
        if (!observed.equals(generation) || !runOf.equals(generation)) {
            return Optional.of(
                    "the findings of SafeMigration " + m.getMetadata().getName() + " belong to generation "
                            + runOf + " but the spec is at generation " + generation
                            + ": wait until the operator has planned it, then approve again");
        }
        return Optional.empty();
    }

    /**
     * The statements that hold the run and an approval would release, one per hash (a statement met twice
     * has one hash): unapproved DataLoss findings, and Hazard findings when {@code lockHazards: Block}.
     */
    public static List<FindingStatus> blocking(SafeMigration m) {
        var run = m.getStatus() == null ? null : m.getStatus().getCurrentRun();
        if (run == null || run.getFindings() == null) {
            return List.of();
        }
        boolean hazardsBlock =
                m.getSpec().getSafety() != null && m.getSpec().getSafety().getLockHazards() == LockHazards.Block;
        Map<String, FindingStatus> byHash = new LinkedHashMap<>();
        for (FindingStatus f : run.getFindings()) {
            if (Boolean.TRUE.equals(f.getApproved()) || f.getStatementHash() == null) {
                continue;
            }
            boolean blocks = f.getSeverity() == FindingStatus.Severity.DataLoss
                    || (hazardsBlock && f.getSeverity() == FindingStatus.Severity.Hazard);
            if (blocks) {
                byHash.putIfAbsent(f.getStatementHash(), f);
            }
        }
        return new ArrayList<>(byHash.values());
    }

    /** {@code existing} plus {@code approved}, each hash once, in the order first seen (a stable diff). */
    public static List<String> merge(List<String> existing, List<String> approved) {
        LinkedHashSet<String> all = new LinkedHashSet<>(existing == null ? List.of() : existing);
        all.addAll(approved);
        return new ArrayList<>(all);
    }
}
