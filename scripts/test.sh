#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: installs what the tests start for real
# (PostgreSQL from Debian's packages, an unprivileged user to run PostgreSQL, openssl, and curl, make
# and gcc), builds libpg_query for the migration lint (PostgreSQL 18's parser, from the pg_query crate;
# cached in ~/.cache/schemaguard/pg-query) and the Kubernetes control plane the *IT tests run on (etcd,
# kube-apiserver, kube-controller-manager, kubectl from the Go module proxy; cached in
# ~/.cache/schemaguard/k8s), the real node RealNodeIT starts (kubelet, kube-scheduler, kube-proxy,
# containerd and the pause image: scripts/build-node.sh, cached in ~/.cache/schemaguard/k8s-node), the
# project's image from its Dockerfile (scripts/build-image.sh, ~/.cache/schemaguard/image), a small
# application image for its SafeMigration (scripts/build-app-image.sh, same cache) and helm
# (scripts/build-helm.sh), so only the first run takes minutes, then builds and tests with the Maven
# wrapper (which fetches Maven 3.9.9; S3Proxy comes from Maven Central): unit and mock-server tests,
# then the packaged operator's ITs on the real control plane. Toxiproxy (scripts/build-toxiproxy.sh,
# from the Go module proxy) is the fault suite's TCP fault proxy; its verdicts land in target/faults.
# Azurite (scripts/build-azurite.sh, from npm) is the Azure Blob Storage the storage suite runs on.
# fake-gcs-server (scripts/build-fake-gcs.sh, from the Go module proxy) is its Google Cloud Storage.
# SeaweedFS's weed (scripts/build-seaweedfs.sh, from the Go module proxy; cached in
# ~/.cache/schemaguard/seaweedfs) is the storage suite's second S3 server beside S3Proxy.
# Finally checks that the committed CRDs and
# the Helm chart match the build. .ci/run calls exactly this.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
start=$(date +%s)

scripts/test-setup.sh
# The test JVMs (surefire and failsafe pass the environment on) load it; the ITs hand it to their pods.
SCHEMAGUARD_PG_QUERY_LIB="$(scripts/build-pg-query.sh)"
export SCHEMAGUARD_PG_QUERY_LIB
SCHEMAGUARD_K8S_BIN="$(scripts/build-control-plane.sh)"
export SCHEMAGUARD_K8S_BIN
# The fault suite's TCP fault proxy (FaultMatrixTest runs its fast half with the unit tests)
SCHEMAGUARD_TOXIPROXY="$(scripts/build-toxiproxy.sh)"
export SCHEMAGUARD_TOXIPROXY
# SeaweedFS's S3 gateway, which SeaweedFsStorageTest runs the storage suite on
SCHEMAGUARD_SEAWEEDFS="$(scripts/build-seaweedfs.sh)"
export SCHEMAGUARD_SEAWEEDFS
SCHEMAGUARD_NODE_DIR="$(scripts/build-node.sh)"
export SCHEMAGUARD_NODE_DIR
SCHEMAGUARD_IMAGE_ARCHIVE="$(scripts/build-image.sh)"
export SCHEMAGUARD_IMAGE_ARCHIVE
# RealNodeIT's stand-in application image (its SafeMigration's migrations), from build-image.sh's base
SCHEMAGUARD_APP_IMAGE_ARCHIVE="$(scripts/build-app-image.sh)"
export SCHEMAGUARD_APP_IMAGE_ARCHIVE
SCHEMAGUARD_HELM="$(scripts/build-helm.sh)"
export SCHEMAGUARD_HELM
# Prometheus' PromQL parser, which the Grafana dashboard's tests parse every panel's query with
SCHEMAGUARD_PROMQL_CHECK="$(scripts/build-promql-check.sh)"
export SCHEMAGUARD_PROMQL_CHECK
# Azurite from npm (scripts/build-azurite.sh): the Azure Blob Storage the Azure backend's tests write to
SCHEMAGUARD_AZURITE="$(scripts/build-azurite.sh)"
export SCHEMAGUARD_AZURITE
# fake-gcs-server from the Go module proxy (scripts/build-fake-gcs.sh): the GCS the GCS backend's tests write to
SCHEMAGUARD_FAKE_GCS="$(scripts/build-fake-gcs.sh)"
export SCHEMAGUARD_FAKE_GCS
# The real Prisma CLI from npm (scripts/build-prisma.sh), which PrismaCliCompatibilityTest runs
SCHEMAGUARD_PRISMA="$(scripts/build-prisma.sh)"
export SCHEMAGUARD_PRISMA
./mvnw -B -ntp verify "$@"
[ -f target/faults/verdicts.tsv ] && echo "test.sh: fault suite (fast half; bench/faults.sh runs all): $(tail -1 target/faults/verdicts.tsv)" >&2
scripts/check-crds.sh
scripts/check-chart.sh
echo "test.sh: every test and check passed in $(( $(date +%s) - start )) s" >&2
