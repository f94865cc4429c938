#!/usr/bin/env bash
# Installs what the tests start for real: PostgreSQL's server and client programs (Debian packages),
# and, when running as root (sessions and CI do), an unprivileged user to run PostgreSQL as, since
# PostgreSQL refuses to run as root; openssl, which makes the certificates of the control plane the
# *IT tests start; curl, make and gcc, with which scripts/build-pg-query.sh builds libpg_query
# (PostgreSQL 18's parser as a C library, which the migration lint calls) from the pg_query crate.
# S3Proxy comes from Maven Central during the build; the control plane's binaries from
# scripts/build-control-plane.sh and libpg_query from scripts/build-pg-query.sh (scripts/test.sh
# runs both).
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

# Debian's libpg_query is PostgreSQL 15's grammar; the lint uses its own build (scripts/build-pg-query.sh).
missing=()
for tool in curl make gcc; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "test-setup: installing ${missing[*]} from Debian packages (to build libpg_query)" >&2
  as_root apt-get update -qq
  # curl fetches the crate over HTTPS (CA certificates); gcc only recommends libc's headers (libc6-dev).
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    ca-certificates libc6-dev >/dev/null
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
