package io.schemaguard.migration;

import java.util.Collection;
import java.util.List;
import java.util.Set;

import io.schemaguard.migration.lint.Finding;

/**
 * Which findings block a run: a destructive finding does, unless data loss is allowed for the run
 * or its exact statement (by hash) was approved. Non-destructive findings never block.
 */
public final class Approvals {
    private Approvals() {
    }

    public record Judged(Finding finding, boolean approved) {
        public boolean blocks() {
            return finding.destructive() && !approved;
        }
    }

    public static List<Judged> judge(List<Finding> findings, boolean allowDataLoss, Collection<String> approvedHashes) {
        Set<String> approved = Set.copyOf(approvedHashes == null ? List.of() : approvedHashes);
        return findings.stream()
                .map(f -> new Judged(f, f.destructive() && (allowDataLoss || approved.contains(f.statementHash()))))
                .toList();
    }

    public static long blocking(List<Judged> judged) {
        return judged.stream().filter(Judged::blocks).count();
    }
}
