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

step "Python: backend, agent, stack and deploy checks (pytest: unit, models, db, integration)"
.venv/bin/python -m pytest backend/tests agent/tests scripts/tests deploy/tests bench/tests -m "unit or models or db or integration" \
  --junitxml="$reports/pytest.xml" -q || status=1

step "Web: components and hooks (vitest)"
(cd web && npx vitest run --reporter=default --reporter=junit --outputFile.junit="$reports/vitest.xml") || status=1

step "Browser end to end: real livekit-server, backend, agent, Chromium (Playwright)"
(cd web && PLAYWRIGHT_JUNIT_OUTPUT_FILE="$reports/e2e.xml" npx playwright test) || status=1

step "Summary"
.venv/bin/python scripts/junit_summary.py "$reports/pytest.xml" "$reports/vitest.xml" "$reports/e2e.xml" || status=1
exit $status
