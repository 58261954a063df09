#!/usr/bin/env bash
# Runs every test layer; each one runs even if an earlier one failed. Expects install.sh test.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
reports="$ROOT/.run/test-results"
rm -rf "$reports"; mkdir -p "$reports"
status=0

step "Types: mypy, strict, over agent/src and backend/app (settings in pyproject.toml)"
.venv/bin/python -m mypy || status=1

# The unit and db tests and vitest are CPU work in one process each; the models and
# integration tests mostly wait on audio played at real-time pace (measured: side by side,
# those took 8 % longer and the pytest layer 20 min instead of 26). So the first two run one
# after the other in the background, beside the third; their output is printed at the end.
tests=(backend/tests agent/tests scripts/tests deploy/tests bench/tests)
step "Python unit and db tests, then vitest, in the background (output below when done)"
(
  .venv/bin/python -m pytest "${tests[@]}" -m "unit or db" \
    --junitxml="$reports/pytest-unit-db.xml" -q > "$reports/pytest-unit-db.log" 2>&1
  echo $? > "$reports/pytest-unit-db.rc"
  (cd web && npx vitest run --reporter=default --reporter=junit \
    --outputFile.junit="$reports/vitest.xml") > "$reports/vitest.log" 2>&1
  echo $? > "$reports/vitest.rc"
) &
background=$!

step "Python: models and integration tests: real models, livekit-server, backend, agent (pytest)"
.venv/bin/python -m pytest "${tests[@]}" -m "models or integration" \
  --junitxml="$reports/pytest-models-integration.xml" -q || status=1

wait $background
step "Python: unit and db tests (backend, agent, stack scripts, deploy checks)"
cat "$reports/pytest-unit-db.log"
[[ "$(cat "$reports/pytest-unit-db.rc")" == 0 ]] || status=1
step "Web: components and hooks (vitest)"
cat "$reports/vitest.log"
[[ "$(cat "$reports/vitest.rc")" == 0 ]] || status=1

step "Browser end to end: real livekit-server, backend, agent, Chromium (Playwright)"
(cd web && PLAYWRIGHT_JUNIT_OUTPUT_FILE="$reports/e2e.xml" npx playwright test) || status=1

step "Summary"
.venv/bin/python scripts/junit_summary.py "$reports/pytest-unit-db.xml" \
  "$reports/pytest-models-integration.xml" "$reports/vitest.xml" "$reports/e2e.xml" || status=1
exit $status
