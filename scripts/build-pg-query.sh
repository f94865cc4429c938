#!/usr/bin/env bash
# Build libpg_query (PostgreSQL 18's parser as a C library), which the migration lint calls through
# JNA, from the C sources bundled in the Rust crate pg_query into a cache.
#
# Usage:   scripts/build-pg-query.sh
# Output:  progress lines on stderr; the absolute path of the library on stdout, e.g.
#            SCHEMAGUARD_PG_QUERY_LIB="$(scripts/build-pg-query.sh)"
#
# Cache layout (CACHE = ${SCHEMAGUARD_CACHE:-$HOME/.cache/schemaguard}):
#   $CACHE/pg-query/<VERSION>/libpg_query.so   the library
#   $CACHE/pg-query/<VERSION>/.stamp           crate version, checksum and recipe it was built from (written last)
#   $CACHE/pg-query/.lock                      flock(1) lock serialising concurrent builds
#
# Warm cache: if the library exists and .stamp matches, the script prints its path and exits 0
# without downloading or compiling.
#
# Why the crate: pg_query <VERSION> ships libpg_query's own C sources (PostgreSQL 18.6's grammar,
# scanner and the parts of the server they need, already extracted) on a registry this project
# reaches; Debian only has libpg_query for PostgreSQL 15. The crate's SHA-256 is pinned (it is the
# Rust registry index's cksum), so a changed download fails instead of building something else.
# How it builds: `make build_shared` in the crate's libpg_query/ directory (about a minute on 2
# cores), then a small C program opens the library and parses a PostgreSQL 18 statement with it.
# Requirements: curl, sha256sum, tar, make and a C compiler (gcc or cc); strip (binutils, which gcc
# brings) when present drops the debug info the Makefile's -g adds.
#
# Writes are atomic: everything is built in a temporary directory under the cache, the library is
# moved into place with one rename, and .stamp is written last (and removed before a rebuild), so an
# interrupted build never leaves a cache that looks complete. Safe as root: the archive is unpacked
# without its owners and permissions, and the files are left readable by every user.
set -euo pipefail

VERSION=18.1.0
SHA256=457bfe74085c505ecaf5468416450969e2e52a66d26bc1a4b2f6944a2daee73f
URL="https://static.crates.io/crates/pg_query/pg_query-$VERSION.crate"
# Bump when the way the library is built changes, to invalidate existing caches.
RECIPE=1

CACHE="${SCHEMAGUARD_CACHE:-$HOME/.cache/schemaguard}"
PGQ_ROOT="$CACHE/pg-query"
DIR="$PGQ_ROOT/$VERSION"
LIB="$DIR/libpg_query.so"
STAMP="$DIR/.stamp"

log() { printf '[build-pg-query] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

stamp_content() { printf 'pg_query=%s\nsha256=%s\nrecipe=%s\n' "$VERSION" "$SHA256" "$RECIPE"; }
cache_is_warm() { [[ -f "$LIB" && -f "$STAMP" && "$(cat "$STAMP")" == "$(stamp_content)" ]]; }

# Fast path: no lock, no download.
if cache_is_warm; then
  log "cache hit: $LIB"
  printf '%s\n' "$LIB"
  exit 0
fi

for tool in curl sha256sum tar make; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is not on PATH (scripts/test-setup.sh installs it)"
done
CC="${CC:-$(command -v gcc || command -v cc || true)}"
[[ -n "$CC" ]] || die "no C compiler on PATH (gcc or cc; scripts/test-setup.sh installs gcc)"
export CC

# A root-built cache must stay usable by the unprivileged users the tests and demo run things as.
umask 022
mkdir -p "$PGQ_ROOT"
exec 9>"$PGQ_ROOT/.lock"
if command -v flock >/dev/null 2>&1; then
  log "waiting for build lock $PGQ_ROOT/.lock"
  flock 9
  if cache_is_warm; then
    log "cache became warm while waiting: $LIB"
    printf '%s\n' "$LIB"
    exit 0
  fi
  # Holding the lock, no other build is running: what is left is from a build that was killed.
  rm -rf "$PGQ_ROOT"/build.*
fi

start=$(date +%s)
mkdir -p "$DIR"
OUT="$(mktemp -d "$PGQ_ROOT/build.XXXXXX")"
trap 'rm -rf "$OUT"' EXIT
rm -f "$STAMP"

log "downloading the pg_query $VERSION crate"
curl -fsSL --retry 3 -o "$OUT/pg_query.crate" "$URL" || die "cannot download $URL"
actual="$(sha256sum "$OUT/pg_query.crate")"
actual="${actual%% *}"
[[ "$actual" == "$SHA256" ]] \
  || die "checksum mismatch for $URL: expected sha256 $SHA256, got $actual (not building it)"
log "sha256 $actual matches"

# Only libpg_query's sources are needed; the crate's Rust code is left packed.
tar -xzf "$OUT/pg_query.crate" -C "$OUT" --no-same-owner --no-same-permissions \
  "pg_query-$VERSION/libpg_query" || die "the crate has no pg_query-$VERSION/libpg_query directory"
src="$OUT/pg_query-$VERSION/libpg_query"

jobs="$(nproc 2>/dev/null || echo 2)"
log "building libpg_query.so with $($CC --version | head -1) (cold: about a minute on 2 cores)"
t0=$(date +%s)
make -C "$src" -j"$jobs" build_shared >"$OUT/make.log" 2>&1 \
  || { tail -n 30 "$OUT/make.log" >&2; die "make build_shared failed (last lines above)"; }
log "built in $(( $(date +%s) - t0 ))s"

# Opening the library and parsing a PostgreSQL 18 statement (a virtual generated column) proves it
# loads and has the grammar the lint expects.
cat >"$OUT/smoke.c" <<'C'
#include <dlfcn.h>
#include <stdio.h>
#include "pg_query.h"
int main(int argc, char **argv) {
  void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!lib) { fprintf(stderr, "%s\n", dlerror()); return 1; }
  PgQueryParseResult (*parse)(const char *) = (PgQueryParseResult (*)(const char *)) dlsym(lib, "pg_query_parse");
  void (*release)(PgQueryParseResult) = (void (*)(PgQueryParseResult)) dlsym(lib, "pg_query_free_parse_result");
  if (!parse || !release || !dlsym(lib, "pg_query_parse_plpgsql")) { fprintf(stderr, "missing symbols\n"); return 1; }
  PgQueryParseResult r = parse("ALTER TABLE t ADD COLUMN c int GENERATED ALWAYS AS (1) VIRTUAL");
  int failed = r.error != NULL;
  if (failed) fprintf(stderr, "parse failed: %s\n", r.error->message);
  release(r);
  if (!failed) printf("PostgreSQL %s parser\n", PG_VERSION);
  return failed;
}
C
"$CC" -I"$src" -o "$OUT/smoke" "$OUT/smoke.c" -ldl >&2 || die "cannot compile the smoke test"
"$OUT/smoke" "$src/libpg_query.so" >&2 || die "the built libpg_query.so does not load or parse"

# The Makefile always compiles with -g; the debug info is 3/4 of the file and no use to JNA.
if command -v strip >/dev/null 2>&1; then
  strip --strip-debug "$src/libpg_query.so"
fi
# One rename on the same filesystem: a JVM that has the old file mapped keeps it, others see the new one.
chmod 0644 "$src/libpg_query.so"
mv -f "$src/libpg_query.so" "$LIB"
stamp_content >"$STAMP.tmp"
mv -f "$STAMP.tmp" "$STAMP"
log "libpg_query ready at $LIB (build time $(( $(date +%s) - start ))s)"
printf '%s\n' "$LIB"
