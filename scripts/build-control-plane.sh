#!/usr/bin/env bash
# Build a real Kubernetes control plane (etcd, kube-apiserver,
# kube-controller-manager, kubectl) from the Go module proxy into a cache.
#
# Usage:   scripts/build-control-plane.sh
# Output:  progress lines on stderr; the absolute bin directory on stdout, e.g.
#            BIN="$(scripts/build-control-plane.sh)"
#
# Cache layout (CACHE = ${SCHEMAGUARD_CACHE:-$HOME/.cache/schemaguard}):
#   $CACHE/k8s/<K8S_VERSION>/bin/etcd                     etcd <ETCD_VERSION>
#   $CACHE/k8s/<K8S_VERSION>/bin/kube-apiserver
#   $CACHE/k8s/<K8S_VERSION>/bin/kube-controller-manager
#   $CACHE/k8s/<K8S_VERSION>/bin/kubectl
#   $CACHE/k8s/<K8S_VERSION>/bin/.stamp                   versions the binaries were built from
#   $CACHE/k8s/build-tmp/<K8S_VERSION>/{k8s,etcd}/        throw-away Go modules used for building
#   $CACHE/k8s/.lock                                      flock(1) lock serialising concurrent builds
#
# Warm cache: if every binary exists and .stamp records the same versions (and
# RECIPE), the script prints the bin dir and exits 0 without invoking Go.
#
# How it builds: k8s.io/kubernetes is not meant to be consumed as a module; its
# go.mod requires every staging module (k8s.io/api, k8s.io/apiserver, ...) at
# v0.0.0 and replaces them with ./staging/src/... paths, which are ignored for
# a dependency. The temporary module therefore requires k8s.io/kubernetes
# <K8S_VERSION> and replaces every k8s.io/* module that Kubernetes' go.mod
# requires at v0.0.0 with the published staging release v0.X.Y (for v1.X.Y).
# The list is derived from Kubernetes' own go.mod, so it is always complete.
# etcd is built in a separate module from go.etcd.io/etcd/server/v3, whose
# module root is etcd's `package main` (it calls etcdmain.Main(os.Args)).
#
# Requirements: Go >= the go line of k8s.io/kubernetes' go.mod (1.26.0 for
# v1.37.x) and access to a Go module proxy. Everything is built with
# CGO_ENABLED=0, -trimpath, -ldflags "-s -w" and the version ldflags of the
# upstream build (so `kube-apiserver --version` prints K8S_VERSION and
# /version reports it). The default module and build caches are used, so a
# rebuild after a version bump mostly re-links.
#
# Writes are atomic: binaries are built into a temporary directory, moved into
# place one by one, and .stamp is written last (and removed before a rebuild),
# so an interrupted build never leaves a cache that looks complete.
set -euo pipefail

K8S_VERSION="${SCHEMAGUARD_K8S_VERSION:-v1.37.2}"
ETCD_VERSION="${SCHEMAGUARD_ETCD_VERSION:-v3.7.3}"
# Bump when the way binaries are built changes, to invalidate existing caches.
RECIPE=1

CACHE="${SCHEMAGUARD_CACHE:-$HOME/.cache/schemaguard}"
K8S_ROOT="$CACHE/k8s"
BIN="$K8S_ROOT/$K8S_VERSION/bin"
STAMP="$BIN/.stamp"
KUBE_BINS=(kube-apiserver kube-controller-manager kubectl)
ALL_BINS=(etcd "${KUBE_BINS[@]}")

log() { printf '[build-control-plane] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

stamp_content() {
  printf 'k8s=%s\netcd=%s\nrecipe=%s\n' "$K8S_VERSION" "$ETCD_VERSION" "$RECIPE"
}

cache_is_warm() {
  local b
  for b in "${ALL_BINS[@]}"; do
    [[ -x "$BIN/$b" ]] || return 1
  done
  [[ -f "$STAMP" ]] && [[ "$(cat "$STAMP")" == "$(stamp_content)" ]]
}

# Fast path: no lock, no Go.
if cache_is_warm; then
  log "cache hit: $BIN (k8s $K8S_VERSION, etcd $ETCD_VERSION)"
  printf '%s\n' "$BIN"
  exit 0
fi

[[ "$K8S_VERSION" =~ ^v1\.([0-9]+)\.([0-9]+)$ ]] || die "K8S_VERSION must look like v1.X.Y, got $K8S_VERSION"
K8S_MINOR="${BASH_REMATCH[1]}"
STAGING_VERSION="v0.${BASH_REMATCH[1]}.${BASH_REMATCH[2]}"
[[ "$ETCD_VERSION" =~ ^v3\.[0-9]+\.[0-9]+$ ]] || die "ETCD_VERSION must look like v3.X.Y, got $ETCD_VERSION"
command -v go >/dev/null 2>&1 || die "go is not on PATH (need Go >= 1.26 for Kubernetes $K8S_VERSION)"

mkdir -p "$K8S_ROOT"
# Serialise concurrent builds (e.g. two test JVMs); the second waits and then
# finds a warm cache.
exec 9>"$K8S_ROOT/.lock"
if command -v flock >/dev/null 2>&1; then
  log "waiting for build lock $K8S_ROOT/.lock"
  flock 9
  if cache_is_warm; then
    log "cache became warm while waiting: $BIN"
    printf '%s\n' "$BIN"
    exit 0
  fi
fi

start=$(date +%s)
export CGO_ENABLED=0
export GOFLAGS="-mod=mod -buildvcs=false"
export GO111MODULE=on

WORK="$K8S_ROOT/build-tmp/$K8S_VERSION"
OUT="$WORK/out.$$"
rm -rf "$WORK"
mkdir -p "$WORK/k8s" "$WORK/etcd" "$OUT" "$BIN"
cleanup() { rm -rf "$OUT"; }
trap cleanup EXIT

# Invalidate before touching anything in BIN.
rm -f "$STAMP"
stamp_line() { if [[ -f "$BIN/.stamp.$1" ]]; then cat "$BIN/.stamp.$1"; fi; }

log "go: $(go version) (GOTOOLCHAIN=$(go env GOTOOLCHAIN))"

# ---------------------------------------------------------------- Kubernetes
need_kube=0
for b in "${KUBE_BINS[@]}"; do [[ -x "$BIN/$b" ]] || need_kube=1; done
[[ "$(stamp_line kube)" == "$K8S_VERSION/$RECIPE" ]] || need_kube=1

if (( need_kube )); then
  log "resolving k8s.io/kubernetes@$K8S_VERSION from the module proxy"
  info_json="$(cd "$WORK" && GOFLAGS='' go mod download -json "k8s.io/kubernetes@$K8S_VERSION")" \
    || die "cannot download k8s.io/kubernetes@$K8S_VERSION: $info_json"
  k8s_gomod="$(sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p' <<<"$info_json")"
  k8s_info="$(sed -n 's/^[[:space:]]*"Info": "\(.*\)",$/\1/p' <<<"$info_json")"
  k8s_time="$(sed -n 's/.*"Time":"\([^"]*\)".*/\1/p' "$k8s_info" 2>/dev/null || true)"
  [[ -f "$k8s_gomod" ]] || die "go.mod of k8s.io/kubernetes@$K8S_VERSION not found (got: $info_json)"
  go_line="$(awk '$1=="go"{print $2; exit}' "$k8s_gomod")"
  log "k8s.io/kubernetes@$K8S_VERSION needs go $go_line"

  # Every k8s.io/* module required at v0.0.0 is a staging module.
  mapfile -t staging < <(awk '
    /^require[[:space:]]*\(/ {inreq=1; next}
    inreq && /^\)/ {inreq=0; next}
    inreq && $1 ~ /^k8s\.io\// && $2 == "v0.0.0" {print $1}
    /^require[[:space:]]+k8s\.io\/[^[:space:]]+[[:space:]]+v0\.0\.0/ {print $2}
  ' "$k8s_gomod" | sort -u)
  (( ${#staging[@]} > 0 )) || die "found no staging modules in $k8s_gomod"
  log "pinning ${#staging[@]} staging modules to $STAGING_VERSION"

  {
    printf 'module schemaguard.local/k8s-control-plane-build\n\n'
    printf 'go %s\n\n' "$go_line"
    printf 'require k8s.io/kubernetes %s\n\n' "$K8S_VERSION"
    printf 'replace (\n'
    for m in "${staging[@]}"; do
      printf '\t%s => %s %s\n' "$m" "$m" "$STAGING_VERSION"
    done
    printf ')\n'
  } >"$WORK/k8s/go.mod"

  # Version ldflags as in hack/lib/version.sh (gitCommit is unknown from the
  # proxy and left at its default). buildDate = release time => reproducible.
  kv=()
  add_ldflag() {
    kv+=("-X" "k8s.io/client-go/pkg/version.$1=$2" "-X" "k8s.io/component-base/version.$1=$2")
  }
  add_ldflag gitVersion "$K8S_VERSION"
  add_ldflag gitMajor "1"
  add_ldflag gitMinor "$K8S_MINOR"
  add_ldflag gitTreeState "clean"
  add_ldflag buildDate "${k8s_time:-1970-01-01T00:00:00Z}"
  kube_ldflags="-s -w ${kv[*]}"

  pkgs=()
  for b in "${KUBE_BINS[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$b"); done
  log "building ${KUBE_BINS[*]} (cold: ~5-10 min on 2 cores, mostly compiling)"
  t0=$(date +%s)
  (cd "$WORK/k8s" && go build -trimpath -ldflags "$kube_ldflags" -o "$OUT/" "${pkgs[@]}") \
    || die "go build of Kubernetes $K8S_VERSION failed"
  log "built Kubernetes binaries in $(( $(date +%s) - t0 ))s"
  "$OUT/kube-apiserver" --version >&2 || die "built kube-apiserver does not run"
  for b in "${KUBE_BINS[@]}"; do
    mv -f "$OUT/$b" "$BIN/$b"
  done
  printf '%s/%s\n' "$K8S_VERSION" "$RECIPE" >"$BIN/.stamp.kube.tmp"
  mv -f "$BIN/.stamp.kube.tmp" "$BIN/.stamp.kube"
else
  log "Kubernetes binaries already up to date"
fi

# ---------------------------------------------------------------------- etcd
if [[ ! -x "$BIN/etcd" || "$(stamp_line etcd)" != "$ETCD_VERSION/$RECIPE" ]]; then
  log "building etcd $ETCD_VERSION (go.etcd.io/etcd/server/v3)"
  {
    printf 'module schemaguard.local/etcd-build\n\n'
    printf 'go 1.26.0\n\n'
    printf 'require go.etcd.io/etcd/server/v3 %s\n' "$ETCD_VERSION"
  } >"$WORK/etcd/go.mod"
  t0=$(date +%s)
  (cd "$WORK/etcd" && go mod download go.etcd.io/etcd/server/v3 >&2 \
    && go build -trimpath -ldflags "-s -w" -o "$OUT/etcd" go.etcd.io/etcd/server/v3) \
    || die "go build of etcd $ETCD_VERSION failed"
  log "built etcd in $(( $(date +%s) - t0 ))s"
  "$OUT/etcd" --version >&2 || die "built etcd does not run"
  mv -f "$OUT/etcd" "$BIN/etcd"
  printf '%s/%s\n' "$ETCD_VERSION" "$RECIPE" >"$BIN/.stamp.etcd.tmp"
  mv -f "$BIN/.stamp.etcd.tmp" "$BIN/.stamp.etcd"
else
  log "etcd already up to date"
fi

stamp_content >"$STAMP.tmp"
mv -f "$STAMP.tmp" "$STAMP"
rm -rf "$WORK"
log "control plane ready in $BIN (build time $(( $(date +%s) - start ))s)"
printf '%s\n' "$BIN"
