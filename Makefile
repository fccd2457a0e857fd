# Everything a newcomer needs: `make run` serves the embedded default on :8000, `make test` runs the suite.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint check-migrations

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput -v 0
	$(PY) -m realtime.serve -b $(HOST) -p $(PORT) chatstudio.asgi:application

test: install
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

check-migrations: install
	$(PY) manage.py makemigrations --check --dry-run

.PHONY: bench bench-smoke
# The benchmark harness (docs/performance.md): seeds its own PostgreSQL database and Redis prefix,
# serves as production would, prints the table and writes bench/results/<time>-<scale>.json.
# BENCH_ARGS="--keep-db" keeps (and reuses) the seeded database; "--only rest,sockets" narrows it.
BENCH_SCALE ?= full
bench: install
	$(PY) -m bench --scale $(BENCH_SCALE) $(BENCH_ARGS)

bench-smoke: install
	$(PY) -m bench --scale smoke $(BENCH_ARGS)
