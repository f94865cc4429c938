#!/usr/bin/env bash
# Installs what the tests start for real: PostgreSQL's server and client programs (Debian packages),
# and, when running as root (sessions and CI do), an unprivileged user to run PostgreSQL as, since
# PostgreSQL refuses to run as root; openssl, which makes the certificates of the control plane the
# *IT tests start; libpg_query (PostgreSQL's parser as a C library), which the migration lint calls.
# S3Proxy comes from Maven Central during the build; the control plane's binaries from
# scripts/build-control-plane.sh (scripts/test.sh runs it).
# Idempotent: a second run changes nothing.
set -euo pipefail

PG_USER="${SCHEMAGUARD_PG_USER:-schemaguard-pg}"

have_postgres() {
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null && compgen -G "/usr/lib/postgresql/*/bin/pg_dump" >/dev/null
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

if ! have_postgres; then
  echo "test-setup: installing PostgreSQL from Debian packages" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql postgresql-contrib >/dev/null
  # The package may start a system cluster; the tests run their own throwaway clusters instead.
  as_root service postgresql stop >/dev/null 2>&1 || true
fi

if ! command -v openssl >/dev/null; then
  echo "test-setup: installing openssl from Debian packages" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssl >/dev/null
fi

have_pg_query() {
  compgen -G "/usr/lib/*/libpg_query.so*" >/dev/null || compgen -G "/usr/lib/libpg_query.so*" >/dev/null
}

if ! have_pg_query; then
  echo "test-setup: installing libpg_query from Debian packages" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libpg-query-dev >/dev/null
fi

if [ "$(id -u)" -eq 0 ] && ! id "$PG_USER" >/dev/null 2>&1; then
  echo "test-setup: creating unprivileged user $PG_USER for PostgreSQL" >&2
  useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_USER"
fi

# lua5.4 runs the Argo CD health check of SafeMigration in its test, as Argo CD's Lua would
if ! command -v lua5.4 >/dev/null 2>&1; then
  echo "test-setup: installing lua5.4" >&2
  as_root apt-get install -y -qq --no-install-recommends lua5.4 >/dev/null 2>&1 \
    || { as_root apt-get update -qq && as_root apt-get install -y -qq --no-install-recommends lua5.4 >/dev/null; }
fi

for tool in java; do
  command -v "$tool" >/dev/null || { echo "test-setup: $tool is required" >&2; exit 1; }
done
echo "test-setup: PostgreSQL $(ls /usr/lib/postgresql | sort -n | tail -1) ready" >&2
