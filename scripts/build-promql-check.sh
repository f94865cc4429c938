#!/usr/bin/env bash
# Builds promql-check (src/test/go/promql-check: Prometheus' own PromQL parser, the Go module
# github.com/prometheus/prometheus from the Go module proxy) into a cache. The dashboard tests run it
# to prove every panel's query parses and to learn which metrics the dashboard selects.
#
# Usage:   scripts/build-promql-check.sh
# Output:  progress on stderr; the absolute path of the binary on stdout, e.g.
#            SCHEMAGUARD_PROMQL_CHECK="$(scripts/build-promql-check.sh)"
# Cache:   ${SCHEMAGUARD_CACHE:-$HOME/.cache/schemaguard}/promql-check/<hash of the sources>/promql-check,
#          with a .stamp written last; a warm cache prints the path without running Go (cold: under a
#          minute on 2 cores with the modules already downloaded). The sources' go.mod pins the
#          Prometheus version and go.sum its checksums; GOPROXY comes from the environment.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$root/src/test/go/promql-check"
RECIPE=1
CACHE="${SCHEMAGUARD_CACHE:-$HOME/.cache/schemaguard}"
ROOT="$CACHE/promql-check"

log() { printf '[build-promql-check] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[[ -f "$SRC/go.mod" ]] || die "no sources at $SRC"
# A change to the program or its pinned modules is a new cache entry.
HASH="$(cat "$SRC/go.mod" "$SRC/go.sum" "$SRC"/*.go | sha256sum | cut -c1-16)"
DIR="$ROOT/$HASH"
BIN="$DIR/promql-check"
STAMP="$DIR/.stamp"
stamp_content() { printf 'sources=%s\nrecipe=%s\n' "$HASH" "$RECIPE"; }
cache_is_warm() { [[ -x "$BIN" && -f "$STAMP" && "$(cat "$STAMP")" == "$(stamp_content)" ]]; }

if cache_is_warm; then
  log "cache hit: $BIN"
  printf '%s\n' "$BIN"
  exit 0
fi
command -v go >/dev/null 2>&1 || die "go is not on PATH"

umask 022
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
log "building $SRC ($(grep -m1 'prometheus/prometheus' "$SRC/go.mod" | xargs))"
(cd "$SRC" && CGO_ENABLED=0 GO111MODULE=on GOFLAGS="-mod=mod -buildvcs=false" \
  go build -trimpath -ldflags "-s -w" -o "$OUT/promql-check" .) \
  || die "go build of promql-check failed"
printf 'rate(up[5m])\n' | "$OUT/promql-check" >/dev/null || die "built promql-check does not parse rate(up[5m])"
mv -f "$OUT/promql-check" "$BIN"
stamp_content >"$STAMP.tmp"
mv -f "$STAMP.tmp" "$STAMP"
log "promql-check ready at $BIN ($(( $(date +%s) - start )) s)"
printf '%s\n' "$BIN"
