#!/usr/bin/env bash
# Builds a real Kubernetes node beside the control plane of scripts/build-control-plane.sh: kubelet,
# kube-scheduler and kube-proxy (the same Kubernetes module version), containerd with its runc shim and
# ctr (from the Go module proxy), and the pause image (pause.c from the Kubernetes module, gcc -static,
# packed FROM scratch with buildah); installs runc, Debian's CNI plugins (bridge, host-local, loopback),
# iptables and buildah from Debian's packages. Everything is cached.
#
# Usage:   scripts/build-node.sh
# Output:  progress lines on stderr; the absolute node directory on stdout, e.g.
#            NODE="$(scripts/build-node.sh)"
#
# Cache layout (CACHE = ${SCHEMAGUARD_CACHE:-$HOME/.cache/schemaguard}):
#   $CACHE/k8s-node/<K8S_VERSION>-<CONTAINERD_VERSION>/bin/{kubelet,kube-scheduler,kube-proxy}
#   $CACHE/k8s-node/<K8S_VERSION>-<CONTAINERD_VERSION>/bin/{containerd,containerd-shim-runc-v2,ctr}
#   $CACHE/k8s-node/<K8S_VERSION>-<CONTAINERD_VERSION>/pause.tar     docker-archive of PAUSE_IMAGE
#   $CACHE/k8s-node/<K8S_VERSION>-<CONTAINERD_VERSION>/pause.ref     its reference
#   $CACHE/k8s-node/<K8S_VERSION>-<CONTAINERD_VERSION>/.stamp        written last
# A warm cache prints the directory without invoking Go (the Debian packages are checked with dpkg-query).
#
# The Kubernetes binaries are built as scripts/build-control-plane.sh builds its own (a throwaway module
# that requires k8s.io/kubernetes and pins every staging module to its published release), so they
# share Go's module and build caches with it. containerd: CGO_ENABLED=0 with the tags no_btrfs
# no_devmapper no_zfs (no C libraries for snapshotters the node does not use).
set -euo pipefail

K8S_VERSION="${SCHEMAGUARD_K8S_VERSION:-v1.37.2}"
CONTAINERD_VERSION="${SCHEMAGUARD_CONTAINERD_VERSION:-v2.3.7}"
RECIPE=1

CACHE="${SCHEMAGUARD_CACHE:-$HOME/.cache/schemaguard}"
ROOT="$CACHE/k8s-node"
NODE="$ROOT/$K8S_VERSION-$CONTAINERD_VERSION"
BIN="$NODE/bin"
STAMP="$NODE/.stamp"
KUBE_BINS=(kubelet kube-scheduler kube-proxy)
CONTAINERD_BINS=(containerd containerd-shim-runc-v2 ctr)
DEBIAN_PACKAGES=(runc containernetworking-plugins iptables buildah)

log() { printf '[build-node] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

stamp_content() { printf 'k8s=%s\ncontainerd=%s\nrecipe=%s\n' "$K8S_VERSION" "$CONTAINERD_VERSION" "$RECIPE"; }

install_packages() {
  local missing=() pkg
  for pkg in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f '${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  if (( ${#missing[@]} )); then
    log "installing ${missing[*]} from Debian packages"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

cache_is_warm() {
  local b
  for b in "${KUBE_BINS[@]}" "${CONTAINERD_BINS[@]}"; do [[ -x "$BIN/$b" ]] || return 1; done
  [[ -s "$NODE/pause.tar" && -s "$NODE/pause.ref" && -f "$STAMP" && "$(cat "$STAMP")" == "$(stamp_content)" ]]
}

install_packages
if cache_is_warm; then
  log "cache hit: $NODE"
  printf '%s\n' "$NODE"
  exit 0
fi

[[ "$K8S_VERSION" =~ ^v1\.([0-9]+)\.([0-9]+)$ ]] || die "K8S_VERSION must look like v1.X.Y, got $K8S_VERSION"
K8S_MINOR="${BASH_REMATCH[1]}"
STAGING_VERSION="v0.${BASH_REMATCH[1]}.${BASH_REMATCH[2]}"
command -v go >/dev/null 2>&1 || die "go is not on PATH"
command -v gcc >/dev/null 2>&1 || die "gcc is not on PATH (scripts/test-setup.sh installs it)"

mkdir -p "$ROOT"
exec 9>"$ROOT/.lock"
log "waiting for build lock $ROOT/.lock"
flock 9
if cache_is_warm; then
  log "cache became warm while waiting: $NODE"
  printf '%s\n' "$NODE"
  exit 0
fi

start=$(date +%s)
export GOFLAGS="-mod=mod -buildvcs=false" GO111MODULE=on
WORK="$ROOT/build-tmp/$K8S_VERSION-$CONTAINERD_VERSION"
OUT="$WORK/out"
rm -rf "$WORK"
mkdir -p "$WORK/k8s" "$WORK/containerd" "$OUT" "$BIN"
trap 'rm -rf "$WORK"' EXIT
rm -f "$STAMP"
log "go: $(go version)"

# ---------------------------------------------------------------------------------------- Kubernetes
need_kube=0
for b in "${KUBE_BINS[@]}"; do [[ -x "$BIN/$b" ]] || need_kube=1; done
if (( need_kube )); then
  info_json="$(cd "$WORK" && GOFLAGS='' go mod download -json "k8s.io/kubernetes@$K8S_VERSION")" \
    || die "cannot download k8s.io/kubernetes@$K8S_VERSION: $info_json"
  k8s_gomod="$(sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p' <<<"$info_json")"
  k8s_info="$(sed -n 's/^[[:space:]]*"Info": "\(.*\)",$/\1/p' <<<"$info_json")"
  k8s_time="$(sed -n 's/.*"Time":"\([^"]*\)".*/\1/p' "$k8s_info" 2>/dev/null || true)"
  go_line="$(awk '$1=="go"{print $2; exit}' "$k8s_gomod")"
  mapfile -t staging < <(awk '
    /^require[[:space:]]*\(/ {inreq=1; next}
    inreq && /^\)/ {inreq=0; next}
    inreq && $1 ~ /^k8s\.io\// && $2 == "v0.0.0" {print $1}
    /^require[[:space:]]+k8s\.io\/[^[:space:]]+[[:space:]]+v0\.0\.0/ {print $2}
  ' "$k8s_gomod" | sort -u)
  (( ${#staging[@]} > 0 )) || die "found no staging modules in $k8s_gomod"
  {
    printf 'module schemaguard.local/k8s-node-build\n\ngo %s\n\nrequire k8s.io/kubernetes %s\n\nreplace (\n' "$go_line" "$K8S_VERSION"
    for m in "${staging[@]}"; do printf '\t%s => %s %s\n' "$m" "$m" "$STAGING_VERSION"; done
    printf ')\n'
  } >"$WORK/k8s/go.mod"
  kv=()
  for kvp in "gitVersion=$K8S_VERSION" "gitMajor=1" "gitMinor=$K8S_MINOR" "gitTreeState=clean" \
             "buildDate=${k8s_time:-1970-01-01T00:00:00Z}"; do
    kv+=("-X" "k8s.io/client-go/pkg/version.$kvp" "-X" "k8s.io/component-base/version.$kvp")
  done
  pkgs=()
  for b in "${KUBE_BINS[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$b"); done
  log "building ${KUBE_BINS[*]} $K8S_VERSION (cold: minutes on 2 cores; shares the control plane's build cache)"
  t0=$(date +%s)
  (cd "$WORK/k8s" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w ${kv[*]}" -o "$OUT/" "${pkgs[@]}") \
    || die "go build of Kubernetes $K8S_VERSION node binaries failed"
  log "built ${KUBE_BINS[*]} in $(( $(date +%s) - t0 ))s"
  "$OUT/kubelet" --version >&2 || die "built kubelet does not run"
  for b in "${KUBE_BINS[@]}"; do mv -f "$OUT/$b" "$BIN/$b"; done
fi

# ---------------------------------------------------------------------------------------- containerd
need_containerd=0
for b in "${CONTAINERD_BINS[@]}"; do [[ -x "$BIN/$b" ]] || need_containerd=1; done
if (( need_containerd )); then
  mod=github.com/containerd/containerd/v2
  {
    printf 'module schemaguard.local/containerd-build\n\ngo 1.26.0\n\nrequire %s %s\n' "$mod" "$CONTAINERD_VERSION"
  } >"$WORK/containerd/go.mod"
  log "building containerd $CONTAINERD_VERSION (CGO_ENABLED=0, tags no_btrfs no_devmapper no_zfs)"
  t0=$(date +%s)
  ldflags="-s -w -X $mod/version.Version=$CONTAINERD_VERSION -X $mod/version.Package=$mod"
  (cd "$WORK/containerd" && GOFLAGS='-buildvcs=false' go mod download "$mod" >&2 \
    && GOFLAGS='-mod=mod -buildvcs=false' go get "$mod@$CONTAINERD_VERSION" >&2 \
    && CGO_ENABLED=0 go build -trimpath -tags "no_btrfs no_devmapper no_zfs" -ldflags "$ldflags" -o "$OUT/" \
      "$mod/cmd/containerd" "$mod/cmd/containerd-shim-runc-v2" "$mod/cmd/ctr") \
    || die "go build of containerd $CONTAINERD_VERSION failed"
  log "built containerd in $(( $(date +%s) - t0 ))s"
  "$OUT/containerd" --version >&2 || die "built containerd does not run"
  for b in "${CONTAINERD_BINS[@]}"; do mv -f "$OUT/$b" "$BIN/$b"; done
fi

# ---------------------------------------------------------------------------------------- pause
if [[ ! -s "$NODE/pause.tar" || ! -s "$NODE/pause.ref" ]]; then
  k8s_dir="$(cd "$WORK" && GOFLAGS='' go mod download -json "k8s.io/kubernetes@$K8S_VERSION" \
    | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  pause_c="$k8s_dir/build/pause/linux/pause.c"
  [[ -f "$pause_c" ]] || die "no pause.c in $k8s_dir"
  tag="$(sed -n 's/^TAG[[:space:]]*?\{0,1\}=[[:space:]]*\([0-9.]*\).*/\1/p' "$k8s_dir/build/pause/Makefile" | head -1)"
  [[ -n "$tag" ]] || die "cannot read the pause version from $k8s_dir/build/pause/Makefile"
  ref="registry.k8s.io/pause:$tag"
  log "building $ref from $pause_c (gcc -static, FROM scratch)"
  gcc -Os -Wall -Werror -static -DVERSION="v$tag-schemaguard" -o "$OUT/pause" "$pause_c" || die "gcc pause.c failed"
  strip "$OUT/pause"
  # buildah keeps this in its own storage beside the image build's (scripts/build-image.sh's configuration).
  export CONTAINERS_STORAGE_CONF="$WORK/storage.conf"
  printf '[storage]\ndriver = "vfs"\ngraphroot = "%s"\nrunroot = "%s"\n' "$WORK/storage" "$WORK/run" >"$CONTAINERS_STORAGE_CONF"
  ctr="$(buildah from scratch)"
  buildah copy "$ctr" "$OUT/pause" /pause >/dev/null
  buildah config --entrypoint '["/pause"]' --user 65535:65535 "$ctr"
  buildah commit --quiet --format docker "$ctr" "$ref" >/dev/null
  buildah push --quiet "$ref" "docker-archive:$OUT/pause.tar:$ref" >&2
  buildah rm "$ctr" >/dev/null
  buildah rmi --all >/dev/null 2>&1 || true
  mv -f "$OUT/pause.tar" "$NODE/pause.tar"
  printf '%s\n' "$ref" >"$NODE/pause.ref"
fi

stamp_content >"$STAMP.tmp"
mv -f "$STAMP.tmp" "$STAMP"
log "node ready in $NODE (build time $(( $(date +%s) - start ))s)"
printf '%s\n' "$NODE"
