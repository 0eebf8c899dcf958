#!/usr/bin/env bash
# Sets up everything (scripts/setup.sh), runs every test, and ends with a plain "N passed, N failed" line.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1

results=.etl/test-results.json
mkdir -p .etl && rm -f "$results"
pnpm run test --reporter=default --reporter=json --outputFile.json="$results"
status=$?
node -e '
  const fs = require("fs");
  const file = process.argv[1];
  if (!fs.existsSync(file)) { console.log("0 passed, 1 failed"); process.exit(0); }
  const r = JSON.parse(fs.readFileSync(file, "utf8"));
  // A test file that fails to load has no test results of its own: count it as one failure so it cannot hide.
  const brokenFiles = r.testResults.filter((t) => t.status === "failed" && t.assertionResults.length === 0).length;
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests + brokenFiles} failed, ${skipped} skipped`);
' "$results"
exit $status
