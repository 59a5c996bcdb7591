#!/usr/bin/env bash
# The test command: installs what the tests need (Debian packages, the pinned models), builds everything with
# warnings as errors and runs every test project (unit and integration) against real models and real audio.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

tools/install-deps.sh --servers
tools/fetch-models.sh

dotnet build EdgeAgent.sln -c Release --nologo -v quiet
log=$(mktemp)
status=0
dotnet test --solution EdgeAgent.sln -c Release --no-build 2>&1 | tee "$log" || status=$?

# One plain closing line over all test projects.
passed=$(grep -E '^\s+succeeded: [0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -E '^\s+failed: [0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
rm -f "$log"
echo "${passed} passed, ${failed} failed"
exit $status
