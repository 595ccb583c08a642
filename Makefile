# Kehu: `make run` serves the demo on http://127.0.0.1:8000, `make test` runs what CI runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/kehu
PYTEST_ARGS ?= -n 2
# make bench: customers to load (quick try: make bench BENCH_SCALE=20000) and the scratch
# PostgreSQL database (dropped and created again; its name must contain "bench")
BENCH_SCALE ?= 1000000
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/kehu_bench
BENCH_ARGS ?=

.PHONY: run test lint check test-sqlite test-postgres postgres browsers bench clean messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || { \
	  echo "python3 -m venv failed; installing Debian's python3-venv"; \
	  apt-get update && apt-get install -y python3-venv && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed

## run: install, create or migrate the SQLite database, load the demo if it is new, serve
run: $(VENV)/.installed
	$(BIN)/kehu init --demo --no-input
	$(BIN)/kehu serve --host 127.0.0.1 --port 8000

## test: lint, Django checks, the suite on SQLite and again on PostgreSQL
test: $(VENV)/.installed-test browsers lint check test-sqlite test-postgres

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

check: $(VENV)/.installed-test
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

test-sqlite: $(VENV)/.installed-test
	@echo "== tests on SQLite =="
	env -u DATABASE_URL $(BIN)/pytest $(PYTEST_ARGS)

test-postgres: $(VENV)/.installed-test postgres
	@echo "== tests on PostgreSQL =="
	DATABASE_URL=$(PG_URL) $(BIN)/pytest $(PYTEST_ARGS)

## postgres: start the local PostgreSQL server if it is not running
postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 || { \
	  echo "starting PostgreSQL"; \
	  pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | head -n 1) main start; \
	  for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; \
	  pg_isready -h 127.0.0.1 -p 5432; }

## bench: the performance benchmarks on scratch SQLite and PostgreSQL databases (docs/benchmarks.md)
bench: $(VENV)/.installed postgres
	$(BIN)/python -m bench.run --scale $(BENCH_SCALE) --postgres-url $(BENCH_DATABASE_URL) $(BENCH_ARGS)

## browsers: Debian's Chromium and CJK fonts for the browser tests (never a download by Playwright)
browsers:
	@command -v chromium >/dev/null 2>&1 || { \
	  apt-get update && apt-get install -y chromium fonts-noto-cjk; }

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis build *.egg-info

## messages: regenerate the translation catalogs (kehu/locale) from the source strings, compile them
messages: $(VENV)/.installed
	cd kehu && ../$(BIN)/python ../manage.py makemessages -l zh_Hans -l en --no-location --ignore "migrations/*"
	cd kehu && ../$(BIN)/python ../manage.py compilemessages
