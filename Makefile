# One task runner for people and CI. `make run` and `make test` are the two commands in the README.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# Re-install only when pyproject.toml changes: the stamp's name carries a hash of it.
STAMP := $(VENV)/.installed-$(shell $(PYTHON) -c "import hashlib,pathlib;print(hashlib.sha256(pathlib.Path('pyproject.toml').read_bytes()).hexdigest()[:16])")
# Every bench/<name>.py with a main, run as `python -m bench.<name>`.
BENCHES ?= $(filter-out __init__ __main__,$(basename $(notdir $(wildcard bench/*.py))))

.PHONY: install run serve test test-browser lint fmt bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check -q -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

## Migrate, load the demo data and serve on http://$(HOST):$(PORT)
run: install
	$(BIN)/netra db upgrade
	$(BIN)/netra demo
	$(BIN)/netra serve --host $(HOST) --port $(PORT)

serve: install
	$(BIN)/netra serve --host $(HOST) --port $(PORT)

## Tests on SQLite, or on PostgreSQL when NETRA_TEST_DATABASE_URL is set (pytest's exit code 5,
## "no tests collected", fails like any other)
test: install
	$(BIN)/pytest -m "not browser" $(PYTEST_ARGS)

## Browser end-to-end tests (tests/e2e) in Debian's chromium; scripts/install-browser.sh installs it.
## Screenshots of the main pages go to artifacts/screenshots/.
test-browser: install
	$(BIN)/pytest -m browser tests/e2e $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check app matching tests bench
	$(BIN)/mypy app matching

fmt: install
	$(BIN)/ruff format app matching tests bench
	$(BIN)/ruff check --fix app matching tests bench

bench: install
	@set -e; for name in $(BENCHES); do echo "== bench.$$name"; $(BIN)/python -m bench.$$name; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
