#!/usr/bin/env bash
# The local demo, no cluster needed: the seed's db:backup, done safely.
#  1. installs PostgreSQL if missing (and builds the migration lint's libpg_query, first run only) and
#     starts a throwaway server (as an unprivileged user when root)
#  2. creates the `shop` database with an `orders` table full of rows
#  3. `schemaguard backup` to ./backups (file storage, like the seed's backups/ folder)
#  4. `schemaguard list` and `schemaguard verify` the backup
#  5. the seed's incident: a migration drops and recreates `orders` and rows are lost
#  6. `schemaguard restore --replace` (after a safety backup of the damaged database): the rows are back
#  7. the seed's change done right: `schemaguard safe-migrate` (the seed's db:safe-migrate) on an
#     application database managed by Prisma migrations: adding customer_reference to orders is linted,
#     backed up, rehearsed on a copy and applied with every row kept; the destructive version of the
#     same change (drop + recreate orders) is blocked by the lint before anything runs, finding shown
# The server is stopped and removed at the end; ./backups stays.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
backups="${1:-$root/backups}"

scripts/test-setup.sh
# The lint of step 7 parses with it; scripts/schemaguard would build it too, but here once, up front.
SCHEMAGUARD_PG_QUERY_LIB="$(scripts/build-pg-query.sh)"
export SCHEMAGUARD_PG_QUERY_LIB
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
echo "demo: the seed's change done right. The application's database shop_app is managed by Prisma migrations:" >&2
migrations="$work/prisma/migrations"
mkdir -p "$migrations/20240101000000_init"
cat > "$migrations/20240101000000_init/migration.sql" <<'SQL'
-- CreateTable
CREATE TABLE "orders" (
    "id" SERIAL NOT NULL,
    "customer" TEXT NOT NULL,
    "total" DECIMAL(12,2) NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "orders_pkey" PRIMARY KEY ("id")
);
SQL
"${psql[@]}" -d postgres -c "CREATE DATABASE shop_app"
app_url="postgresql://postgres@127.0.0.1:$port/shop_app"
safe_migrate=(scripts/schemaguard safe-migrate --engine prisma --migrations "$migrations" --database "$app_url"
  --to "$backups" --namespace demo)
echo "\$ schemaguard safe-migrate --engine prisma --migrations prisma/migrations --database $app_url --to $backups" >&2
"${safe_migrate[@]}"
"${psql[@]}" -d shop_app <<'SQL'
INSERT INTO orders (customer, total)
SELECT 'customer-' || (g % 500), round((random() * 500)::numeric, 2) FROM generate_series(1, 10000) g;
SQL
echo "demo: shop_app.orders has $("${psql[@]}" -d shop_app -At -c 'SELECT count(*) FROM orders') rows" >&2

echo >&2
echo "demo: the destructive version of the change: drop orders and create it again with customer_reference" >&2
mkdir -p "$migrations/20241125000000_add_customer_reference"
cat > "$migrations/20241125000000_add_customer_reference/migration.sql" <<'SQL'
DROP TABLE "orders";
CREATE TABLE "orders" (
    "id" SERIAL NOT NULL,
    "customer" TEXT NOT NULL,
    "total" DECIMAL(12,2) NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "customer_reference" TEXT,
    CONSTRAINT "orders_pkey" PRIMARY KEY ("id")
);
SQL
echo "\$ schemaguard safe-migrate ... (same command)" >&2
status=0
"${safe_migrate[@]}" || status=$?
if [ "$status" -eq 0 ]; then
  echo "demo: the destructive migration was NOT blocked" >&2
  exit 1
fi
echo "demo: blocked (exit $status): nothing ran, no backup was taken; shop_app.orders still has" \
  "$("${psql[@]}" -d shop_app -At -c 'SELECT count(*) FROM orders') rows" >&2

echo >&2
echo "demo: the additive version, as Prisma generates it for a new optional field" >&2
cat > "$migrations/20241125000000_add_customer_reference/migration.sql" <<'SQL'
-- AlterTable
ALTER TABLE "orders" ADD COLUMN "customer_reference" TEXT;
SQL
echo "\$ schemaguard safe-migrate ... (same command)" >&2
"${safe_migrate[@]}"
echo "demo: shop_app.orders has $("${psql[@]}" -d shop_app -At -c 'SELECT count(*) FROM orders') rows and" \
  "$("${psql[@]}" -d shop_app -At -c "SELECT count(*) FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'customer_reference'")" \
  "customer_reference column; Prisma's history:" >&2
"${psql[@]}" -d shop_app -c 'SELECT migration_name, left(checksum, 16) AS checksum, applied_steps_count FROM _prisma_migrations ORDER BY started_at'

echo >&2
echo "demo: done. Backups (the first, the safety backup of the damaged database, and the pre-migration backups) are in $backups/demo/." >&2
