# One entry point. `make run` and `make test` install whatever is missing first.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PY := .venv/bin/python
export AGENT_MODEL_DIR ?= $(CURDIR)/.data/models

.PHONY: help run run-cluster console install install-cluster install-test install-quality test test-python test-web test-e2e bench bench-browser bench-capacity bench-capacity-cloud bench-backend bench-analytics bench-quality bench-turns bench-cuts bench-recovery lint format clean api-client

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

run: install ## start livekit-server, backend, agent (offline models) and print the URL (PROFILE=quality: Whisper and the 1.5B LLM)
	@$(if $(QUALITY),scripts/install.sh quality && $(QUALITY_ENV)) $(PY) scripts/stack.py

QUALITY = $(filter quality,$(PROFILE))
QUALITY_ENV = AGENT_STT__ENGINE=whisper AGENT_LLM__LOCAL_MODEL=qwen2.5-1.5b AGENT_MODEL_HOST__SLOTS=2

run-cluster: install-cluster ## LiveKit multi-node on loopback: 2 nodes + Redis, 2 backends, 2 workers
	@$(PY) scripts/cluster.py

console: install ## chat with the assistant in the terminal (typed text, local LLM, no audio)
	@$(PY) -m voice_agent.console

install: ## install what `make run` needs (idempotent)
	@scripts/install.sh run

install-cluster: ## install what `make run-cluster` needs (adds PostgreSQL and Redis)
	@scripts/install.sh cluster

install-test: ## install what the tests need (adds Chromium)
	@scripts/install.sh test

install-quality: ## install the quality profile's models (Qwen2.5 1.5B, 1.1 GB) and espeak-ng
	@scripts/install.sh quality

test: install-test ## run every test layer: pytest, vitest, browser end-to-end
	@scripts/test.sh

test-python: ## pytest only (unit, models, db and integration layers)
	@$(PY) -m pytest backend/tests agent/tests scripts/tests deploy/tests bench/tests -m "unit or models or db or integration" -q

test-web: ## vitest only
	@cd web && npx vitest run

test-e2e: ## Playwright end-to-end only (starts its own stack)
	@cd web && npx playwright test

bench: install ## voice-to-voice latency over 10 spoken turns; appends to docs/benchmarks.md
	@$(PY) bench/latency/run.py --turns 10

bench-browser: install-test ## voice-to-voice latency in the web page (headless Chromium, 10 questions in espeak-ng voices): the page's figure beside the agent's, jitter buffer, CPU; appends to docs/benchmarks.md
	@$(PY) bench/latency/browser.py $(BROWSER_ARGS)

bench-capacity: install ## N callers at once (1, 2, 4, 6; LADDER=, CALLER=go|python), offline models; appends to docs/benchmarks.md
	@$(PY) bench/capacity/run.py $(CAPACITY_ARGS)

bench-capacity-cloud: install ## N callers at once (1, 10, 20, 30), remote providers at a fake cloud; appends to docs/benchmarks.md
	@$(PY) bench/capacity/run.py --cloud $(CAPACITY_ARGS)

CAPACITY_ARGS = $(if $(LADDER),--ladder $(LADDER)) $(if $(CALLER),--caller $(CALLER))

bench-quality: ## hearing (WER by voice and noise), answers (keyword accuracy) and barge-in (stop time, false interruptions) of the offline models (PROFILE=quality: Whisper and the 1.5B LLM); appends to docs/benchmarks.md
	@scripts/install.sh $(if $(QUALITY),quality,speech)
	@$(PY) bench/quality/run.py $(if $(PROFILE),--profile $(PROFILE))

bench-turns: ## end of turn per detector (TURNS_ARGS="--detectors words --held-out"): cut-off clips held, delay on complete questions; appends to docs/benchmarks.md
	@scripts/install.sh speech
	@$(PY) bench/quality/turns.py $(TURNS_ARGS)

bench-cuts: ## cut-off clips as the caller hears them, through the whole agent (CUTS_ARGS="--fragments 10 --held-out"): spoke too soon, asked whole; appends to docs/benchmarks.md
	@scripts/install.sh speech
	@$(PY) bench/quality/cuts_heard.py $(or $(CUTS_ARGS),--fragments 10 --held-out)

bench-backend: install-test ## token issuance and message ingest into PostgreSQL; appends to docs/benchmarks.md
	@$(PY) bench/backend/run.py

bench-analytics: install-test ## analytics query times on 100,000 conversations and 2 million messages in PostgreSQL; appends to docs/benchmarks.md
	@$(PY) bench/analytics/run.py

bench-recovery: install ## kill -9 a call's job process 10 times (TRIALS=): recovered, kill to speech p50/p95; appends to docs/benchmarks.md
	@$(PY) bench/recovery/run.py --trials $(or $(TRIALS),10)

soak: install ## callers talking without pause for 10 min (MINUTES=, CALLERS=): memory, errors, turns
	@$(PY) bench/soak/run.py --minutes $(or $(MINUTES),10) --callers $(or $(CALLERS),3)

api-client: ## regenerate web/src/api/schema.d.ts from the backend's OpenAPI schema
	@$(PY) -m app.openapi_schema > web/src/api/openapi.json
	@cd web && npx openapi-typescript src/api/openapi.json --default-non-nullable false -o src/api/schema.d.ts

lint: ## ruff, mypy (strict: agent/src, backend/app) and TypeScript checks
	@$(PY) -m ruff check agent backend bench scripts deploy conftest.py
	@$(PY) -m ruff format --check agent backend bench scripts deploy conftest.py
	@$(PY) -m mypy
	@cd web && npm run --silent typecheck

format: ## apply ruff formatting
	@$(PY) -m ruff format agent backend bench scripts deploy conftest.py
	@$(PY) -m ruff check --fix agent backend bench scripts deploy conftest.py

clean: ## remove build outputs and run state (keeps installed tools and models)
	rm -rf .run web/dist web/test-results
