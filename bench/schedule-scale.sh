#!/usr/bin/env bash
# How one operator serves many schedules, on the real control plane (etcd, kube-apiserver,
# kube-controller-manager built by scripts/build-control-plane.sh, the packaged operator as its own
# process with -Xmx384m, as under the chart's 512Mi limit): BENCH_SCHEDULES (1000) BackupSchedules in
# BENCH_NAMESPACES (100) namespaces, all due in the same minute, jitter off. For each, the delay from
# its scheduled time to the moment a watch sees its DatabaseBackup; and the operator's peak RSS. The
# backups' Jobs are created but their pods stay Pending (the figure is the operator's).
# The harness is src/test/java/io/schemaguard/operator/schedule/ScheduleScale.java. Last line:
#   schedules=<n> p99_s=<n> peak_rss_mib=<n>        (targets: p99_s < 5, peak_rss_mib <= 512)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

scripts/test-setup.sh >&2
SCHEMAGUARD_K8S_BIN="$(scripts/build-control-plane.sh)"
export SCHEMAGUARD_K8S_BIN
export SCHEMAGUARD_KUBELET_SKIP_NAMESPACES=scale-
result="$(mktemp)"
log="$(mktemp)"
trap 'rm -f "$result" "$log"' EXIT
export BENCH_RESULT="$result"
if ! ./mvnw -B -ntp verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=ScheduleScale >"$log" 2>&1; then
  tail -80 "$log" >&2
  echo "bench: the harness failed (log above)" >&2
  exit 1
fi
grep -E '^bench: ' "$log" >&2 || true
[ -s "$result" ] || { echo "bench: no result written" >&2; exit 1; }
cat "$result"
