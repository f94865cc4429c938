package io.schemaguard.operator.migration;

import static org.assertj.core.api.Assertions.assertThat;

import io.schemaguard.api.MigrationPhase;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** The Argo CD health check of SafeMigration, run by a real Lua interpreter on the statuses a sync sees. */
class ArgoHealthCheckTest {

    static String health(String obj) throws Exception {
        Process p = new ProcessBuilder(
                        "lua5.4",
                        "-e",
                        "obj = " + obj,
                        "-e",
                        "local hs = dofile('deploy/argocd/safemigration-health.lua'); io.write(hs.status .. '|' .. hs.message)")
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = ';',
            value = {
                "no status yet; {metadata = {generation = 1}}; Progressing|waiting for the operator",
                "old generation observed; {metadata = {generation = 2}, status = {observedGeneration = 1, phase = 'Succeeded'}}; Progressing|the operator has not seen generation 2 yet",
                "migrating; {metadata = {generation = 1}, status = {observedGeneration = 1, phase = 'Migrating', currentRun = {message = 'migrating'}}}; Progressing|Migrating: migrating",
                "backing up; {metadata = {generation = 1}, status = {observedGeneration = 1, phase = 'BackingUp'}}; Progressing|BackingUp",
                "succeeded; {metadata = {generation = 1}, status = {observedGeneration = 1, phase = 'Succeeded', currentRun = {message = 'applied 1'}}}; Healthy|applied 1",
                "blocked; {metadata = {generation = 3}, status = {observedGeneration = 3, phase = 'Blocked', currentRun = {message = '2 destructive'}}}; Degraded|Blocked: 2 destructive",
                "failed; {metadata = {generation = 1}, status = {observedGeneration = 1, phase = 'Failed'}}; Degraded|Failed",
                "restored; {metadata = {generation = 1}, status = {observedGeneration = 1, phase = 'Restored', currentRun = {message = 'restored'}}}; Degraded|Restored: restored"
            })
    void aSyncWaitsForTheRunAndFailsWhenItDidNotGoThrough(String name, String obj, String expected) throws Exception {
        assertThat(health(obj)).isEqualTo(expected);
    }

    /**
     * Every phase the API has, including ones the table above does not list: a sync waits while the
     * run may still change (Progressing) and ends on every finished run, never hanging on one.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(MigrationPhase.class)
    void aSyncEndsExactlyWhenTheRunIsFinished(MigrationPhase phase) throws Exception {
        String status = health("{metadata = {generation = 1}, status = {observedGeneration = 1, phase = '"
                        + phase.name() + "'}}")
                .split("\\|")[0];
        if (phase.isTerminal()) {
            assertThat(status).isIn("Healthy", "Degraded");
        } else {
            assertThat(status).isEqualTo("Progressing");
        }
    }
}
