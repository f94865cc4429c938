#!/usr/bin/env bash
# Builds the stand-in "application image" RealNodeIT's SafeMigration reads its migrations from
# (src/test/app-image: Prisma migrations at /app/prisma/migrations), in two releases, and exports both as
# one docker archive that containerd imports beside the project's image.
#
# Usage:   scripts/build-app-image.sh
# Output:  progress lines on stderr; the absolute path of the archive on stdout; beside it <archive>.refs
#          lists the two references inside it, release 1.0 (the seed's additive change) then 1.1 (a
#          destructive one on top), e.g. localhost/schemaguard-test/shop-app:1.0-<key>.
#
# How: podman from Debian, with scripts/build-image.sh's configuration and storage in its cache (it must
# have run once: the base is its runtime base image, Debian bookworm minbase, imported from the
# tarball build-image.sh keeps if podman's storage lost it). Nothing is pulled; no network is used.
# Cache: ${SCHEMAGUARD_CACHE:-$HOME/.cache/schemaguard}/image/app-<key>.tar (+ .refs), <key> hashing the
# files of src/test/app-image and the base; a warm run prints the archive at once.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

CACHE="${SCHEMAGUARD_CACHE:-$HOME/.cache/schemaguard}/image"
# build-image.sh's runtime base (its BASE_RECIPE=1) and the tarball it is imported from
BASE="localhost/schemaguard-base:bookworm-1"
BASE_TARBALL="$CACHE/base-bookworm-1.tar"
REPO="localhost/schemaguard-test/shop-app"
CONTEXT="src/test/app-image"

log() { printf '[build-app-image] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

key="$({ find "$CONTEXT" -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum; echo "base=$BASE"; } | sha256sum | cut -c1-16)"
ARCHIVE="$CACHE/app-$key.tar"
if [[ -s "$ARCHIVE" && -s "$ARCHIVE.refs" ]]; then
  log "cache hit: $ARCHIVE"
  printf '%s\n' "$ARCHIVE"
  exit 0
fi
[[ -s "$CACHE/containers.conf" && -s "$CACHE/storage.conf" ]] || die "run scripts/build-image.sh first (podman's configuration in $CACHE)"
export CONTAINERS_CONF="$CACHE/containers.conf" CONTAINERS_STORAGE_CONF="$CACHE/storage.conf"
export BUILDAH_FORMAT=docker
exec 9>"$CACHE/.lock"
flock 9
if ! podman image exists "$BASE"; then
  [[ -s "$BASE_TARBALL" ]] || die "neither $BASE nor $BASE_TARBALL: run scripts/build-image.sh first"
  podman import --quiet --change 'CMD ["bash"]' "$BASE_TARBALL" "$BASE" >/dev/null || die "podman import of $BASE_TARBALL failed"
fi
t0=$(date +%s)
refs=()
for release in 1.0 1.1; do
  ref="$REPO:$release-$key"
  podman build --network=none --pull=never --build-arg BASE="$BASE" --build-arg RELEASE="$release" \
    -t "$ref" -f "$CONTEXT/Containerfile" "$CONTEXT" >&2 || die "podman build of $ref failed"
  refs+=("$ref")
done
podman save --multi-image-archive --format docker-archive -o "$ARCHIVE.tmp" "${refs[@]}" >&2 || die "podman save failed"
mv -f "$ARCHIVE.tmp" "$ARCHIVE"
printf '%s\n' "${refs[@]}" >"$ARCHIVE.refs"
find "$CACHE" -maxdepth 1 -name 'app-*.tar*' ! -name "app-$key.tar*" -mmin +720 -delete
podman images --format '{{.Repository}}:{{.Tag}}' | grep "^$REPO:" | grep -v -- "-$key\$" | xargs -r podman rmi >/dev/null 2>&1 || true
log "built ${refs[*]} in $(( $(date +%s) - t0 ))s: $ARCHIVE ($(du -h "$ARCHIVE" | cut -f1))"
printf '%s\n' "$ARCHIVE"
