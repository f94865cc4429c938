#!/usr/bin/env bash
# Build the helm CLI from the Go module proxy into a cache (no prebuilt helm downloads exist here).
#
# Usage:   scripts/build-helm.sh
# Output:  progress lines on stderr; the absolute path of the helm binary on stdout, e.g.
#            HELM="$(scripts/build-helm.sh)"
#
# Cache layout (CACHE = ${SCHEMAGUARD_CACHE:-$HOME/.cache/schemaguard}):
#   $CACHE/helm/<HELM_VERSION>/helm     the binary
#   $CACHE/helm/<HELM_VERSION>/.stamp   version and recipe it was built from (written last)
#   $CACHE/helm/.lock                   flock(1) lock serialising concurrent builds
#
# Warm cache: if the binary exists and .stamp matches, the script prints its path and exits 0
# without invoking Go.
#
# How it builds: `go install helm.sh/helm/v4/cmd/helm@<version>`, i.e. with exactly the
# dependency versions of helm's own go.mod (it has no replace directives), CGO_ENABLED=0, -trimpath
# and the version ldflags of helm's Makefile, so `helm version` reports HELM_VERSION.
# Requirements: Go >= the go line of helm's go.mod (1.26.0 for v4.3.x), a Go module proxy.
set -euo pipefail

HELM_VERSION="${SCHEMAGUARD_HELM_VERSION:-v4.3.1}"
# Bump when the way the binary is built changes, to invalidate existing caches.
RECIPE=1

CACHE="${SCHEMAGUARD_CACHE:-$HOME/.cache/schemaguard}"
HELM_ROOT="$CACHE/helm"
DIR="$HELM_ROOT/$HELM_VERSION"
HELM="$DIR/helm"
STAMP="$DIR/.stamp"

log() { printf '[build-helm] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

stamp_content() { printf 'helm=%s\nrecipe=%s\n' "$HELM_VERSION" "$RECIPE"; }
cache_is_warm() { [[ -x "$HELM" && -f "$STAMP" && "$(cat "$STAMP")" == "$(stamp_content)" ]]; }

# Fast path: no lock, no Go.
if cache_is_warm; then
  log "cache hit: $HELM"
  printf '%s\n' "$HELM"
  exit 0
fi

[[ "$HELM_VERSION" =~ ^v([34])\.[0-9]+\.[0-9]+$ ]] || die "HELM_VERSION must look like v4.X.Y or v3.X.Y, got $HELM_VERSION"
MODULE="helm.sh/helm/v${BASH_REMATCH[1]}"
command -v go >/dev/null 2>&1 || die "go is not on PATH (need Go >= 1.26 for helm $HELM_VERSION)"

mkdir -p "$HELM_ROOT"
exec 9>"$HELM_ROOT/.lock"
if command -v flock >/dev/null 2>&1; then
  log "waiting for build lock $HELM_ROOT/.lock"
  flock 9
  if cache_is_warm; then
    log "cache became warm while waiting: $HELM"
    printf '%s\n' "$HELM"
    exit 0
  fi
fi

start=$(date +%s)
mkdir -p "$DIR"
OUT="$(mktemp -d "$HELM_ROOT/build.XXXXXX")"
trap 'rm -rf "$OUT"' EXIT
rm -f "$STAMP"

log "go: $(go version)"
log "building $MODULE/cmd/helm@$HELM_VERSION (cold: a few minutes on 2 cores)"
ldflags="-s -w -X $MODULE/internal/version.version=$HELM_VERSION"
ldflags+=" -X $MODULE/internal/version.metadata= -X $MODULE/internal/version.gitTreeState=clean"
# go install pkg@version ignores any go.mod in the working directory; run it from $OUT anyway.
(cd "$OUT" && CGO_ENABLED=0 GO111MODULE=on GOFLAGS="-buildvcs=false" GOBIN="$OUT" \
  go install -trimpath -ldflags "$ldflags" "$MODULE/cmd/helm@$HELM_VERSION") \
  || die "go install of $MODULE/cmd/helm@$HELM_VERSION failed"
"$OUT/helm" version >&2 || die "built helm does not run"

mv -f "$OUT/helm" "$HELM"
stamp_content >"$STAMP.tmp"
mv -f "$STAMP.tmp" "$STAMP"
log "helm ready at $HELM (build time $(( $(date +%s) - start ))s)"
printf '%s\n' "$HELM"
