#!/usr/bin/env bash
# Builds fake-gcs-server (a Google Cloud Storage emulator speaking the JSON API, resumable uploads
# included; the GCS backend suite runs the runner against it) from the Go module proxy into a cache;
# no prebuilt download is reachable here.
#
# Usage:   scripts/build-fake-gcs.sh
# Output:  progress on stderr; the absolute path of the server binary on stdout, e.g.
#            SCHEMAGUARD_FAKE_GCS="$(scripts/build-fake-gcs.sh)"
# Cache:   ${SCHEMAGUARD_CACHE:-$HOME/.cache/schemaguard}/fake-gcs-server/<version>/fake-gcs-server, with
#          a .stamp written last; a warm cache prints the path without running Go (cold: about 70 s,
#          most of it fetching and compiling its Google Cloud Go dependencies).
set -euo pipefail

VERSION="${SCHEMAGUARD_FAKE_GCS_VERSION:-v1.56.1}"
RECIPE=1
CACHE="${SCHEMAGUARD_CACHE:-$HOME/.cache/schemaguard}"
ROOT="$CACHE/fake-gcs-server"
DIR="$ROOT/$VERSION"
BIN="$DIR/fake-gcs-server"
STAMP="$DIR/.stamp"

log() { printf '[build-fake-gcs] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
stamp_content() { printf 'fake-gcs-server=%s\nrecipe=%s\n' "$VERSION" "$RECIPE"; }
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
log "building github.com/fsouza/fake-gcs-server@$VERSION"
# The program is the module's root package; its go.mod pins the dependencies. -buildvcs=false: no VCS here.
(cd "$OUT" && CGO_ENABLED=0 GO111MODULE=on GOFLAGS="-buildvcs=false" GOBIN="$OUT" \
  go install -trimpath -ldflags "-s -w" "github.com/fsouza/fake-gcs-server@$VERSION") \
  || die "go install of fake-gcs-server $VERSION failed"
# it has no -version flag; -help prints its flags and exits 0 (2 on some flag packages), so only a crash fails
"$OUT/fake-gcs-server" -help >/dev/null 2>&1 || [[ $? -eq 2 ]] || die "built fake-gcs-server does not run"
mv -f "$OUT/fake-gcs-server" "$BIN"
stamp_content >"$STAMP.tmp"
mv -f "$STAMP.tmp" "$STAMP"
log "fake-gcs-server ready at $BIN ($(( $(date +%s) - start )) s)"
printf '%s\n' "$BIN"
