package io.schemaguard.kubectl.cli;

import io.fabric8.kubernetes.api.model.Condition;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.DatabaseRestore;
import io.schemaguard.api.Phase;
import io.schemaguard.kubectl.Times;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/** {@code --wait}: polls the resource and prints a line whenever its phase or message changes. */
final class Waiter {
    private Waiter() {}

    /** The Ready condition's message, else Reconciling's: what the operator last said about the resource. */
    static String message(Object resource) {
        List<Condition> conditions = resource instanceof DatabaseBackup b && b.getStatus() != null
                ? b.getStatus().getConditions()
                : resource instanceof DatabaseRestore r && r.getStatus() != null
                        ? r.getStatus().getConditions()
                        : List.of();
        for (String type : List.of("Ready", "Reconciling")) {
            for (Condition c : conditions == null ? List.<Condition>of() : conditions) {
                if (type.equals(c.getType())
                        && c.getMessage() != null
                        && !c.getMessage().isBlank()) {
                    return c.getMessage();
                }
            }
        }
        return "-";
    }

    static Phase phase(Object resource) {
        if (resource instanceof DatabaseBackup b) {
            return b.getStatus() == null ? null : b.getStatus().getPhase();
        }
        if (resource instanceof DatabaseRestore r) {
            return r.getStatus() == null ? null : r.getStatus().getPhase();
        }
        return null;
    }

    /** Waits until the phase is terminal (or {@code timeout}); exit code 0 when Succeeded, 1 otherwise. */
    static int await(String what, Supplier<Object> read, Duration timeout) {
        Instant start = Instant.now();
        String last = null;
        while (true) {
            Object r = read.get();
            if (r == null) {
                throw new UserError(what + " is gone (deleted while waiting)");
            }
            Phase p = phase(r);
            String line = (p == null ? "Pending" : p.name()) + ": " + message(r);
            if (!Objects.equals(line, last)) {
                System.out.println(
                        "[" + Times.format(Duration.between(start, Instant.now())) + "] " + what + " " + line);
                System.out.flush();
                last = line;
            }
            if (p != null && p.isTerminal()) {
                return p == Phase.Succeeded ? 0 : 1;
            }
            if (Duration.between(start, Instant.now()).compareTo(timeout) > 0) {
                throw new UserError("gave up waiting for " + what + " after " + Times.format(timeout) + " (it is still "
                        + (p == null ? "Pending" : p.name()) + ")");
            }
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new UserError("interrupted");
            }
        }
    }
}
