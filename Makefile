# docintake: `make run` serves the API (embedded mode), `make test` runs every check.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
# Bytecode written even where PYTHONDONTWRITEBYTECODE is set: otherwise every test worker
# compiles and rewrites each module again (about 4 s of CPU each), and every `docintake`
# process a test starts compiles the application again (about 0.2 s).
PYTEST := PYTHONDONTWRITEBYTECODE= $(BIN)/pytest
PYTHON ?= python3
STAMP := $(VENV)/.installed-runtime
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: install install-dev run worker test test-fast test-commands lint typecheck imports bench bench-quick screenshots clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $@

$(DEV_STAMP): $(STAMP) requirements-dev.lock
	$(BIN)/python -m pip install -q -r requirements-dev.lock
	touch $@

install: $(STAMP)

install-dev: $(DEV_STAMP)

run: install
	$(BIN)/docintake serve

worker: install
	$(BIN)/docintake worker

lint: install-dev
	$(BIN)/ruff check .

typecheck: install-dev
	$(BIN)/mypy

imports: install-dev
	$(BIN)/lint-imports

test: install-dev
	bash tests/prepare-machine.sh
	$(BIN)/lint-imports
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(PYTEST) -n 2 --dist loadgroup -q

test-fast: install-dev
	$(PYTEST) -n 2 --dist loadgroup -q -m "not browser"

# The command ring alone (tests/commands: in-memory persistence, no servers), without the
# root conftest and the test tools' plugins: a few seconds.
test-commands: install-dev
	PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 $(BIN)/pytest -p pytest_timeout --confcutdir=tests/commands -q tests/commands

bench: install-dev
	$(BIN)/python -m bench.run

bench-quick: install-dev
	$(BIN)/python -m bench.run --quick

screenshots: install-dev
	SCREENSHOT_DIR=docs/screenshots $(BIN)/pytest -q tests/browser -k sqlite

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
