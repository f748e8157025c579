# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
CONSTRAINTS := requirements/constraints.txt
VENDOR := static/vendor/nhsuk-frontend

.PHONY: run test lint format assets install install-test demo migrate clean lock bench-reminders

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: $(PY) pyproject.toml $(CONSTRAINTS)
	$(PIP) install --quiet -c $(CONSTRAINTS) -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) install --quiet -c $(CONSTRAINTS) -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# The NHS.UK frontend's built CSS, JS and images, copied from npm (pinned in
# package.json and package-lock.json). Node is needed here only, never at run time.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

$(VENDOR)/.copied: node_modules/.package-lock.json scripts/vendor-assets
	scripts/vendor-assets
	touch $@

assets: $(VENDOR)/.copied

migrate: install assets
	mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable

demo: migrate
	$(PY) manage.py demo_data

# Web server on http://127.0.0.1:8000 plus a Celery worker with beat, on the
# embedded defaults (SQLite, SQLite-file broker). Ctrl-C stops everything.
run: demo
	scripts/run-dev

lint: install-test
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	DJANGO_SETTINGS_MODULE=supervision_site.settings.test $(PY) manage.py makemigrations --check --dry-run

format: install-test
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: install-test assets lint
	scripts/test $(ARGS)

# Refresh the pinned constraints after changing pyproject.toml.
lock: $(PY)
	$(PIP) install --quiet -e '.[test]'
	$(PIP) freeze --exclude-editable | grep -v '^-e' > $(CONSTRAINTS)

# Dispatch 10,000 due reminders through a real worker and Redis (PostgreSQL on
# 127.0.0.1:5432, Redis on 127.0.0.1:6379); prints reminders per minute.
bench-reminders: install
	$(PY) bench/reminders.py

clean:
	rm -rf $(VENV) node_modules static/vendor var
