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

# Two streams side by side on the two cores. In the foreground the models tests (real
# models, turn timing judged on audio played at real-time pace), then the integration tests
# (whole stacks, mostly waiting on audio and processes; generous timeouts). In the background
# the unit and db tests and vitest (CPU work in one process each), then the browser tests.
# The models tests run beside the unit tests only: beside the browser tests' stack their
# turn timings failed (a pause heard as the end of a turn). Each stream's output is printed
# at the end; the whole took 31 min one layer after another, 23 min so.
tests=(backend/tests agent/tests scripts/tests deploy/tests bench/tests)
step "In the background: Python unit and db tests, vitest, then the browser tests (output below when done)"
(
  run_layer() { # name, command...: its output to name.log, its exit status to name.rc
    local name=$1; shift
    "$@" > "$reports/$name.log" 2>&1
    echo $? > "$reports/$name.rc"
  }
  run_layer pytest-unit-db .venv/bin/python -m pytest "${tests[@]}" -m "unit or db" \
    --junitxml="$reports/pytest-unit-db.xml" -q
  (cd web && run_layer vitest npx vitest run --reporter=default --reporter=junit \
    --outputFile.junit="$reports/vitest.xml")
  (cd web && export PLAYWRIGHT_JUNIT_OUTPUT_FILE="$reports/e2e.xml" && run_layer e2e npx playwright test)
) &
background=$!

step "Python: models tests: the real models, turn timing (pytest)"
.venv/bin/python -m pytest "${tests[@]}" -m models \
  --junitxml="$reports/pytest-models.xml" -q || status=1
step "Python: integration tests: livekit-server, backend, agent, whole stacks (pytest)"
.venv/bin/python -m pytest "${tests[@]}" -m integration \
  --junitxml="$reports/pytest-integration.xml" -q || status=1

wait $background
show_layer() { # title, name: the layer's output, and its failure in the status
  step "$1"
  cat "$reports/$2.log"
  [[ "$(cat "$reports/$2.rc" 2>/dev/null)" == 0 ]] || status=1
}
show_layer "Python: unit and db tests (backend, agent, stack scripts, deploy checks)" pytest-unit-db
show_layer "Web: components and hooks (vitest)" vitest
show_layer "Browser end to end: real livekit-server, backend, agent, Chromium (Playwright)" e2e

step "Summary"
.venv/bin/python scripts/junit_summary.py "$reports/pytest-unit-db.xml" \
  "$reports/pytest-models.xml" \
  "$reports/pytest-integration.xml" "$reports/vitest.xml" "$reports/e2e.xml" || status=1
exit $status
