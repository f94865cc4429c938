#!/usr/bin/env bash
# Packages the kubectl plugin for a release: target/kubectl-schemaguard-<version>.tar.gz holding
#   kubectl-schemaguard-<version>/kubectl-schemaguard   (src/main/scripts/kubectl-schemaguard)
#   kubectl-schemaguard-<version>/quarkus-app/          (the build's jar and libraries, which the script runs)
# Needs a packaged build (./mvnw package); prints the tarball's path. Unpack it anywhere and put the
# directory on PATH (or symlink the script into a PATH directory): kubectl finds `kubectl-schemaguard`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
version="$(sed -n 's:^  <version>\(.*\)</version>:\1:p' pom.xml | head -1)"
if [ ! -f target/quarkus-app/quarkus-run.jar ]; then
  echo "build-plugin: no target/quarkus-app (run ./mvnw package first)" >&2
  exit 1
fi
name="kubectl-schemaguard-$version"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$name"
install -m 0755 src/main/scripts/kubectl-schemaguard "$stage/$name/kubectl-schemaguard"
cp -a target/quarkus-app "$stage/$name/quarkus-app"
tar -C "$stage" -czf "target/$name.tar.gz" "$name"
echo "$root/target/$name.tar.gz"
