# The two commands of the quick start: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
HOST ?= 0.0.0.0
PORT ?= 5000

.PHONY: run dev test test-sqlite test-postgres bench lint install embed-demo translations

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

instance/.ready: $(VENV)/.installed
	$(FLASK) init-db
	touch $@

run: install
	$(FLASK) init-db
	$(FLASK) demo
	$(FLASK) run-jobs --loop & \
	$(VENV)/bin/gunicorn --worker-class gthread --workers 2 --threads 8 \
		--bind $(HOST):$(PORT) --access-logfile - wsgi:app

dev: install
	$(FLASK) init-db
	$(FLASK) demo
	$(FLASK) run-jobs --loop & \
	$(FLASK) run --debug --host $(HOST) --port $(PORT)

# Lint first, then every test on SQLite, then again on a throwaway PostgreSQL cluster.
test: lint
	$(PY) tests/system_deps.py
	$(PY) -m pytest
	$(PY) tests/pg_cluster.py $(PY) -m pytest -p no:cacheprovider

test-sqlite: install
	$(PY) -m pytest

test-postgres: install
	$(PY) tests/pg_cluster.py $(PY) -m pytest -p no:cacheprovider

# A page of "another site" (http://partner.localhost:8080) embedding Acme's frames; run beside `make run`.
embed-demo:
	$(PYTHON) -m http.server 8080 --bind 127.0.0.1 --directory deploy/embed-demo

bench: install
	$(PY) bench/run.py

# ruff, then mypy over storefront/, widgets/ and cms_pages/ (settings in pyproject.toml).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# After changing a translatable message: re-extract, merge into each catalogue, compile. The .pot, .po
# and .mo files are all committed, so `make run` and CI need no extra step.
translations: install
	$(VENV)/bin/pybabel extract -F babel.cfg -k lazy_gettext --sort-by-file --project storefront \
		-o storefront/translations/messages.pot storefront widgets billing
	$(VENV)/bin/pybabel update -i storefront/translations/messages.pot -d storefront/translations \
		--ignore-obsolete
	$(VENV)/bin/pybabel compile -d storefront/translations --statistics
