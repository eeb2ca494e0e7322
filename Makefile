# Two commands do everything on a fresh machine: `make run` and `make test`.
# The first interpreter that really runs and is 3.11+ (pyenv shims exist for versions that aren't active).
PYTHON ?= $(shell for p in python3.11 python3.12 python3.13 python3; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: setup run console test test-postgres lint bench clean

setup: $(STAMP) config.toml
	@$(BIN)/hearth db upgrade

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Hearth needs Python 3.11 or newer: install it, or run make PYTHON=/path/to/python3.11"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

config.toml:
	@cp config.example.toml config.toml
	@echo "Wrote config.toml from config.example.toml — edit it to name your community."

run: setup
	$(BIN)/hearth run

console: setup
	$(BIN)/hearth console

lint: $(STAMP)
	$(BIN)/ruff check .

# `make test`: the suite on SQLite (the local default). `make test-postgres`: the same suite on PostgreSQL, a
# throwaway server the tests start on 127.0.0.1 (server binaries needed; .ci/run installs them). CI runs both.
# PYTEST_ARGS passes options through (.ci/run: --backend-tests-only).
PYTEST_ARGS ?=

test: setup lint
	HEARTH_TEST_DATABASE=sqlite $(BIN)/python -m pytest -q $(PYTEST_ARGS)

test-postgres: setup
	HEARTH_TEST_DATABASE=postgresql $(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
