#!/usr/bin/env bash
# Classify throughput of Bounce Desk and of Debian's Sisimai on the same corpus, one core each,
# in one run. Needs `apt-get install libsisimai-perl`.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus="${BOUNCE_CORPUS:-../shared/corpus/dev}"
taskset -c 0 cargo bench --bench classify -- --noplot 2>&1 | grep -E "classify bench|thrpt|^classify/"
taskset -c 0 perl scripts/sisimai-rate.pl "$corpus" 3
