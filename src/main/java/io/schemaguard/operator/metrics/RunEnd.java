package io.schemaguard.operator.metrics;

import java.util.Objects;

/**
 * What a resource's status says about its run, reduced to what decides whether a run just ended:
 * which run it is (a SafeMigration's generation; a restore has one run) and its phase, or null
 * where there is no status yet.
 */
public record RunEnd(String run, String phase, boolean terminal) {

    public static final RunEnd NONE = new RunEnd(null, null, false);

    /**
     * Whether the pass from {@code before} to {@code after} ended a run, so that it is counted once:
     * the new status is terminal, and the old one was not this same run already ended. A resync, a
     * restart of the operator (its first pass reads the ended status back) and a pass that only
     * updates a message all see the run already ended and count nothing.
     */
    public static boolean finished(RunEnd before, RunEnd after) {
        if (after == null || !after.terminal()) {
            return false;
        }
        return before == null || !before.terminal() || !Objects.equals(before.run(), after.run());
    }
}
