# Readiness: `make run` to try it, `make test` to check it. Needs python3 (3.11+).
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export READINESS_SECRET_KEY ?= $(shell cat instance/secret_key 2>/dev/null)

.PHONY: run test lint bench clean deps

$(STAMP): pyproject.toml
	@test -d $(VENV) || $(PY) -m venv $(VENV)
	@$(BIN)/pip install --quiet --upgrade pip
	@$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

deps: $(STAMP)
	@bash scripts/check-system.sh

instance/secret_key:
	@mkdir -p instance
	@$(PY) -c 'import secrets; print(secrets.token_hex(32))' > $@
	@chmod 600 $@

run: deps instance/secret_key
	@READINESS_SECRET_KEY=$$(cat instance/secret_key) bash scripts/run.sh

lint: $(STAMP)
	$(BIN)/ruff check .

# -rs prints why a test was skipped (the browser tests skip where Chromium is missing).
test: lint
	@command -v chromium >/dev/null || echo "note: no chromium here: the browser tests will be skipped (apt-get install chromium)"
	@echo "== SQLite"
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest -q -rs
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	  echo "== PostgreSQL: $$TEST_DATABASE_URL"; \
	  $(BIN)/python -m pytest -q -rs; \
	else echo "(TEST_DATABASE_URL not set: PostgreSQL run skipped)"; fi

# National-scale figures: the engine, the pages, the workspace, the PDFs and the daily snapshots.
bench: $(STAMP)
	$(BIN)/python -m bench
	$(BIN)/python -m bench.dashboard
	$(BIN)/python -m bench.workspace
	$(BIN)/python -m bench.pdf
	$(BIN)/python -m bench.scheduler

clean:
	rm -rf $(VENV) instance/readiness.db
