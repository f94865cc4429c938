/**
 * What the operator ({@code io.schemaguard.operator}) and the runner in its Jobs' pods
 * ({@code io.schemaguard.runner}) agree on, and the only code both use besides {@code io.schemaguard.api}:
 * the termination message ({@link io.schemaguard.contract.RunnerResult},
 * {@link io.schemaguard.contract.FailureReason} and its exit codes), where a backup's objects are
 * ({@link io.schemaguard.contract.BackupLayout}: the operator derives the id, the runner writes under it),
 * the backup freshness rule both enforce ({@link io.schemaguard.contract.MigrationGate}) and how sizes read
 * ({@link io.schemaguard.contract.Sizes}). It depends on {@code io.schemaguard.api} only; ArchitectureTest
 * keeps it so.
 */
package io.schemaguard.contract;
