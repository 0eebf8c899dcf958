#!/usr/bin/env bash
# Sets up everything (scripts/setup.sh), runs the linters and every test, and ends with a plain "N passed, N failed"
# line; a failing linter counts as one failure there (and makes the exit status non-zero).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1

lint_failed=0
pnpm run lint || lint_failed=1

results=.etl/test-results.json
mkdir -p .etl && rm -f "$results"
pnpm run test --reporter=default --reporter=json --outputFile.json="$results"
status=$?
node -e '
  const fs = require("fs");
  const [file, lintFailed] = [process.argv[1], Number(process.argv[2])];
  if (!fs.existsSync(file)) { console.log(`0 passed, ${1 + lintFailed} failed`); process.exit(0); }
  const r = JSON.parse(fs.readFileSync(file, "utf8"));
  // A test file that fails to load has no test results of its own: count it as one failure so it cannot hide.
  const brokenFiles = r.testResults.filter((t) => t.status === "failed" && t.assertionResults.length === 0).length;
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests + brokenFiles + lintFailed} failed, ${skipped} skipped`);
' "$results" "$lint_failed"
[ "$lint_failed" = 0 ] || { echo "The linters failed (see above): run pnpm run lint." >&2; [ "$status" != 0 ] || status=1; }
exit $status
