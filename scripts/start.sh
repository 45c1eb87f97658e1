#!/usr/bin/env bash
# The all-in-one process as `make start` runs it, from what `make build` made (dist/): compiled
# JavaScript and prebuilt workflow bundles (no tsx, no webpack in the process: about 200 MB less),
# 4 MB semi-spaces and two malloc arenas (docs/performance.md, "Memory"). `npm run bench` reads the
# flags of the launcher line below to measure the all-in-one as it runs here; the embedded tour
# test (test/embedded-tour.itest.ts) starts this script.
set -euo pipefail
cd "$(dirname "$0")/.."
test -f dist/processes/launcher.js -a -f dist/workflow-bundle.js || {
  echo "dist/ is missing or incomplete: run \`make build\` (make start does)" >&2
  exit 1
}
export WORKFLOW_BUNDLE_PATH="$PWD/dist/workflow-bundle.js"
export NOTIFICATIONS_WORKFLOW_BUNDLE_PATH="$PWD/dist/notifications-workflow-bundle.js"
export MALLOC_ARENA_MAX=2
# The in-process bank checks bank files against the official pain.001 XSD when xmllint and the
# schemas (Go module github.com/moov-io/iso20022) are at hand; otherwise it reads them unchecked.
if [ -z "${SANDBOX_BANK_PAIN001_XSD:-}" ] && command -v xmllint >/dev/null &&
  xsd_root="$(bash scripts/ensure-iso20022-xsd.sh 2>/dev/null)"; then
  export SANDBOX_BANK_PAIN001_XSD="$xsd_root/docs/specifications/payments_initiation_11/pain.001.001.10_1.xsd"
fi
exec node --max-semi-space-size=4 dist/processes/launcher.js
