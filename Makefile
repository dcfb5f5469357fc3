# Casusplein: `make run` serves the app, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 2

.PHONY: run serve loadtest bench relevance test test-postgres lint format install install-dev clean assets

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Stamp files make the install step re-run only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	$(FLASK) search rebuild --if-missing
	$(FLASK) notify worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT; \
		$(FLASK) devserver --host $(HOST) --port $(PORT)

# Production-like: gunicorn with WORKERS sync workers on HOST:PORT, after the migrations, and
# beside it the mail worker (requests only queue mail; see README, Deployment).
serve: install
	$(FLASK) db upgrade
	$(FLASK) notify worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT; \
		$(BIN)/gunicorn --workers $(WORKERS) --bind $(HOST):$(PORT) --access-logfile - \
		--graceful-timeout 20 "app:create_app()"

# Mixed load and page throughput against gunicorn on 127.0.0.1, on scaled demo data in a
# temporary instance folder (never instance/). Needs `wrk` (apt-get install wrk).
loadtest: install
	$(BIN)/python scripts/loadtest.py

# On SQLite unless TEST_DATABASE_URL names a PostgreSQL test database.
test: install-dev
	$(BIN)/pytest

# The whole suite on a throwaway PostgreSQL server (needs Debian's postgresql package).
test-postgres: install-dev
	scripts/with-postgres $(BIN)/pytest

# Search benchmark on a synthetic corpus; e.g. `make bench SIZES=1000` for a quick run.
SIZES ?= 1000 10000
bench: install
	$(BIN)/python scripts/bench_search.py $(SIZES)

# Search relevance on the judged queries in tests/relevance/ (ARGS=-v lists every query).
relevance: install-dev
	$(BIN)/python scripts/relevance.py $(ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Rebuild the vendored NL Design System stylesheet from its pinned npm packages (needs npm;
# development only: the app and `make run` use the committed static/vendor/nlds/ files).
assets: install
	$(BIN)/python scripts/build_assets.py

clean:
	rm -rf $(VENV) .pytest_cache
