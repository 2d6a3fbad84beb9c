# The two commands: `make run` (the platform with demo data) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
SHOPS ?= 2000
SEED ?= 42

.PHONY: run test install lint messages clean

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11 or newer is needed"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed

run: install
	$(PY) manage.py migrate --no-input -v0
	$(PY) manage.py seed_demo --shops $(SHOPS) --seed $(SEED)
	$(PY) manage.py welcome --url http://$(HOST):$(PORT)/
	exec $(VENV)/bin/daphne -b $(HOST) -p $(PORT) core.asgi:application

test: install
	platform/test.sh

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Refresh every app's catalogues after changing strings; translate what is new, then commit .po and .mo.
messages: install
	platform/messages.sh

clean:
	rm -rf var media staticfiles test-artifacts .pytest_cache
