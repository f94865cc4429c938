#!/usr/bin/env bash
# What a SafeMigration costs over doing its backup and its migration yourself, on the real control
# plane (etcd, kube-apiserver, kube-controller-manager built by scripts/build-control-plane.sh, the
# process kubelet, the packaged operator), a real PostgreSQL and S3Proxy over HTTP.
# Per round, each on its own copy of one database (BENCH_ROWS orders rows, 300000 by default):
#   1. a SafeMigration of the seed's change (Prisma, add customer_reference), rehearsal off:
#      create -> Succeeded;
#   2. the same backup as a DatabaseBackup created by hand: create -> Succeeded;
#   3. the same migration Job created by hand (the SafeMigration's, pointed at 2's backup): create -> Complete;
#   4. the SafeMigration again with rehearsal on.
# One warm-up round, then BENCH_ROUNDS (3) counted; medians. overhead_s = 1 - 2 - 3 (the plan Job,
# the gate and the reconciles between steps); rehearsal_s = 4 - 1. Target: overhead_s <= 5.
# The harness is src/test/java/io/schemaguard/operator/migration/SafeMigrationOverhead.java. Last line:
#   overhead_s=<n> backup_s=<n> migrate_s=<n> rehearsal_s=<n>
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

scripts/test-setup.sh >&2
# The plan Job lints the migrations: the pods get this build of libpg_query (RealCluster).
SCHEMAGUARD_PG_QUERY_LIB="$(scripts/build-pg-query.sh)"
export SCHEMAGUARD_PG_QUERY_LIB
SCHEMAGUARD_K8S_BIN="$(scripts/build-control-plane.sh)"
export SCHEMAGUARD_K8S_BIN
result="$(mktemp)"
log="$(mktemp)"
trap 'rm -f "$result" "$log"' EXIT
export BENCH_RESULT="$result"
if ! ./mvnw -B -ntp verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=SafeMigrationOverhead \
    -Dcheckstyle.skip >"$log" 2>&1; then
  tail -80 "$log" >&2
  echo "bench: the harness failed (log above)" >&2
  exit 1
fi
grep -E '^bench: ' "$log" >&2 || true
[ -s "$result" ] || { echo "bench: no result written" >&2; exit 1; }
cat "$result"
