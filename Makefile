# Newsroom: `make run` for the site with the seeds imported, `make test` for the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# The server test-postgres uses; the tests run in a fresh test_<name> database there.
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/test
# pytest-xdist workers for the suite: one per CPU and one more, unless told.
# Part of the suite waits (on Chromium, the Nu checker, gunicorn under load),
# which the extra worker fills; more workers only share the same cores (on 2
# cores, within one half hour, 3 workers ran the suite in 2 min 54 s, 4 in
# 3 min 13 s, 6 in 3 min 14 s). Work stealing: a worker that runs out takes
# tests from the others' queues, so the run does not end waiting on one
# worker's long tail.
TEST_WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))
XDIST := -n $(TEST_WORKERS) --dist worksteal
# Python for the checks and the suite, writing compiled modules even where the
# shell says not to (PYTHONDONTWRITEBYTECODE; __pycache__ is ignored by git):
# otherwise every process, each pytest worker, each server and script the
# tests start, compiles the project again, and collecting the suite takes twice
# the time.
TEST_PYTHON := env -u PYTHONDONTWRITEBYTECODE $(BIN)/python

.PHONY: run serve test test-postgres test-load lint format bench lighthouse install clean

# The environment is rebuilt whenever pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py collectstatic --no-input --verbosity 0
	$(BIN)/python manage.py import_seeds || echo "Some seed files failed to import; see the lines above."
	$(BIN)/python manage.py render_articles
	$(BIN)/python manage.py ensure_dev_accounts $(if $(ADMIN),--admin)
	@echo "Public site: http://$(HOST):$(PORT)/"
	@echo "Editor admin: http://$(HOST):$(PORT)/admin/"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# Production-style: gunicorn with the settings from the environment (see README).
serve: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py collectstatic --no-input --verbosity 0
	$(BIN)/python manage.py render_articles
	$(BIN)/gunicorn -c newsroom/gunicorn.conf.py

# Django's system checks and the migrations check are tests of the suite
# (tests/test_settings.py), run beside the others rather than before them.
# The project is compiled once first, not by each worker as it starts.
test: install
	$(TEST_PYTHON) -m compileall -q briefs newsroom tests
	$(TEST_PYTHON) -m pytest $(XDIST)

# The whole suite again on PostgreSQL, where search has its own index
# (tests/test_search_postgres.py runs only here). The load test is left out:
# it makes its own databases, SQLite and PostgreSQL, and `make test` runs both.
test-postgres: install
	DATABASE_URL=$(POSTGRES_URL) $(TEST_PYTHON) -m pytest $(XDIST) -m "not load"

# Only the load test (gunicorn on loopback, readers and an editor at once,
# on SQLite and PostgreSQL), with its figures printed.
test-load: install
	$(TEST_PYTHON) -m pytest -m load -s

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The Wagtail peer that the brief page's benchmark runs beside Newsroom's
# page, in a virtualenv of its own (benchmarks/wagtail_peer).
WAGTAIL_PEER := .wagtail-peer/.installed
$(WAGTAIL_PEER): benchmarks/wagtail_peer/requirements.txt
	test -x .wagtail-peer/bin/python || $(PYTHON) -m venv .wagtail-peer
	.wagtail-peer/bin/python -m pip install --quiet -r benchmarks/wagtail_peer/requirements.txt
	touch $@

bench: install $(WAGTAIL_PEER)
	$(BIN)/python benchmarks/run.py

# Lighthouse 12's scores for each kind of reader page, mobile and desktop,
# against the site under gunicorn with DEBUG off (needs npm and Chromium).
LIGHTHOUSE := .lighthouse/node_modules/.bin/lighthouse
$(LIGHTHOUSE):
	npm install --silent --no-audit --no-fund --prefix .lighthouse lighthouse@12

lighthouse: install $(LIGHTHOUSE)
	$(BIN)/python benchmarks/lighthouse.py $(LIGHTHOUSE)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .hypothesis .lighthouse .wagtail-peer
