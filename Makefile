# Two commands do everything on a fresh machine with Python 3.11:
#   make run   - install, migrate the SQLite database, load demo data, serve on http://127.0.0.1:8000
#   make test  - install the test requirements (and Chromium for the browser tests) and run the whole suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Tests never run with DEBUG; they get a throwaway key.
TEST_ENV := DEBUG=false SECRET_KEY=test-only-secret-key-not-for-production
# The suite runs on every core (pytest-xdist; each worker has its own test database). Workers steal tests from
# each other's queues, so the long fuzz and browser files do not leave one core idle at the end.
# PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= auto

.PHONY: run worker jobs install install-dev test lint check migrate seed bench browser-deps vendor clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

# A local .env, so that a bare `.venv/bin/python manage.py ...` works too: .env.example with DEBUG=true and a
# freshly generated SECRET_KEY. Written only when there is none; yours is never overwritten.
.env: | $(BIN)/python
	@echo "Writing .env from .env.example (DEBUG=true, a freshly generated SECRET_KEY)."
	@key=$$($(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))") && \
		sed -e 's/^DEBUG=.*/DEBUG=true/' -e "s/^SECRET_KEY=.*/SECRET_KEY=$$key/" .env.example >.env.tmp && \
		mv .env.tmp .env

migrate: install .env
	DEBUG=true $(BIN)/python manage.py migrate --noinput

seed: migrate
	DEBUG=true $(BIN)/python manage.py seed_demo

# The web server and a job worker side by side; one Ctrl-C stops both (the trap stops the worker when the server
# ends for any reason).
run: seed
	@echo ""
	@echo "Serving on http://$(HOST):$(PORT)/ with a job worker - sign in with a demo login printed above (Ctrl-C stops both)."
	@DEBUG=true $(BIN)/python manage.py worker --no-startup-delay & worker=$$!; \
		trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
		DEBUG=true $(BIN)/python manage.py runserver $(HOST):$(PORT)

# A job worker alone (production runs these beside the web processes; see the README).
worker: migrate
	DEBUG=true $(BIN)/python manage.py worker

# Run the queued jobs until the queue is empty, then exit.
jobs: migrate
	DEBUG=true $(BIN)/python manage.py run_jobs

# Debian's Chromium drives the browser tests (no browser download); installed when missing and we are root.
browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = "0" ]; then \
			echo "Installing Debian's chromium for the browser tests..."; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else \
			echo "The browser tests need Debian's chromium: sudo apt-get install chromium"; exit 1; \
		fi; \
	fi

test: install-dev browser-deps
	$(TEST_ENV) $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

check: install-dev
	$(TEST_ENV) $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/ruff check .

# PostgreSQL: DATABASE_URL defaults to the crm_bench database (created and migrated by the list bench); BENCH_N sizes.
bench: install-dev
	$(TEST_ENV) DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/crm_bench} $(BIN)/python bench/run.py

# Bootstrap under static/vendor/: re-fetch the pinned version from the npm registry and check its SHA256SUMS.
vendor:
	scripts/refresh-vendor.sh

clean:
	rm -rf $(VENV) staticfiles db.sqlite3
