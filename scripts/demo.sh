#!/usr/bin/env bash
# The offline demo: sets everything up (scripts/setup.sh), then runs the babynames pipeline's demo profile against
# the bundled sandbox (local stand-ins of Kaggle and HubSpot) and a local MariaDB. Extra arguments go to `etl run`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

# The full SSA dataset, when it sits beside the project; otherwise the sandbox serves its small committed sample.
full=../shared/data/us-baby-names-by-year-of-birth.zip
if [ -z "${ETL_SANDBOX_DATASET:-}" ] && [ -f "$full" ]; then export ETL_SANDBOX_DATASET="$(cd "$(dirname "$full")" && pwd)/$(basename "$full")"; fi

exec node packages/cli/bin/run.js run babynames --profile demo --sandbox "$@"
