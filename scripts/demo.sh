#!/usr/bin/env bash
# The local demo, no cluster needed: the seed's db:backup, done safely.
#  1. installs PostgreSQL if missing and starts a throwaway server (as an unprivileged user when root)
#  2. creates the `shop` database with an `orders` table full of rows
#  3. `schemaguard backup` to ./backups (file storage, like the seed's backups/ folder)
#  4. `schemaguard list` and `schemaguard verify` the backup
#  5. the seed's incident: a migration drops and recreates `orders` and rows are lost
#  6. `schemaguard restore --replace` (after a safety backup of the damaged database): the rows are back
# The server is stopped and removed at the end; ./backups stays.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
backups="${1:-$root/backups}"

scripts/test-setup.sh
if [ ! -f target/quarkus-app/quarkus-run.jar ]; then
  echo "demo: building (first run only)" >&2
  ./mvnw -B -q -ntp package -DskipTests
fi

pg_bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
work="$(mktemp -d /tmp/schemaguard-demo.XXXXXX)"
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  as_pg=(runuser -u "${SCHEMAGUARD_PG_USER:-schemaguard-pg}" --)
  chown "${SCHEMAGUARD_PG_USER:-schemaguard-pg}" "$work"
fi
password="demo-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
cleanup() {
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$work/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "demo: starting a throwaway PostgreSQL $(basename "$(dirname "$pg_bin")") on 127.0.0.1:$port" >&2
printf '%s\n' "$password" > "$work/pw"
[ "$(id -u)" -eq 0 ] && chown "${SCHEMAGUARD_PG_USER:-schemaguard-pg}" "$work/pw"
"${as_pg[@]}" "$pg_bin/initdb" -D "$work/data" -U postgres --auth=scram-sha-256 --pwfile="$work/pw" -E UTF8 \
  --locale=C >/dev/null
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$work/data" -l "$work/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$work" start >/dev/null

export PGPASSWORD="$password"
psql=("$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres)
"${psql[@]}" -d postgres -c "CREATE DATABASE shop"
"${psql[@]}" -d shop <<'SQL'
CREATE TABLE orders (
  id          bigserial PRIMARY KEY,
  customer    text NOT NULL,
  total       numeric(12,2) NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO orders (customer, total)
SELECT 'customer-' || (g % 500), round((random() * 500)::numeric, 2) FROM generate_series(1, 10000) g;
ANALYZE orders;
SQL
echo "demo: shop.orders has $("${psql[@]}" -d shop -At -c 'SELECT count(*) FROM orders') rows" >&2

echo >&2
echo "\$ schemaguard backup --database postgresql://postgres@127.0.0.1:$port/shop --to $backups" >&2
out="$(scripts/schemaguard backup --database "postgresql://postgres@127.0.0.1:$port/shop" --to "$backups" \
  --namespace demo --exact-counts)"
echo "$out"
id="$(printf '%s\n' "$out" | awk '/^backup /{print $2; exit}')"

echo >&2
echo "\$ schemaguard list --from $backups" >&2
scripts/schemaguard list --from "$backups"

echo >&2
echo "\$ schemaguard verify --from $backups $id" >&2
scripts/schemaguard verify --from "$backups" "$id"

echo >&2
echo "demo: the incident: a migration drops and recreates orders to add customer_reference; rows are lost" >&2
"${psql[@]}" -d shop <<'SQL'
DROP TABLE orders;
CREATE TABLE orders (
  id                 bigserial PRIMARY KEY,
  customer           text NOT NULL,
  total              numeric(12,2) NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT now(),
  customer_reference text
);
INSERT INTO orders (customer, total) VALUES ('customer-1', 10.00), ('customer-2', 20.00);
SQL
echo "demo: shop.orders has $("${psql[@]}" -d shop -At -c 'SELECT count(*) FROM orders') rows" >&2

echo >&2
echo "\$ schemaguard restore --from $backups $id --database postgresql://postgres@127.0.0.1:$port/shop --replace --confirm shop" >&2
scripts/schemaguard restore --from "$backups" "$id" --database "postgresql://postgres@127.0.0.1:$port/shop" \
  --replace --confirm shop --namespace demo
echo "demo: shop.orders has $("${psql[@]}" -d shop -At -c 'SELECT count(*) FROM orders') rows again" >&2

echo >&2
echo "demo: done. Backups (the first, and the safety backup of the damaged database) are in $backups/demo/." >&2
