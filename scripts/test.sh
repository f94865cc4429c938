#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: installs what the tests start for real
# (PostgreSQL from Debian's packages, an unprivileged user to run it), builds and tests with the
# Maven wrapper (which fetches Maven 3.9.9; S3Proxy comes from Maven Central), then checks that the
# committed CRDs and the Helm chart match the build. .ci/run calls exactly this.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

scripts/test-setup.sh
./mvnw -B -ntp verify "$@"
scripts/check-crds.sh
scripts/check-chart.sh
