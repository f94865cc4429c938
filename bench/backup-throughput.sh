#!/usr/bin/env bash
# Backup throughput: pg_dump -Fc (what users run), pg_dump -Fc -Z0 (the single-stream limit) and
# `schemaguard backup` to a loopback S3 server (S3Proxy), alternating, ROUNDS rounds each (default 3),
# on a ~1 GiB pgbench database (created once, reused after; BENCH_DATA=text for rows that are not
# blank padding, see bench/lib.sh).
#
# Throughput is the size of the uncompressed custom-format dump divided by wall time, in MB/s
# (10^6 bytes); ratios are our throughput over theirs; size_vs_default is our stored object over
# pg_dump -Fc's output; peak_rss_mib is the runner's peak RSS (GNU time, the JVM it execs).
#
# Each round also runs the parallel pair side by side: pg_dump -Fd -j 2 -Z0 into a local folder,
# and `schemaguard backup --format directory --jobs 2` (each table's file uploaded as pg_dump
# finishes it), whose --work-dir is sampled with du every 100 ms for its peak disk use.
# dir_mb_s is the same raw size over its wall time; dir_vs_fd_j2 its throughput over pg_dump -Fd -j 2
# -Z0's; dir_peak_rss_mib the runner's peak RSS in that run (GNU time: the JVM, or a larger pg_dump
# it waited for); dir_peak_disk_mib the work dir's peak; fd_dump_mib what pg_dump -Fd wrote (what the
# work dir held when the folder was staged whole). Medians over the rounds; RSS and disk are maxima.
# The LAST line is (the first five fields as before, the rest appended):
# backup_mb_s=<n> vs_default=<r> vs_uncompressed=<r> size_vs_default=<r> peak_rss_mib=<n> dir_mb_s=<n> dir_vs_fd_j2=<r> dir_peak_rss_mib=<n> dir_peak_disk_mib=<n> fd_dump_mib=<n>
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
rounds="${ROUNDS:-3}"
# shellcheck source=bench/lib.sh
source bench/lib.sh

scripts/test-setup.sh
command -v /usr/bin/time >/dev/null || { [ "$(id -u)" -eq 0 ] && apt-get install -y -qq time >/dev/null; }
[ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q -ntp package -DskipTests

trap 'bench_s3_stop; bench_pg_stop' EXIT
bench_pg_start
bench_s3_start

db_size="$("$pg_bin/psql" -X -At -d "$bench_db" -c "SELECT pg_database_size('$bench_db')")"
raw_size="$("$pg_bin/pg_dump" -Fc -Z0 "$bench_db" | wc -c)"
default_size="$("$pg_bin/pg_dump" -Fc "$bench_db" | wc -c)"
echo "bench: database $bench_db $((db_size / 1048576)) MiB, pg_dump -Fc -Z0 $((raw_size / 1048576)) MiB, pg_dump -Fc $((default_size / 1048576)) MiB, $(nproc) CPUs" >&2

work="$(mktemp -d /var/tmp/schemaguard-bench-work.XXXXXX)"
fd_out="$(mktemp -d /var/tmp/schemaguard-bench-fd.XXXXXX)"
trap 'bench_s3_stop; bench_pg_stop; rm -rf "$work" "$fd_out"' EXIT

# Prints the peak `du -sb` of $1, sampled every 100 ms, until the file $2 exists.
sample_disk() {
  local peak=0 now
  while [ ! -e "$2" ]; do
    now="$(du -sb "$1" 2>/dev/null | cut -f1)"
    [ -n "$now" ] && [ "$now" -gt "$peak" ] && peak="$now"
    sleep 0.1
  done
  echo "$peak"
}

declare -a t_default t_raw t_ours rss ours_size t_fd t_dir dir_rss dir_disk
for round in $(seq 1 "$rounds"); do
  s=$(now); "$pg_bin/pg_dump" -Fc "$bench_db" > /dev/null; t_default+=("$(elapsed "$s")")
  s=$(now); "$pg_bin/pg_dump" -Fc -Z0 "$bench_db" > /dev/null; t_raw+=("$(elapsed "$s")")
  s=$(now)
  out="$(/usr/bin/time -f 'rss_kb=%M' scripts/schemaguard backup --database "postgresql://postgres@127.0.0.1:$PGPORT/$bench_db" \
    --to s3://bench/round-$round --endpoint "$S3_ENDPOINT" --path-style --pg-bin "$pg_bin" --progress-interval 0 2>&1)"
  t_ours+=("$(elapsed "$s")")
  rss+=("$(printf '%s\n' "$out" | sed -n 's/^rss_kb=//p')")
  ours_size+=("$(find "$s3_dir/data/bench/round-$round" -name 'dump.*' -printf '%s\n' | head -1)")
  printf 'bench: round %d: pg_dump -Fc %.2fs, pg_dump -Fc -Z0 %.2fs, schemaguard %.2fs (rss %s MiB, object %s MiB)\n' \
    "$round" "${t_default[-1]}" "${t_raw[-1]}" "${t_ours[-1]}" "$((${rss[-1]} / 1024))" "$((${ours_size[-1]} / 1048576))" >&2

  rm -rf "$fd_out/d"
  s=$(now); "$pg_bin/pg_dump" -Fd -j 2 -Z0 -f "$fd_out/d" "$bench_db"; t_fd+=("$(elapsed "$s")")
  fd_size="$(du -sb "$fd_out/d" | cut -f1)"
  rm -rf "$fd_out/d"
  rm -f "$work/.done"
  sample_disk "$work" "$work/.done" > "$work/.peak" &
  sampler=$!
  s=$(now)
  out="$(/usr/bin/time -f 'rss_kb=%M' scripts/schemaguard backup --database "postgresql://postgres@127.0.0.1:$PGPORT/$bench_db" \
    --to s3://bench/dir-round-$round --endpoint "$S3_ENDPOINT" --path-style --pg-bin "$pg_bin" --progress-interval 0 \
    --format directory --jobs 2 --work-dir "$work" 2>&1)" || { printf '%s\n' "$out" >&2; exit 1; }
  t_dir+=("$(elapsed "$s")")
  touch "$work/.done"; wait "$sampler"
  dir_disk+=("$(cat "$work/.peak")")
  dir_rss+=("$(printf '%s\n' "$out" | sed -n 's/^rss_kb=//p')")
  printf 'bench: round %d: pg_dump -Fd -j 2 -Z0 %.2fs (%s MiB), schemaguard directory -j 2 %.2fs (rss %s MiB, work dir peak %s MiB)\n' \
    "$round" "${t_fd[-1]}" "$((fd_size / 1048576))" "${t_dir[-1]}" "$((${dir_rss[-1]} / 1024))" "$((${dir_disk[-1]} / 1048576))" >&2
  printf '%s\n' "$out" | grep -E 'uploaded while it ran' | sed 's/^/bench:   /' >&2 || true
done

med_default="$(printf '%s\n' "${t_default[@]}" | median)"
med_raw="$(printf '%s\n' "${t_raw[@]}" | median)"
med_ours="$(printf '%s\n' "${t_ours[@]}" | median)"
med_size="$(printf '%s\n' "${ours_size[@]}" | median)"
peak_rss="$(printf '%s\n' "${rss[@]}" | sort -n | tail -1)"
med_fd="$(printf '%s\n' "${t_fd[@]}" | median)"
med_dir="$(printf '%s\n' "${t_dir[@]}" | median)"
peak_dir_rss="$(printf '%s\n' "${dir_rss[@]}" | sort -n | tail -1)"
peak_dir_disk="$(printf '%s\n' "${dir_disk[@]}" | sort -n | tail -1)"
awk -v raw="$raw_size" -v td="$med_default" -v tr="$med_raw" -v to="$med_ours" -v os="$med_size" -v ds="$default_size" \
  -v rss="$peak_rss" -v tf="$med_fd" -v tdir="$med_dir" -v drss="$peak_dir_rss" -v ddisk="$peak_dir_disk" -v fds="$fd_size" 'BEGIN {
    printf "backup_mb_s=%.1f vs_default=%.2f vs_uncompressed=%.2f size_vs_default=%.3f peak_rss_mib=%d dir_mb_s=%.1f dir_vs_fd_j2=%.2f dir_peak_rss_mib=%d dir_peak_disk_mib=%d fd_dump_mib=%d\n",
      raw / to / 1e6, td / to, tr / to, os / ds, rss / 1024, raw / tdir / 1e6, tf / tdir, drss / 1024, ddisk / 1048576, fds / 1048576 }'
