package io.schemaguard.kubectl;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.schemaguard.api.DatabaseBackup;
import io.schemaguard.api.DatabaseBackupStatus;
import io.schemaguard.api.MigrationPhase;
import io.schemaguard.api.Phase;
import io.schemaguard.api.SafeMigration;
import io.schemaguard.api.SafeMigrationSpec.LockHazards;
import io.schemaguard.api.SafeMigrationStatus;
import io.schemaguard.api.SafeMigrationStatus.FindingStatus;
import io.schemaguard.api.SafeMigrationStatus.FindingStatus.Severity;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The plugin's decisions and renderings, table by table, without a cluster. */
class KubectlDecisionsTest {
    static final String H1 = "a".repeat(64);
    static final String H2 = "b".repeat(64);
    static final String H3 = "c".repeat(64);
    static final Instant NOW = Instant.parse("2026-12-02T12:00:00Z");

    static FindingStatus finding(String hash, Severity severity, Boolean approved) {
        FindingStatus f = new FindingStatus();
        f.setFile("20241201000000_drop/migration.sql");
        f.setLine(2);
        f.setRule("drop-table");
        f.setSeverity(severity);
        f.setApproved(approved);
        f.setStatementHash(hash);
        f.setMessage("DROP TABLE removes orders");
        return f;
    }

    static SafeMigration migration(long generation, Long observed, Long runOf, FindingStatus... findings) {
        SafeMigration m = new SafeMigration();
        m.setMetadata(new ObjectMetaBuilder()
                .withName("drop-orders")
                .withNamespace("shop")
                .withGeneration(generation)
                .build());
        SafeMigrationStatus s = new SafeMigrationStatus();
        s.setObservedGeneration(observed);
        if (runOf != null) {
            var run = new SafeMigrationStatus.MigrationRun();
            run.setGeneration(runOf);
            run.setFindings(List.of(findings));
            s.setCurrentRun(run);
        }
        m.setStatus(s);
        return m;
    }

    static Stream<Arguments> generations() {
        return Stream.of(
                Arguments.of(1L, 1L, 1L, null),
                Arguments.of(2L, 1L, 1L, "belong to generation 1 but the spec is at generation 2"),
                Arguments.of(2L, 2L, 1L, "belong to generation 1 but the spec is at generation 2"),
                Arguments.of(1L, null, null, "has not been planned yet"));
    }

    @ParameterizedTest(name = "generation {0}, observed {1}, findings of {2}")
    @MethodSource("generations")
    void approvingIsRefusedWhenTheFindingsAreOfAnotherGeneration(long gen, Long observed, Long runOf, String refusal) {
        var r = Approval.refusal(migration(gen, observed, runOf));
        if (refusal == null) {
            assertThat(r).isEmpty();
        } else {
            assertThat(r).get().asString().contains(refusal);
        }
    }

    static Stream<Arguments> selections() {
        return Stream.of(
                Arguments.of(LockHazards.Warn, List.of(finding(H1, Severity.DataLoss, false)), List.of(H1)),
                Arguments.of(LockHazards.Warn, List.of(finding(H1, Severity.DataLoss, true)), List.of()),
                Arguments.of(
                        LockHazards.Warn,
                        List.of(finding(H1, Severity.DataLoss, false), finding(H1, Severity.DataLoss, false)),
                        List.of(H1)),
                Arguments.of(LockHazards.Warn, List.of(finding(H2, Severity.Hazard, false)), List.of()),
                Arguments.of(LockHazards.Block, List.of(finding(H2, Severity.Hazard, false)), List.of(H2)),
                Arguments.of(LockHazards.Block, List.of(finding(H3, Severity.Note, false)), List.of()),
                Arguments.of(LockHazards.Warn, List.of(finding(null, Severity.DataLoss, false)), List.of()),
                Arguments.of(
                        LockHazards.Warn,
                        List.of(finding(H2, Severity.DataLoss, null), finding(H1, Severity.DataLoss, false)),
                        List.of(H2, H1)));
    }

    @ParameterizedTest(name = "[{index}] lockHazards {0}")
    @MethodSource("selections")
    void approveOffersTheUnapprovedBlockingStatementsOncePerHash(
            LockHazards hazards, List<FindingStatus> findings, List<String> offered) {
        SafeMigration m = migration(1, 1L, 1L, findings.toArray(FindingStatus[]::new));
        m.getSpec().getSafety().setLockHazards(hazards);
        assertThat(Approval.blocking(m).stream().map(FindingStatus::getStatementHash))
                .containsExactlyElementsOf(offered);
    }

    @Test
    void approvingMergesHashesWithoutDuplicatesInTheOrderSeen() {
        assertThat(Approval.merge(List.of(H2), List.of(H1, H2))).containsExactly(H2, H1);
        assertThat(Approval.merge(null, List.of(H1))).containsExactly(H1);
    }

    static Stream<Arguments> errors() {
        return Stream.of(
                Arguments.of(404, "the server could not find the requested resource", null, "CRDs are not installed"),
                Arguments.of(
                        404,
                        "safemigrations.schemaguard.io \"x\" not found",
                        "x",
                        "safemigrations \"x\" not found in namespace shop"),
                Arguments.of(
                        403,
                        "safemigrations.schemaguard.io is forbidden: User \"system:serviceaccount:shop:viewer\""
                                + " cannot list resource \"safemigrations\" in API group \"schemaguard.io\"",
                        null,
                        "forbidden: safemigrations.schemaguard.io is forbidden: User \"system:serviceaccount:shop:viewer\""
                                + " cannot list resource \"safemigrations\""),
                Arguments.of(0, "Connection refused", null, "cannot reach the API server: Connection refused"),
                Arguments.of(-1, "Connection refused", null, "cannot reach the API server: Connection refused"),
                Arguments.of(401, "Unauthorized", null, "unauthorized"));
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("errors")
    void apiErrorsBecomeOneLineThatSaysWhatIsWrong(int code, String message, String name, String expected) {
        String line = ErrorMessages.of(code, message, name, "safemigrations", "shop");
        assertThat(line).contains(expected).doesNotContain("\n");
    }

    static SafeMigration blockedRun() {
        SafeMigration m = migration(1, 1L, 1L, finding(H1, Severity.DataLoss, false));
        m.getMetadata().setCreationTimestamp("2026-12-02T11:58:00Z");
        m.getStatus().setPhase(MigrationPhase.Blocked);
        m.getStatus().getCurrentRun().setPhase(MigrationPhase.Blocked);
        m.getStatus().getCurrentRun().setMessage("1 destructive statement not approved");
        m.getStatus()
                .setConditions(List.of(new ConditionBuilder()
                        .withType("Planned")
                        .withStatus("True")
                        .withReason("Planned")
                        .withObservedGeneration(1L)
                        .build()));
        return m;
    }

    @Test
    void aBlockedRunIsATreeWhosePlanCarriesTheFindingAndWhoseLaterStepsNeverRan() {
        SafeMigration m = blockedRun();
        var jobs = List.of(new JobRun(
                "migration-plan",
                "drop-orders-g1-plan",
                "2026-12-02T11:58:01Z",
                "2026-12-02T11:58:01Z",
                "2026-12-02T11:58:05Z",
                "Succeeded"));
        String tree = MigrationTree.render(m, MigrationTree.steps(m, jobs, null, NOW), Style.PLAIN);
        assertThat(tree).isEqualTo("""
                        SafeMigration shop/drop-orders  Blocked  (generation 1, observed 1)
                          1 destructive statement not approved
                        |- plan      Succeeded  4s      drop-orders-g1-plan
                        |    DataLoss  20241201000000_drop/migration.sql:2  drop-table  blocking  DROP TABLE removes orders  [aaaaaaaaaaaa]
                        |- backup    Skipped
                        |- rehearsal Skipped
                        |- migrate   Skipped
                        `- check     Skipped
                        """);
    }

    @Test
    void aRunningRunShowsTheBackupsStateAndTheNewestJobOfEachStep() {
        SafeMigration m = blockedRun();
        m.getStatus().setPhase(MigrationPhase.Rehearsing);
        m.getStatus().getCurrentRun().setPhase(MigrationPhase.Rehearsing);
        m.getStatus().getCurrentRun().setBackup("drop-orders-g1-b1");
        DatabaseBackup b = new DatabaseBackup();
        DatabaseBackupStatus bs = new DatabaseBackupStatus();
        bs.setPhase(Phase.Succeeded);
        bs.setStartedAt("2026-12-02T11:58:10Z");
        bs.setCompletedAt("2026-12-02T11:59:25Z");
        bs.setJobName("drop-orders-g1-b1-backup");
        b.setStatus(bs);
        var jobs = List.of(
                new JobRun("migration-rehearse", "old", "2026-12-02T11:00:00Z", null, null, "Failed"),
                new JobRun("migration-rehearse", "new", "2026-12-02T11:59:30Z", "2026-12-02T11:59:30Z", null, null));
        var steps = MigrationTree.steps(m, jobs, b, NOW);
        assertThat(steps)
                .extracting(
                        MigrationTree.Step::name,
                        MigrationTree.Step::state,
                        MigrationTree.Step::duration,
                        MigrationTree.Step::job)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("plan", "Succeeded", "", ""),
                        org.assertj.core.groups.Tuple.tuple("backup", "Succeeded", "1m15s", "drop-orders-g1-b1-backup"),
                        org.assertj.core.groups.Tuple.tuple("rehearsal", "Running", "30s", "new"),
                        org.assertj.core.groups.Tuple.tuple("migrate", "Pending", "", ""),
                        org.assertj.core.groups.Tuple.tuple("check", "Pending", "", "(in migrate)"));
    }

    @Test
    void anOlderGenerationsConditionDoesNotCountForThisRun() {
        SafeMigration m = blockedRun();
        m.getMetadata().setGeneration(2L);
        m.getStatus().getCurrentRun().setPhase(MigrationPhase.Planning);
        assertThat(MigrationTree.steps(m, List.of(), null, NOW).get(0).state()).isEqualTo("Pending");
    }

    @Test
    void colourOnlyOnATerminalWithoutNoColor() {
        assertThat(Style.detect(true, null).colour()).isTrue();
        assertThat(Style.detect(true, "1").colour()).isFalse();
        assertThat(Style.detect(false, null).colour()).isFalse();
        assertThat(Style.detect(true, null).state("Failed")).isEqualTo("\u001b[31mFailed\u001b[0m");
        assertThat(new Table("A", "B")
                        .row(Style.detect(true, null).state("Failed"), "x")
                        .render())
                .isEqualTo("A        B\n\u001b[31mFailed\u001b[0m   x\n");
    }
}
