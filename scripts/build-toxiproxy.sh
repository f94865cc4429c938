#!/usr/bin/env bash
# Builds Toxiproxy's server (the TCP fault proxy the fault suite puts between the runner and
# PostgreSQL or S3) from the Go module proxy into a cache; no prebuilt download is reachable here.
#
# Usage:   scripts/build-toxiproxy.sh
# Output:  progress on stderr; the absolute path of the server binary on stdout, e.g.
#            SCHEMAGUARD_TOXIPROXY="$(scripts/build-toxiproxy.sh)"
# Cache:   ${SCHEMAGUARD_CACHE:-$HOME/.cache/schemaguard}/toxiproxy/<version>/toxiproxy-server, with
#          a .stamp written last; a warm cache prints the path without running Go (cold: about 40 s).
set -euo pipefail

VERSION="${SCHEMAGUARD_TOXIPROXY_VERSION:-v2.5.0}"
RECIPE=1
CACHE="${SCHEMAGUARD_CACHE:-$HOME/.cache/schemaguard}"
ROOT="$CACHE/toxiproxy"
DIR="$ROOT/$VERSION"
BIN="$DIR/toxiproxy-server"
STAMP="$DIR/.stamp"

log() { printf '[build-toxiproxy] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
stamp_content() { printf 'toxiproxy=%s\nrecipe=%s\n' "$VERSION" "$RECIPE"; }
cache_is_warm() { [[ -x "$BIN" && -f "$STAMP" && "$(cat "$STAMP")" == "$(stamp_content)" ]]; }

if cache_is_warm; then
  log "cache hit: $BIN"
  printf '%s\n' "$BIN"
  exit 0
fi
command -v go >/dev/null 2>&1 || die "go is not on PATH"

mkdir -p "$ROOT"
exec 9>"$ROOT/.lock"
flock 9
if cache_is_warm; then
  printf '%s\n' "$BIN"
  exit 0
fi
start=$(date +%s)
mkdir -p "$DIR"
OUT="$(mktemp -d "$ROOT/build.XXXXXX")"
trap 'rm -rf "$OUT"' EXIT
rm -f "$STAMP"
log "building github.com/Shopify/toxiproxy/v2/cmd/server@$VERSION"
# The module's own go.mod pins its dependencies; -buildvcs=false because there is no VCS here.
(cd "$OUT" && CGO_ENABLED=0 GO111MODULE=on GOFLAGS="-buildvcs=false" GOBIN="$OUT" \
  go install -trimpath -ldflags "-s -w" "github.com/Shopify/toxiproxy/v2/cmd/server@$VERSION") \
  || die "go install of toxiproxy $VERSION failed"
"$OUT/server" -version >&2 || die "built toxiproxy does not run"
mv -f "$OUT/server" "$BIN"
stamp_content >"$STAMP.tmp"
mv -f "$STAMP.tmp" "$STAMP"
log "toxiproxy ready at $BIN ($(( $(date +%s) - start )) s)"
printf '%s\n' "$BIN"
