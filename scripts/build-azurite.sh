#!/usr/bin/env bash
# Installs Azurite, Microsoft's Azure Storage emulator (a Node.js program), from npm into a cache, and
# prints the path of a wrapper that starts its Blob service. The Azure backend's tests run against it.
#
# Usage:   scripts/build-azurite.sh [VERSION]   (default 3.37.0)
# Output:  progress on stderr; the absolute path of the wrapper on stdout, e.g.
#            SCHEMAGUARD_AZURITE="$(scripts/build-azurite.sh)"
#          The wrapper is `$DIR/bin/azurite-blob ARGS...` (Azurite's own azurite-blob options).
# Cache:   ${SCHEMAGUARD_CACHE:-$HOME/.cache/schemaguard}/azurite/<version>/, with a .stamp written
#          last; a warm cache prints the path without running npm (cold: about 30 s).
set -euo pipefail

VERSION="${1:-3.37.0}"
RECIPE=1
CACHE="${SCHEMAGUARD_CACHE:-$HOME/.cache/schemaguard}"
ROOT="$CACHE/azurite"
DIR="$ROOT/$VERSION"
WRAPPER="$DIR/bin/azurite-blob"
STAMP="$DIR/.stamp"

log() { printf '[build-azurite] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
stamp_content() { printf 'azurite=%s\nrecipe=%s\n' "$VERSION" "$RECIPE"; }
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
flock 9
if cache_is_warm; then
  printf '%s\n' "$WRAPPER"
  exit 0
fi
start=$(date +%s)
OUT="$(mktemp -d "$ROOT/build.XXXXXX")"
trap 'rm -rf "$OUT"' EXIT
rm -f "$STAMP"
printf '{ "name": "schemaguard-azurite", "private": true, "dependencies": { "azurite": "%s" } }\n' "$VERSION" \
  >"$OUT/package.json"
log "installing azurite@$VERSION from npm"
(cd "$OUT" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error >"$OUT/npm.log" 2>&1) \
  || { tail -n 20 "$OUT/npm.log" >&2; die "npm install failed (last lines above)"; }
actual="$(cd "$OUT" && node -p 'require("azurite/package.json").version')"
[[ "$actual" == "$VERSION" ]] || die "npm installed azurite $actual, not $VERSION"
mkdir -p "$OUT/bin"
cat >"$OUT/bin/azurite-blob" <<'SH'
#!/usr/bin/env bash
# Starts Azurite's Blob service from the cached install; options are Azurite's own.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec node "$here/node_modules/azurite/dist/src/blob/main.js" "$@"
SH
chmod 0755 "$OUT/bin/azurite-blob"
rm -rf "$DIR"
mv "$OUT" "$DIR"
trap - EXIT
rm -f "$DIR/npm.log"
stamp_content >"$STAMP.tmp"
mv -f "$STAMP.tmp" "$STAMP"
log "azurite $VERSION ready at $WRAPPER ($(( $(date +%s) - start )) s)"
printf '%s\n' "$WRAPPER"
