# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
# The interpreter .venv is made from (scripts/find-python says which and why).
PYTHON ?= $(shell scripts/find-python)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
CONSTRAINTS := requirements/constraints.txt
VENDOR := static/vendor/nhsuk-frontend

.PHONY: run test lint audit format assets install install-test demo migrate clean lock bench-reminders bench-faults bench-esr bench-capacity bench backup restore-drill

$(PY):
	@echo "Creating the virtual environment in $(VENV)..."
	@$(PYTHON) -m venv $(VENV)
	@$(PIP) install --quiet --upgrade pip

# The app and its development tools (the `dev` extra); the image installs the app only.
$(VENV)/.installed: $(PY) pyproject.toml $(CONSTRAINTS)
	@echo "Installing the pinned Python dependencies into $(VENV)..."
	@$(PIP) install --quiet -c $(CONSTRAINTS) -e '.[dev]'
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) install --quiet -c $(CONSTRAINTS) -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# The NHS.UK frontend's built CSS, JS and images, copied from npm (pinned in
# package.json and package-lock.json). Node is needed here only, never at run time.
node_modules/.package-lock.json: package.json package-lock.json
	@echo "Installing the NHS.UK frontend from npm..."
	@npm ci --no-audit --no-fund --loglevel=error >/dev/null

$(VENDOR)/.copied: node_modules/.package-lock.json scripts/vendor-assets
	@scripts/vendor-assets
	@touch $@

assets: $(VENDOR)/.copied

# (The database cache's table is made by a migration: accounts/0002_cache_table.)
migrate: install assets
	@mkdir -p var
	@echo "Preparing the database (DATABASE_URL, or var/db.sqlite3)..."
	@$(PY) manage.py migrate --noinput -v 0

demo: migrate
	@echo "Loading the demo organisations and a year of their history..."
	@$(PY) manage.py demo_data
	@$(PY) manage.py generate_history

# Web server on http://127.0.0.1:8000 plus a Celery worker with beat, on the
# embedded defaults (SQLite, SQLite-file broker). Ctrl-C stops everything.
run: demo
	scripts/run-dev

# ruff, the migrations check and the organisation-scoping check (no sensitive
# Model.objects outside the permission modules: ast, no database, seconds).
lint: install-test
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy .
	DJANGO_SETTINGS_MODULE=supervision_site.settings.test $(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest -q -p no:randomly tests/test_organisation_scoping.py

# Known vulnerabilities in the pinned dependencies (PyPI's advisory data, so it
# needs the network). A vulnerability found fails; packages it could not look up
# are reported loudly and fail only with AUDIT_STRICT=1 (see scripts/audit).
audit: install-test
	scripts/audit

format: install-test
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: install-test assets lint audit
	scripts/test $(ARGS)

# The database (pg_dump, or SQLite's backup API) and the uploaded files, together,
# in BACKUP_DIR (default var/backups); README, "Backup and restore".
backup: install
	scripts/backup $(ARGS)

# Restore the newest backup into a throwaway database and check it: confidential
# text decrypts with FIELD_ENCRYPTION_KEYS, the audit trail refuses changes, every
# uploaded file is there. ARGS=<backup folder> drills that one.
restore-drill: install
	scripts/restore-drill $(ARGS)

# Refresh the pinned constraints after changing pyproject.toml.
lock: $(PY)
	$(PIP) install --quiet -e '.[dev,test]'
	$(PIP) freeze --exclude-editable | grep -v '^-e' > $(CONSTRAINTS)

# Dispatch 10,000 due reminders through a real worker and Redis (PostgreSQL on
# 127.0.0.1:5432, Redis on 127.0.0.1:6379); prints reminders per minute.
bench-reminders: install
	$(PY) bench/reminders.py

# Its fault run: 12,000 through a private redis-server while the worker is killed
# with kill -9 four times and Redis is killed and restarted empty; prints the
# duplicates, losses and worst delay after the broker loss (bench/results/faults.json).
bench-faults: install
	$(PY) bench/faults.py $(ARGS)

# A 10,000-row ESR file imported on PostgreSQL (database bench_esr_import): the dry
# run and applying it, then next month's file; writes bench/results/esr_import.json.
bench-esr: install
	$(PY) bench/esr_import.py

# Nurse pages a second at p95 <= 200 ms (closed loop) against /healthz in the same
# run, on database bench as `make bench` left it; writes bench/results/capacity.json.
bench-capacity: install
	$(PY) bench/capacity.py $(ARGS)

# The whole benchmark: a generated trust of 10,000 staff on PostgreSQL (database
# `bench`), gunicorn, 50 simulated users, the report, the reminders above; prints
# a table, issue 19's targets as met or missed and one summary line, and writes
# bench/results/latest.json. ARGS="--scale region": 100,000 staff and about
# 1,000,000 sessions in database `bench_region` (bench/results/region.json).
# ARGS=--reuse keeps the generated database.
bench: install
	$(PY) bench/run.py $(ARGS)

clean:
	rm -rf $(VENV) node_modules static/vendor var
