#!/usr/bin/env bash
# Shared by the benchmarks: a reusable ~1 GiB pgbench database in a local PostgreSQL cluster under
# the cache, and an S3Proxy on loopback. Sourced, not run.

# The cluster must be reachable by the unprivileged PostgreSQL user, which cannot enter /root, so
# it lives under /var/tmp rather than ~/.cache (it is data, reused between runs, not a tool).
cache="${SCHEMAGUARD_BENCH_DIR:-/var/tmp/schemaguard-bench}"
pg_bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
pg_user="${SCHEMAGUARD_PG_USER:-schemaguard-pg}"
bench_scale="${BENCH_SCALE:-70}"          # pgbench scale 70 is about 1.05 GiB on disk
bench_password="bench"
# BENCH_DATA=pgbench (default): pgbench's own data, whose blank-padded filler zlib compresses
# almost for free. BENCH_DATA=text: the same tables with the filler replaced by hex text, as
# real rows are, where pg_dump's single-threaded zlib becomes the bottleneck. BENCH_DATA=partitioned:
# pgbench's data with pgbench_accounts in 8 partitions (pgbench -i --partitions=8), so a parallel
# dump has several tables of similar size rather than one that is 99.9% of the data.
bench_data="${BENCH_DATA:-pgbench}"
case "$bench_data" in
  pgbench) bench_db=bench ;;
  text) bench_db=bench_text ;;
  partitioned) bench_db=bench_partitioned ;;
  *) echo "bench: BENCH_DATA must be pgbench, text or partitioned" >&2; exit 2 ;;
esac
as_pg=()
[ "$(id -u)" -eq 0 ] && as_pg=(runuser -u "$pg_user" --)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Starts (creating on first use) the cluster in $cache/pg; sets PGHOST/PGPORT/PGUSER/PGPASSWORD.
bench_pg_start() {
  mkdir -p "$cache"
  local data="$cache/pg/data"
  if [ ! -f "$cache/pg/PG_VERSION_OK" ] && [ ! -d "$data" ]; then
    echo "bench: creating the benchmark cluster (first run only)" >&2
    rm -rf "$cache/pg"
    mkdir -p "$cache/pg"
    [ "$(id -u)" -eq 0 ] && chown "$pg_user" "$cache/pg"
    printf '%s\n' "$bench_password" > "$cache/pg/pw"
    [ "$(id -u)" -eq 0 ] && chown "$pg_user" "$cache/pg/pw"
    "${as_pg[@]}" "$pg_bin/initdb" -D "$data" -U postgres --auth=scram-sha-256 --pwfile="$cache/pg/pw" -E UTF8 \
      --locale=C >/dev/null
    "${as_pg[@]}" touch "$cache/pg/PG_VERSION_OK"
  fi
  PGPORT="$(free_port)"
  export PGHOST=127.0.0.1 PGPORT PGUSER=postgres PGPASSWORD="$bench_password"
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$data" -l "$cache/pg/server.log" -w -o \
    "-c listen_addresses=127.0.0.1 -p $PGPORT -c unix_socket_directories=$cache/pg -c shared_buffers=256MB -c max_wal_size=4GB" \
    start >/dev/null
  local stamp="$cache/pg/ready-$bench_db-scale-$bench_scale"
  if [ ! -f "$stamp" ]; then
    echo "bench: creating database $bench_db at pgbench scale $bench_scale (first run only)" >&2
    "$pg_bin/psql" -X -q -d postgres -c "DROP DATABASE IF EXISTS $bench_db" -c "CREATE DATABASE $bench_db"
    local partitions=()
    [ "$bench_data" = partitioned ] && partitions=(--partitions=8)
    "$pg_bin/pgbench" -q -i -s "$bench_scale" "${partitions[@]}" "$bench_db" >&2
    if [ "$bench_data" = text ]; then
      "$pg_bin/psql" -X -q -d "$bench_db" -c \
        "UPDATE pgbench_accounts SET filler = md5(aid::text) || md5((aid + 1)::text) || substr(md5((aid + 2)::text), 1, 20)"
      "$pg_bin/psql" -X -q -d "$bench_db" -c "VACUUM FULL pgbench_accounts"
    fi
    "$pg_bin/psql" -X -q -d "$bench_db" -c "VACUUM ANALYZE"
    "${as_pg[@]}" touch "$stamp"
  fi
}

bench_pg_stop() {
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$cache/pg/data" -m fast -w stop >/dev/null 2>&1 || true
}

# Starts S3Proxy (filesystem backend) on a free port with a fresh data dir; sets S3_ENDPOINT.
bench_s3_start() {
  local jar="$root/target/test-tools/s3proxy.jar"
  [ -f "$jar" ] || (cd "$root" && ./mvnw -B -q -ntp generate-test-resources) >&2
  s3_dir="$(mktemp -d /tmp/schemaguard-bench-s3.XXXXXX)"
  mkdir -p "$s3_dir/data/bench"
  local port
  port="$(free_port)"
  cat > "$s3_dir/s3proxy.conf" <<CONF
s3proxy.endpoint=http://127.0.0.1:$port
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=bench
s3proxy.credential=bench-secret
jclouds.provider=filesystem-nio2
jclouds.filesystem.basedir=$s3_dir/data
CONF
  java -Xmx512m -jar "$jar" --properties "$s3_dir/s3proxy.conf" >"$s3_dir/log" 2>&1 &
  s3_pid=$!
  for _ in $(seq 1 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
  done
  export S3_ENDPOINT="http://127.0.0.1:$port" AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret AWS_REGION=us-east-1
}

bench_s3_stop() {
  [ -n "${s3_pid:-}" ] && kill "$s3_pid" 2>/dev/null && wait "$s3_pid" 2>/dev/null || true
  [ -n "${s3_dir:-}" ] && rm -rf "$s3_dir"
}

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
now() { date +%s.%N; }
elapsed() { awk -v a="$(now)" -v b="$1" 'BEGIN {printf "%.3f", a - b}'; }
