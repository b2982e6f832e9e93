# Two commands do all the set-up: `make run` serves the portal, `make test` runs every test.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
PORT ?= 5000
HTMX := static/vendor/htmx.min.js

.DEFAULT_GOAL := help

help: ## Show the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "} {printf "  %-12s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(HTMX): node_modules/.installed
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js $(HTMX)

install: $(VENV)/.installed $(HTMX) ## Install the portal's Python packages and htmx

db: install ## Apply database migrations and load the content
	$(FLASK) db upgrade
	$(FLASK) content load

METRICS_DIR ?= instance/prometheus

run: db ## Serve the portal with gunicorn on http://127.0.0.1:$(PORT) (SQLite by default) and the background worker; JSON logs, /metrics
	@$(FLASK) accounts demo
	@mkdir -p $(METRICS_DIR) && rm -f $(METRICS_DIR)/*.db
	@trap 'kill 0' EXIT; \
	  export FLASK_PORTAL_BASE_URL="$${FLASK_PORTAL_BASE_URL:-http://127.0.0.1:$(PORT)}"; \
	  export FLASK_LOG_FORMAT="$${FLASK_LOG_FORMAT:-json}"; \
	  $(FLASK) requests worker & \
	  PORT=$(PORT) PROMETHEUS_MULTIPROC_DIR=$(METRICS_DIR) $(BIN)/gunicorn --config gunicorn.conf.py

dev: db ## Serve with Flask's development server and reloader, and the background worker
	@$(FLASK) accounts demo
	@trap 'kill 0' EXIT; \
	  export FLASK_PORTAL_BASE_URL="$${FLASK_PORTAL_BASE_URL:-http://127.0.0.1:$(PORT)}"; \
	  $(FLASK) requests worker & \
	  $(FLASK) run --host 127.0.0.1 --port $(PORT) --reload

chromium: ## Install Debian's chromium for the browser tests when it is missing
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

dovecot: ## Install Debian's dovecot-imapd for the IMAP tests when it is missing (the tests start a private one)
	@test -x /usr/sbin/dovecot || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd; }

wrk: ## Install Debian's wrk for the page comparison (bench/compare.py) when it is missing
	@test -x /usr/bin/wrk || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }

test: $(VENV)/.installed-dev $(HTMX) chromium dovecot ## Run the whole suite (again on PostgreSQL and S3 when TEST_DATABASE_URL is set; Redis from TEST_REDIS_URL)
	$(BIN)/ruff check .
	$(FLASK) content validate
	TEST_DATABASE_URL= $(BIN)/pytest -n 2 --dist loadgroup --cov --cov-report=term
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	  echo "== PostgreSQL: $$TEST_DATABASE_URL (Redis: $${TEST_REDIS_URL:-not set}; attachments in a private S3, weed mini)"; \
	  TEST_S3=1 $(BIN)/pytest -n 2 -m "not e2e"; \
	fi

bench: install wrk ## Measure search latency and quality (with ablations), page server time, auto-close, the queue, and req/s beside hello and django-helpdesk
	$(BIN)/python bench/search.py
	$(BIN)/python bench/search_quality.py
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/close_stale.py
	$(BIN)/python bench/compare.py $(COMPARE_ARGS)

compare: install wrk ## Req/s of the portal's pages beside a Flask hello and django-helpdesk 2.6.1 under gunicorn (COMPARE_ARGS="--duration 10 --runs 3")
	$(BIN)/python bench/compare.py $(COMPARE_ARGS)

FUZZ_INPUTS ?= 12000
FUZZ_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/test
fuzz: $(VENV)/.installed-dev ## Send $(FUZZ_INPUTS) hostile inputs on SQLite, then on PostgreSQL when it answers; fails on any HTTP 500
	$(BIN)/python bench/fuzz.py --inputs $(FUZZ_INPUTS)
	@if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then \
	  $(BIN)/python bench/fuzz.py --inputs $(FUZZ_INPUTS) --database-url $(FUZZ_DATABASE_URL); \
	fi

load: $(VENV)/.installed-dev $(HTMX) ## 32 clients x 60 s of mixed load against the `make run` server (ARGS="--database-url postgresql://...")
	$(BIN)/python bench/load.py $(ARGS)

lint: $(VENV)/.installed-dev ## Lint with ruff
	$(BIN)/ruff check .

.PHONY: help install db run dev chromium dovecot wrk test bench compare fuzz load lint
