#!/usr/bin/env bash
# Builds the project's image from its one Dockerfile on a machine without a Docker engine and without a
# container registry, cached, and exports it as an archive that containerd imports.
#
# Usage:   scripts/build-image.sh
# Output:  progress lines on stderr; the absolute path of the image archive (docker-archive) on stdout;
#          beside it <archive>.ref holds the image reference inside it, e.g.
#            ARCHIVE="$(scripts/build-image.sh)"; REF="$(cat "$ARCHIVE.ref")"
#
# How: podman and buildah from Debian build the Dockerfile (runc as the runtime: crun refuses a hybrid
# cgroup layout; cgroupfs; open-files limits inside the hard limit). The base images are not pulled:
#   localhost/schemaguard-base:bookworm       mmdebstrap --variant=minbase bookworm (for debian:bookworm-slim)
#   localhost/schemaguard-base:bookworm-jdk   the same plus openjdk-17-jdk-headless, curl, unzip (for the
#                                             build stage's eclipse-temurin:17-jdk)
# both made from Debian's mirror and `podman import`ed, carrying the CA certificates this machine adds with
# update-ca-certificates (/usr/local/share/ca-certificates), so HTTPS inside the build trusts what the host
# trusts. The PostgreSQL client is Debian's postgresql-client-15 (PG_CLIENT=debian): PGDG is unreachable here.
# SCHEMAGUARD_IMAGE_PG_CLIENT=pgdg SCHEMAGUARD_IMAGE_PG_MAJOR=19 builds the release flavour instead.
#
# Cache (CACHE = ${SCHEMAGUARD_CACHE:-$HOME/.cache/schemaguard}/image):
#   $CACHE/storage, $CACHE/containers.conf, $CACHE/storage.conf   podman's own storage and configuration
#   $CACHE/base-<name>-<recipe>.tar                                the mmdebstrap tarballs
#   $CACHE/schemaguard-<key>.tar (+ .ref)                          the exported image, written last
# <key> hashes every file of the build context the Dockerfile copies, the Dockerfile, the build arguments
# and the base images' recipe: a warm run hashes and prints the archive, in about a second.
# Idempotent; concurrent runs are serialised with flock.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

CACHE="${SCHEMAGUARD_CACHE:-$HOME/.cache/schemaguard}/image"
PG_CLIENT="${SCHEMAGUARD_IMAGE_PG_CLIENT:-debian}"
PG_MAJOR="${SCHEMAGUARD_IMAGE_PG_MAJOR:-15}"
REPO="${SCHEMAGUARD_IMAGE_REPOSITORY:-localhost/schemaguard/schemaguard}"
MIRROR="${SCHEMAGUARD_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SECURITY_MIRROR="${SCHEMAGUARD_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
# Bump when the base images are made differently.
BASE_RECIPE=1
RUNTIME_BASE="localhost/schemaguard-base:bookworm-$BASE_RECIPE"
BUILD_BASE="localhost/schemaguard-base:bookworm-jdk-$BASE_RECIPE"

log() { printf '[build-image] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

context_files() {
  # What the Dockerfile copies (.dockerignore lets only these in), in a stable order.
  find mvnw pom.xml .mvn src/main scripts/build-pg-query.sh -type f -print0 | LC_ALL=C sort -z
}
image_key() {
  {
    context_files | xargs -0 sha256sum
    sha256sum Dockerfile .dockerignore
    printf 'pg_client=%s pg_major=%s base=%s repo=%s\n' "$PG_CLIENT" "$PG_MAJOR" "$BASE_RECIPE" "$REPO"
  } | sha256sum | cut -c1-16
}

key="$(image_key)"
ARCHIVE="$CACHE/schemaguard-$key.tar"
REF="$REPO:dev-$key"
if [[ -s "$ARCHIVE" && -s "$ARCHIVE.ref" ]]; then
  log "cache hit: $ARCHIVE ($(cat "$ARCHIVE.ref"))"
  printf '%s\n' "$ARCHIVE"
  exit 0
fi

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
log "waiting for build lock $CACHE/.lock"
flock 9
if [[ -s "$ARCHIVE" && -s "$ARCHIVE.ref" ]]; then
  log "cache became warm while waiting: $ARCHIVE"
  printf '%s\n' "$ARCHIVE"
  exit 0
fi
start=$(date +%s)

# ------------------------------------------------------------------------------- the tools, from Debian
missing=()
for pkg in podman buildah mmdebstrap runc; do
  dpkg-query -W -f '${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if (( ${#missing[@]} )); then
  log "installing ${missing[*]} from Debian packages"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" uidmap fuse-overlayfs slirp4netns ca-certificates >/dev/null
fi

# podman's configuration and storage live in the cache, not in /etc or /var/lib.
nofile_hard="$(ulimit -Hn)"; [[ "$nofile_hard" == unlimited ]] && nofile_hard=1048576
cat >"$CACHE/containers.conf" <<EOF
# Written by scripts/build-image.sh.
[containers]
# Within the hard limit: there is no CAP_SYS_RESOURCE to raise it. (runc is refused any nproc limit here,
# even the current one, so none is set.)
default_ulimits = ["nofile=$nofile_hard:$nofile_hard"]
[engine]
# crun refuses a hybrid cgroup layout; runc works with cgroupfs.
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
cat >"$CACHE/storage.conf" <<EOF
# Written by scripts/build-image.sh.
[storage]
driver = "overlay"
graphroot = "$CACHE/storage"
runroot = "/run/schemaguard-image"
EOF
export CONTAINERS_CONF="$CACHE/containers.conf" CONTAINERS_STORAGE_CONF="$CACHE/storage.conf"
export BUILDAH_FORMAT=docker

# ------------------------------------------------------------------------------- the base images
extra_cas=()
if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
  extra_cas=(/usr/local/share/ca-certificates/*.crt)
fi
make_base() { # make_base <ref> <tarball> <extra packages, comma separated or empty>
  local ref="$1" tarball="$2" include="$3"
  if podman image exists "$ref"; then return 0; fi
  if [[ ! -s "$tarball" ]]; then
    log "making $ref with mmdebstrap from $MIRROR (${include:-minbase only})"
    local hooks=(--customize-hook='mkdir -p "$1/usr/local/share/ca-certificates"')
    local ca
    for ca in "${extra_cas[@]}"; do
      hooks+=(--customize-hook="copy-in $ca /usr/local/share/ca-certificates")
    done
    # Only where ca-certificates is installed; otherwise the Dockerfile's own install picks them up.
    hooks+=(--customize-hook='if [ -x "$1/usr/sbin/update-ca-certificates" ]; then chroot "$1" update-ca-certificates --fresh >/dev/null; fi')
    # What bookworm-slim leaves out and the apt lists (the Dockerfile runs apt-get update itself).
    hooks+=(--customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin')
    local t0; t0=$(date +%s)
    mmdebstrap --quiet --variant=minbase --format=tar ${include:+--include="$include"} "${hooks[@]}" \
      bookworm "$tarball.tmp" \
      "deb $MIRROR bookworm main" "deb $MIRROR bookworm-updates main" "deb $SECURITY_MIRROR bookworm-security main" \
      || die "mmdebstrap failed"
    mv -f "$tarball.tmp" "$tarball"
    log "mmdebstrap made $tarball in $(( $(date +%s) - t0 ))s"
  fi
  podman import --quiet --change 'CMD ["bash"]' "$tarball" "$ref" >/dev/null || die "podman import of $tarball failed"
}
make_base "$RUNTIME_BASE" "$CACHE/base-bookworm-$BASE_RECIPE.tar" ""
make_base "$BUILD_BASE" "$CACHE/base-bookworm-jdk-$BASE_RECIPE.tar" "openjdk-17-jdk-headless,ca-certificates,curl,unzip"

# ------------------------------------------------------------------------------- the image
log "building $REF from Dockerfile (PostgreSQL client: $PG_CLIENT $PG_MAJOR; cold: several minutes)"
t0=$(date +%s)
podman build --network=host --pull=never \
  --build-arg BUILD_IMAGE="$BUILD_BASE" \
  --build-arg DEBIAN_IMAGE="$RUNTIME_BASE" \
  --build-arg PG_CLIENT="$PG_CLIENT" \
  --build-arg PG_MAJOR="$PG_MAJOR" \
  -t "$REF" -f Dockerfile . >&2 || die "podman build failed"
log "built $REF in $(( $(date +%s) - t0 ))s"

podman save --format docker-archive -o "$ARCHIVE.tmp" "$REF" >&2 || die "podman save failed"
mv -f "$ARCHIVE.tmp" "$ARCHIVE"
printf '%s\n' "$REF" >"$ARCHIVE.ref"
# Archives of other keys are kept for half a day: another checkout's test run (a CI clone beside a
# working copy) may be about to import its own; older ones go (the build's layer cache stays).
find "$CACHE" -maxdepth 1 -name 'schemaguard-*.tar*' ! -name "schemaguard-$key.tar*" -mmin +720 -delete
podman images --format '{{.Repository}}:{{.Tag}}' | grep "^$REPO:" | grep -vx "$REF" | xargs -r podman rmi >/dev/null 2>&1 || true
log "image ready: $ARCHIVE ($(du -h "$ARCHIVE" | cut -f1), total $(( $(date +%s) - start ))s)"
printf '%s\n' "$ARCHIVE"
