package io.schemaguard.operator.restore;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.DatabaseBackupStatus;
import io.schemaguard.api.DatabaseRestore;
import io.schemaguard.api.DatabaseRestoreStatus;
import io.schemaguard.api.Phase;
import io.schemaguard.api.RestoreMode;
import io.schemaguard.operator.kube.Action;
import io.schemaguard.operator.kube.Step;
import io.schemaguard.testing.Fixtures;
import io.schemaguard.testing.JobFixtures;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The restore's decision before and at its Job: the safety backup of a Replace comes first, the Job only after it. */
class RestoreStepTest {
    static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");

    static DatabaseRestore restore(boolean replace) {
        DatabaseRestore r = RestorePlanAndJobTest.restore();
        r.getMetadata().setGeneration(1L);
        if (replace) {
            r.getSpec().setMode(RestoreMode.Replace);
            r.getSpec().setConfirm("shop");
        }
        return r;
    }

    static DatabaseBackup safety(DatabaseRestore r, Phase phase) {
        DatabaseBackup b = RestorePlan.safetyBackup(r, new RestorePlan.Source(null, "x"));
        if (phase != null) {
            DatabaseBackupStatus s = new DatabaseBackupStatus();
            s.setPhase(phase);
            b.setStatus(s);
        }
        return b;
    }

    static Step<DatabaseRestoreStatus> step(DatabaseRestore r, List<DatabaseBackup> related, Job job) {
        return RestorePlan.step(r, related, job, List.of(), Fixtures.noDefaultStorage(), Fixtures.runner(), NOW);
    }

    static List<String> created(Step<?> step) {
        return step.actions().stream()
                .map(a -> ((Action.Create) a).resource())
                .map(h -> h.getKind() + "/" + h.getMetadata().getName())
                .toList();
    }

    @ParameterizedTest(name = "replace={0}, safety backup {1}, job exists={2}: {3} {4}, creates [{5}]")
    @CsvSource(
            delimiter = '|',
            value = {
                // mode    | safety    | job   | phase   | ready reason        | creates
                "false     | absent    | false | Pending | JobPending          | Job/bring-orders-back-restore",
                "true      | absent    | false | Pending | TakingSafetyBackup  | DatabaseBackup/bring-orders-back-safety",
                "true      | Running   | false | Pending | TakingSafetyBackup  | ''",
                "true      | Failed    | false | Failed  | SafetyBackupFailed  | ''",
                "true      | Succeeded | false | Pending | JobPending          | Job/bring-orders-back-restore",
                // once the Job exists the safety backup is history: its later state does not matter
                "true      | Failed    | true  | Pending | JobPending          | ''",
            })
    void theSafetyBackupGoesFirst(
            boolean replace, String safety, boolean jobExists, Phase phase, String reason, String creates) {
        DatabaseRestore r = restore(replace);
        List<DatabaseBackup> related = new ArrayList<>(List.of(RestorePlanAndJobTest.backup(Phase.Succeeded)));
        if (!safety.equals("absent")) {
            related.add(safety(r, Phase.valueOf(safety)));
        }
        Job job = jobExists ? JobFixtures.active(RestoreJobFactory.jobName(r)) : null;
        var step = step(r, related, job);
        assertThat(step.status().getPhase()).isEqualTo(phase);
        assertThat(step.status().getConditions())
                .filteredOn(c -> c.getType().equals("Ready"))
                .extracting(c -> c.getReason())
                .containsExactly(reason);
        assertThat(created(step)).isEqualTo(creates.isEmpty() ? List.of() : List.of(creates));
        assertThat(step.status().getSafetyBackup()).isEqualTo(replace ? "bring-orders-back-safety" : null);
    }

    @ParameterizedTest(name = "a finished restore ({0}) creates nothing and records the generation")
    @CsvSource({"Succeeded", "Failed"})
    void aFinishedRestoreOnlyRecordsTheGeneration(Phase phase) {
        DatabaseRestore r = restore(true);
        r.getMetadata().setGeneration(3L);
        DatabaseRestoreStatus done = new DatabaseRestoreStatus();
        done.setPhase(phase);
        done.setObservedGeneration(1L);
        r.setStatus(done);
        var step = step(r, List.of(), null);
        assertThat(step.actions()).isEmpty();
        assertThat(step.events()).isEmpty();
        assertThat(step.status().getObservedGeneration()).isEqualTo(3L);
        assertThat(r.getStatus().getObservedGeneration())
                .as("the resource's own status is untouched")
                .isEqualTo(1L);
    }
}
