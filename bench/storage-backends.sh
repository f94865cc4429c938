#!/usr/bin/env bash
# Backup throughput per object store: `schemaguard backup` of the same ~1 GiB pgbench database (see
# bench/lib.sh) to each storage server the test suite proves, started the same way (StorageServerMain,
# from the test classes): S3Proxy, and where their build scripts have cached them Azurite, fake-gcs-server
# and SeaweedFS. Backends alternate within each round after one uncounted warm-up run, ROUNDS rounds (default 3); the same encrypted run
# (client-side, Tink) to S3Proxy is a line of its own. Throughput is the uncompressed custom dump's size
# over wall time (MB/s, 10^6 bytes); vs_s3 is a backend's throughput over S3Proxy's in the same rounds;
# peak_rss_mib is the runner's peak RSS (GNU time). Medians over rounds; RSS is the maximum.
# One line per backend, then the LAST line:
# storage_backends=<n> s3proxy_mb_s=<n> <backend>_vs_s3=<r> ... encrypted_vs_s3=<r>
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
rounds="${ROUNDS:-3}"
# shellcheck source=bench/lib.sh
source bench/lib.sh

scripts/test-setup.sh
command -v /usr/bin/time >/dev/null || { [ "$(id -u)" -eq 0 ] && apt-get install -y -qq time >/dev/null; }
[ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q -ntp package -DskipTests
[ -f target/test-classes/io/schemaguard/testing/StorageServerMain.class ] || ./mvnw -B -q -ntp test-compile
./mvnw -B -q -ntp dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt >/dev/null
classpath="target/test-classes:$(cat target/bench-classpath.txt)"

backends=(s3proxy)
SCHEMAGUARD_AZURITE="${SCHEMAGUARD_AZURITE:-$(scripts/build-azurite.sh 2>/dev/null || true)}"
[ -n "$SCHEMAGUARD_AZURITE" ] && export SCHEMAGUARD_AZURITE && backends+=(azurite)
if [ -x scripts/build-fake-gcs.sh ]; then
  SCHEMAGUARD_FAKE_GCS="${SCHEMAGUARD_FAKE_GCS:-$(scripts/build-fake-gcs.sh 2>/dev/null || true)}"
  [ -n "$SCHEMAGUARD_FAKE_GCS" ] && export SCHEMAGUARD_FAKE_GCS && backends+=(fake-gcs)
fi
if [ -x scripts/build-seaweedfs.sh ]; then
  SCHEMAGUARD_SEAWEEDFS="${SCHEMAGUARD_SEAWEEDFS:-$(scripts/build-seaweedfs.sh 2>/dev/null || true)}"
  [ -n "$SCHEMAGUARD_SEAWEEDFS" ] && export SCHEMAGUARD_SEAWEEDFS && backends+=(seaweedfs)
fi

declare -A location args envs pids
servers="$(mktemp -d /tmp/schemaguard-bench-servers.XXXXXX)"
cleanup() {
  touch "$servers/stop"
  for b in "${!pids[@]}"; do wait "${pids[$b]}" 2>/dev/null || true; done
  rm -rf "$servers"
  bench_pg_stop
}
trap cleanup EXIT
bench_pg_start
raw_size="$("$pg_bin/pg_dump" -Fc -Z0 "$bench_db" | wc -c)"
echo "bench: database $bench_db, pg_dump -Fc -Z0 $((raw_size / 1048576)) MiB, $(nproc) CPUs, backends: ${backends[*]}" >&2

# Each server runs in a JVM of its own that prints how to reach it and stops when $servers/stop exists.
for b in "${backends[@]}"; do
  java -cp "$classpath" io.schemaguard.testing.StorageServerMain "$b" bench "$servers/stop" \
    >"$servers/$b.out" 2>"$servers/$b.err" </dev/null &
  pids[$b]=$!
  for _ in $(seq 1 1200); do
    grep -qx READY "$servers/$b.out" 2>/dev/null && break
    kill -0 "${pids[$b]}" 2>/dev/null || break
    sleep 0.1
  done
  grep -qx READY "$servers/$b.out" || { cat "$servers/$b.err" >&2; echo "bench: $b did not start" >&2; exit 1; }
  location[$b]="$(sed -n 's/^LOCATION=//p' "$servers/$b.out")"
  args[$b]="$(sed -n 's/^ARG=//p' "$servers/$b.out" | tr '\n' ' ')"
  envs[$b]="$(sed -n 's/^ENV=//p' "$servers/$b.out" | tr '\n' ' ')"
  echo "bench: $b at ${location[$b]} (${args[$b]})" >&2
done

# one run not counted first: the first backup after the server starts reads the tables from disk
env ${envs[s3proxy]} scripts/schemaguard backup --database "postgresql://postgres@127.0.0.1:$PGPORT/$bench_db" \
  --to "${location[s3proxy]}/warm-up" ${args[s3proxy]} --pg-bin "$pg_bin" --progress-interval 0 >/dev/null 2>&1
key="$(head -c 32 /dev/urandom | base64)"
declare -A times rss
runs=("${backends[@]}" encrypted)
for round in $(seq 1 "$rounds"); do
  for run in "${runs[@]}"; do
    b="$run"; extra=()
    [ "$run" = encrypted ] && b=s3proxy && extra=(env "SCHEMAGUARD_ENCRYPTION_KEY=$key")
    # shellcheck disable=SC2086 # the server's options and environment are word lists by construction
    s=$(now)
    out="$(env ${envs[$b]} "${extra[@]}" /usr/bin/time -f 'rss_kb=%M' scripts/schemaguard backup \
      --database "postgresql://postgres@127.0.0.1:$PGPORT/$bench_db" --to "${location[$b]}/$run-$round" ${args[$b]} \
      --pg-bin "$pg_bin" --progress-interval 0 2>&1)" || { printf '%s\n' "$out" >&2; exit 1; }
    t="$(elapsed "$s")"
    times[$run]="${times[$run]:-} $t"
    r="$(printf '%s\n' "$out" | sed -n 's/^rss_kb=//p')"
    rss[$run]="${rss[$run]:-} $r"
    printf 'bench: round %d: %s %.2fs (rss %s MiB)\n' "$round" "$run" "$t" "$((r / 1024))" >&2
  done
done

med() { printf '%s\n' $1 | median; }
max() { printf '%s\n' $1 | sort -n | tail -1; }
s3_t="$(med "${times[s3proxy]}")"
last="storage_backends=${#backends[@]} s3proxy_mb_s=$(awk -v r="$raw_size" -v t="$s3_t" 'BEGIN{printf "%.1f", r/t/1e6}')"
for run in "${runs[@]}"; do
  t="$(med "${times[$run]}")"
  m="$(max "${rss[$run]}")"
  awk -v b="$run" -v r="$raw_size" -v t="$t" -v s="$s3_t" -v m="$m" \
    'BEGIN{printf "backend=%s mb_s=%.1f vs_s3=%.2f peak_rss_mib=%d\n", b, r/t/1e6, s/t, m/1024}'
  [ "$run" = s3proxy ] || last="$last ${run//-/_}_vs_s3=$(awk -v t="$t" -v s="$s3_t" 'BEGIN{printf "%.2f", s/t}')"
done
echo "$last"
