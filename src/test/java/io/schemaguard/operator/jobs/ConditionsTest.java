package io.schemaguard.operator.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ConditionsTest {
    private static final String T0 = "2026-12-02T04:00:00Z";
    private static final String T1 = "2026-12-02T04:05:00Z";

    static Stream<Arguments> outcomes() {
        // outcome -> Ready, Reconciling, Stalled status; which ones carry the message
        return Stream.of(
                Arguments.of(
                        Outcome.reconciling("BackupRunning", "pg_dump running"),
                        "False",
                        "True",
                        "False",
                        List.of("Ready", "Reconciling")),
                Arguments.of(
                        Outcome.ready("BackupSucceeded", "stored 1 MiB"), "True", "False", "False", List.of("Ready")),
                Arguments.of(
                        Outcome.stalled("StorageAccessDenied", "403 from the bucket"),
                        "False",
                        "False",
                        "True",
                        List.of("Ready", "Stalled")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("outcomes")
    void oneOutcomeSetsTheThreeKstatusConditions(
            Outcome outcome, String ready, String reconciling, String stalled, List<String> withMessage) {
        List<Condition> c = Conditions.of(List.of(), outcome, 3, T0);

        assertThat(c).extracting(Condition::getType).containsExactly("Ready", "Reconciling", "Stalled");
        assertThat(c).extracting(Condition::getStatus).containsExactly(ready, reconciling, stalled);
        assertThat(c).allSatisfy(x -> {
            assertThat(x.getReason()).isEqualTo(outcome.reason());
            assertThat(x.getObservedGeneration()).isEqualTo(3L);
            assertThat(x.getMessage()).isEqualTo(withMessage.contains(x.getType()) ? outcome.message() : "");
        });
    }

    @Test
    void aTransitionTimeMovesOnlyWhenTheStatusChanges() {
        List<Condition> running = Conditions.of(List.of(), Outcome.reconciling("JobPending", "waiting"), 1, T0);
        List<Condition> stillRunning = Conditions.of(running, Outcome.reconciling("BackupRunning", "running"), 1, T1);
        List<Condition> done = Conditions.of(stillRunning, Outcome.ready("BackupSucceeded", "stored"), 1, T1);

        assertThat(Conditions.find(stillRunning, "Reconciling").getLastTransitionTime())
                .isEqualTo(T0);
        assertThat(Conditions.find(stillRunning, "Reconciling").getReason()).isEqualTo("BackupRunning");
        assertThat(Conditions.find(done, "Reconciling").getLastTransitionTime()).isEqualTo(T1);
        assertThat(Conditions.find(done, "Ready").getLastTransitionTime()).isEqualTo(T1);
        assertThat(Conditions.find(done, "Stalled").getLastTransitionTime()).isEqualTo(T0);
    }

    @Test
    void stepConditionsStayAndTheRetiredTypesGo() {
        List<Condition> old = List.of(
                new ConditionBuilder()
                        .withType("Progressing")
                        .withStatus("True")
                        .withReason("BackupRunning")
                        .build(),
                new ConditionBuilder()
                        .withType("Failed")
                        .withStatus("False")
                        .withReason("NotFailed")
                        .build(),
                new ConditionBuilder()
                        .withType("Deleted")
                        .withStatus("False")
                        .withReason("Pending")
                        .build());

        List<Condition> c = Conditions.of(old, Outcome.stalled("BackupFailed", "exit 3"), 2, T0);

        assertThat(c).extracting(Condition::getType).containsExactly("Ready", "Reconciling", "Stalled", "Deleted");
        assertThat(Conditions.readyReason(c)).isEqualTo("BackupFailed");
    }
}
