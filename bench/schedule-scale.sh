#!/usr/bin/env bash
# How one operator serves many schedules, against Kubernetes' own CronJob controller, on the real
# control plane (etcd, kube-apiserver, kube-controller-manager built by scripts/build-control-plane.sh,
# the packaged operator as its own process with -Xmx384m, as under the chart's 512Mi limit). Alternating,
# BENCH_ROUNDS (2) rounds of each: BENCH_SCHEDULES (1000) BackupSchedules in BENCH_NAMESPACES (100) new
# namespaces, all due in the same minute, jitter off (the delay from the scheduled time to the moment a
# watch sees each DatabaseBackup); then as many plain batch/v1 CronJobs, due in one minute, served by
# kube-controller-manager (the delay to each Job). Each round prints its API requests per run by verb and
# resource (the API server's apiserver_request_total during the burst). The Jobs' pods stay Pending.
# BENCH_CRONJOB=false skips the anchor. Harness:
# src/test/java/io/schemaguard/operator/schedule/ScheduleScale.java. Last line (medians over rounds):
#   schedules=<n> p99_s=<n> cronjob_p99_s=<n> vs_cronjob=<cronjob p99 / ours> peak_rss_mib=<n>
#   (targets: p99_s < 5 and below cronjob_p99_s, peak_rss_mib <= 512)
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
