#!/usr/bin/env bash
# Restore throughput on the backup benchmark's ~1 GiB pgbench database: `pg_restore` of a local
# `pg_dump -Fc` file into a fresh database, and `schemaguard restore` of our backup from the loopback
# S3 server into a fresh database, alternating, ROUNDS rounds each (default 3). Both targets are
# created empty beforehand, outside the timing. Ours includes what makes it safe: reading the whole
# object once to check its SHA-256 before touching the target, one transaction, and counting every
# table's rows after.
# Throughput is the uncompressed dump size over wall time (MB/s, 10^6 bytes); ratio is our throughput
# over pg_restore's. The LAST line is: restore_mb_s=<n> ratio=<ours/pg_restore> peak_rss_mib=<n>
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
rounds="${ROUNDS:-3}"
# shellcheck source=bench/lib.sh
source bench/lib.sh

scripts/test-setup.sh
command -v /usr/bin/time >/dev/null || { [ "$(id -u)" -eq 0 ] && apt-get install -y -qq time >/dev/null; }
[ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q -ntp package -DskipTests

trap 'bench_s3_stop; bench_pg_stop; rm -f "$dump_file"' EXIT
bench_pg_start
bench_s3_start
export PGOPTIONS="-c client_min_messages=warning"
psql=("$pg_bin/psql" -X -q -d postgres)

dump_file="$(mktemp /tmp/schemaguard-bench-dump.XXXXXX)"
"$pg_bin/pg_dump" -Fc -f "$dump_file" "$bench_db"
raw_size="$("$pg_bin/pg_dump" -Fc -Z0 "$bench_db" | wc -c)"
out="$(scripts/schemaguard backup --database "postgresql://postgres@127.0.0.1:$PGPORT/$bench_db" --to s3://bench/restore \
  --endpoint "$S3_ENDPOINT" --path-style --pg-bin "$pg_bin" --progress-interval 0 --exact-counts 2>/dev/null)"
backup_id="$(printf '%s\n' "$out" | awk '/^backup /{print $2; exit}')"
echo "bench: $bench_db, uncompressed dump $((raw_size / 1048576)) MiB, pg_dump -Fc file $(($(stat -c %s "$dump_file") / 1048576)) MiB, our backup $backup_id" >&2

fresh() { "${psql[@]}" -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1"; }
declare -a t_pg t_ours rss
for round in $(seq 1 "$rounds"); do
  fresh bench_restore_pg
  s=$(now); "$pg_bin/pg_restore" --exit-on-error -d bench_restore_pg "$dump_file"; t_pg+=("$(elapsed "$s")")
  "${psql[@]}" -c "DROP DATABASE bench_restore_pg"
  fresh bench_restore_sg
  s=$(now)
  out="$(/usr/bin/time -f 'rss_kb=%M' scripts/schemaguard restore --from s3://bench/restore "$backup_id" \
    --database "postgresql://postgres@127.0.0.1:$PGPORT/bench_restore_sg" --endpoint "$S3_ENDPOINT" --path-style \
    --pg-bin "$pg_bin" 2>&1)" || { printf '%s\n' "$out" >&2; exit 1; }
  t_ours+=("$(elapsed "$s")")
  rss+=("$(printf '%s\n' "$out" | sed -n 's/^rss_kb=//p')")
  "${psql[@]}" -c "DROP DATABASE bench_restore_sg"
  printf 'bench: round %d: pg_restore %.2fs, schemaguard restore %.2fs (rss %s MiB)\n' "$round" "${t_pg[-1]}" \
    "${t_ours[-1]}" "$((${rss[-1]} / 1024))" >&2
done

med_pg="$(printf '%s\n' "${t_pg[@]}" | median)"
med_ours="$(printf '%s\n' "${t_ours[@]}" | median)"
peak_rss="$(printf '%s\n' "${rss[@]}" | sort -n | tail -1)"
awk -v raw="$raw_size" -v tp="$med_pg" -v to="$med_ours" -v rss="$peak_rss" 'BEGIN {
    printf "restore_mb_s=%.1f ratio=%.2f peak_rss_mib=%d\n", raw / to / 1e6, tp / to, rss / 1024 }'
