#!/usr/bin/env bash
# The fault suite: every row of FaultMatrixTest against real servers (PostgreSQL, S3Proxy, the
# runner as its own process, Toxiproxy for TCP faults, an HTTP fault proxy for S3 answers). Each
# row injects one fault into a backup, restore or safe migration, then audits the database's row
# counts, what `list` and `verify` say of every stored backup, and what is left in storage after the
# orphan scan. .ci/run runs the fast half (the same test, -Dschemaguard.faults=fast, the default);
# this script runs all of it (FAULTS=fast for the fast half only).
# Prints the verdict table (target/faults/verdicts.tsv). The LAST line is:
#   faults=<n> survived=<n> lost=0 complete_looking_bad=0 leaked=<n>
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
half="${FAULTS:-all}"

scripts/test-setup.sh
SCHEMAGUARD_PG_QUERY_LIB="$(scripts/build-pg-query.sh)"
SCHEMAGUARD_TOXIPROXY="$(scripts/build-toxiproxy.sh)"
export SCHEMAGUARD_PG_QUERY_LIB SCHEMAGUARD_TOXIPROXY
rm -f target/faults/verdicts.tsv
status=0
./mvnw -B -q -ntp test -Dtest=FaultMatrixTest -Dsurefire.failIfNoSpecifiedTests=false \
  "-Dschemaguard.faults=$half" >&2 || status=$?
[ -f target/faults/verdicts.tsv ] || { echo "faults: no verdicts written (the suite did not run)" >&2; exit 1; }
# the table without its summary line, columns aligned; then the summary as the last line
head -n -1 target/faults/verdicts.tsv | cut -f1-8 | { command -v column >/dev/null && column -t -s $'\t' || cat; }
tail -1 target/faults/verdicts.tsv
exit "$status"
