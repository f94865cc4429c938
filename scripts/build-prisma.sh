#!/usr/bin/env bash
# Installs the real Prisma CLI from npm, with the PostgreSQL driver adapter its WebAssembly schema
# engine needs, into a cache, and prints the path of a wrapper that runs it.
#
# Usage:   scripts/build-prisma.sh [PRISMA_VERSION [ADAPTER_PG_VERSION]]   (default 6.19.3 7.10.1)
# Output:  progress lines on stderr; the absolute path of the wrapper on stdout, e.g.
#            SCHEMAGUARD_PRISMA="$(scripts/build-prisma.sh)"
#          The wrapper is `$DIR/bin/prisma ARGS...`; it runs the CLI in the current directory. A
#          project that uses the driver adapter needs node_modules beside its prisma.config.ts:
#          `$DIR/node_modules` (the wrapper prints it with --node-modules) may be symlinked there.
#
# Cache layout (CACHE = ${SCHEMAGUARD_CACHE:-$HOME/.cache/schemaguard}):
#   $CACHE/prisma/<VERSION>-adapter-pg-<ADAPTER_PG_VERSION>/   one install:
#     node_modules   prisma, @prisma/adapter-pg, pg (pinned versions)
#     bin/prisma     the wrapper
#     .stamp         versions and recipe it was installed from (written last)
#   $CACHE/prisma/.lock                    flock(1) lock serialising concurrent installs
#
# Why this way: Prisma's native engines come from the vendor's own download host, which this
# project cannot reach; the CLI package itself (and, in 6.x, the schema engine compiled to
# WebAssembly, which talks to PostgreSQL through @prisma/adapter-pg and pg) come from npm. Install
# scripts are not run (--ignore-scripts): @prisma/engines' postinstall only tries that download.
# What works with which version is written down in docs/prisma-compatibility.md.
set -euo pipefail

VERSION="${1:-6.19.3}"
# 6.19.3's own adapter cannot read PostgreSQL's `name` columns, and its WebAssembly schema engine
# then fails in `migrate deploy` (prisma/orm#27403); 7.10.1's adapter maps them (as text) and still
# implements the driver-adapter interface 6.19.3's engine calls.
ADAPTER_VERSION="${2:-7.10.1}"
PG_VERSION=8.23.1
# Bump when the way the CLI is installed changes, to invalidate existing caches.
RECIPE=2

CACHE="${SCHEMAGUARD_CACHE:-$HOME/.cache/schemaguard}"
ROOT="$CACHE/prisma"
DIR="$ROOT/$VERSION-adapter-pg-$ADAPTER_VERSION"
WRAPPER="$DIR/bin/prisma"
STAMP="$DIR/.stamp"

log() { printf '[build-prisma] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

stamp_content() { printf 'prisma=%s\nadapter-pg=%s\npg=%s\nrecipe=%s\n' "$VERSION" "$ADAPTER_VERSION" "$PG_VERSION" "$RECIPE"; }
cache_is_warm() { [[ -x "$WRAPPER" && -f "$STAMP" && "$(cat "$STAMP")" == "$(stamp_content)" ]]; }

if cache_is_warm; then
  log "cache hit: $WRAPPER"
  printf '%s\n' "$WRAPPER"
  exit 0
fi

for tool in node npm; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is not on PATH (Debian's nodejs and npm packages bring them)"
done

umask 022
mkdir -p "$ROOT"
exec 9>"$ROOT/.lock"
if command -v flock >/dev/null 2>&1; then
  log "waiting for install lock $ROOT/.lock"
  flock 9
  if cache_is_warm; then
    log "cache became warm while waiting: $WRAPPER"
    printf '%s\n' "$WRAPPER"
    exit 0
  fi
  rm -rf "$ROOT"/build.*
fi

start=$(date +%s)
OUT="$(mktemp -d "$ROOT/build.XXXXXX")"
trap 'rm -rf "$OUT"' EXIT
rm -f "$STAMP"

cat >"$OUT/package.json" <<JSON
{
  "name": "schemaguard-prisma-cli",
  "private": true,
  "dependencies": {
    "prisma": "$VERSION",
    "@prisma/adapter-pg": "$ADAPTER_VERSION",
    "pg": "$PG_VERSION"
  }
}
JSON
log "installing prisma@$VERSION, @prisma/adapter-pg@$ADAPTER_VERSION, pg@$PG_VERSION from npm"
(cd "$OUT" && CHECKPOINT_DISABLE=1 PRISMA_SKIP_POSTINSTALL_GENERATE=1 \
  npm install --ignore-scripts --no-audit --no-fund --loglevel=error >"$OUT/npm.log" 2>&1) \
  || { tail -n 20 "$OUT/npm.log" >&2; die "npm install failed (last lines above)"; }
actual="$(cd "$OUT" && node -p 'require("prisma/package.json").version')"
[[ "$actual" == "$VERSION" ]] || die "npm installed prisma $actual, not $VERSION"

mkdir -p "$OUT/bin"
cat >"$OUT/bin/prisma" <<'SH'
#!/usr/bin/env bash
# Runs the cached Prisma CLI. No telemetry or update check (they would try hosts this project cannot
# reach and slow every call down).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ "${1:-}" == "--node-modules" ]]; then printf '%s\n' "$here/node_modules"; exit 0; fi
export CHECKPOINT_DISABLE=1 PRISMA_HIDE_UPDATE_MESSAGE=1 PRISMA_SKIP_POSTINSTALL_GENERATE=1
exec node "$here/node_modules/prisma/build/index.js" "$@"
SH
chmod 0755 "$OUT/bin/prisma"
# Not `prisma --version`: it wants the native engines and fails without the vendor's download host.

rm -rf "$DIR"
mv "$OUT" "$DIR"
trap - EXIT
rm -f "$DIR/npm.log"
stamp_content >"$STAMP.tmp"
mv -f "$STAMP.tmp" "$STAMP"
log "prisma $VERSION ready at $WRAPPER ($(( $(date +%s) - start ))s)"
printf '%s\n' "$WRAPPER"
