# Two commands for a newcomer: `make run` and `make test` (see README.md).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app grants
STAMP := $(VENV)/.installed

.PHONY: run test fuzz install db demo lint check audit clean browser-deps messages catalogs bench shape

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(STAMP)

# The interface's translations: `make messages` extracts every wrapped string into
# grants/translations/messages.pot and merges it into each language's messages.po (for
# translators); `catalogs` compiles them to the .mo files the portal reads (not committed).
BABEL := $(BIN)/pybabel -q
messages: install
	$(BABEL) extract -F babel.cfg -k _l -k lazy_gettext -k ServiceError -k PluralError:1,2 -k N_ -k Problem:2 \
	  --no-location --sort-output \
	  --project=grants --copyright-holder="Grants portal contributors" \
	  -o grants/translations/messages.pot .
	$(BABEL) update -i grants/translations/messages.pot -d grants/translations \
	  --no-fuzzy-matching --ignore-obsolete

catalogs: install
	$(BABEL) compile -d grants/translations

# Create or upgrade the embedded SQLite database under instance/ (or DATABASE_URL).
db: install catalogs
	$(FLASK) db upgrade

# Demo accounts and data, loaded once (the command is idempotent).
demo: db
	$(FLASK) demo

# The web server and, beside it, the job worker that delivers notices (README, "Running it
# in production"): with no broker configured they share a SQLite queue in instance/. The
# worker runs in the background and is stopped when the server stops (Ctrl-C included).
PORT ?= 5000
run: demo
	$(FLASK) worker & trap 'kill $$! 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

test: db
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The property-based fuzzing at full strength: 200 examples for every form and upload
# (the everyday suite runs 25), spread over FUZZ_WORKERS processes (pytest-xdist). Each
# worker has a database of its own (a temporary SQLite file, or with TEST_DATABASE_URL that
# name + _gw0, _gw1...) and builds the module's shared world itself, so single tests are
# spread (--dist load). CI runs it on SQLite and on PostgreSQL.
FUZZ_WORKERS ?= 2
fuzz: db
	FUZZ_EXAMPLES=200 $(BIN)/python -m pytest -q -n $(FUZZ_WORKERS) --dist load tests/test_fuzz.py

# What the browser tests (tests/browser) need beyond Python: Debian's Chromium (never a
# browser download) and axe-core from the npm registry. Without them those tests skip.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium \
	    || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }; \
	  else echo "Chromium missing: run 'sudo apt-get install chromium' for the browser tests"; fi; }
	@test -f node_modules/axe-core/axe.min.js || npm ci --no-audit --no-fund --loglevel=error

# The benchmark (README, "Benchmark"): SQLite, and PostgreSQL when pg_isready answers, under
# gunicorn loaded by wrk (Debian's package, installed here when missing and run as root).
# BENCH_SCALE (default 1) and BENCH_SECONDS (a page, default 10) change its size;
# BENCH_ARGS='--only jobs' measures only the outbox (bench/jobs.py).
bench: install catalogs
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk \
	    || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk; }; \
	  else echo "wrk missing: run 'sudo apt-get install wrk'"; exit 1; fi; }
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# The code's shape (tools/shape.py): the largest import circle, arrows back up the layers,
# module and function sizes. `make shape ARGS=-v` names them.
shape:
	$(BIN)/python -m tools.shape $(ARGS)

lint: install
	$(BIN)/ruff check grants tests tools demo bench gunicorn.conf.py

# Static checks CI runs: ruff, bandit failing on any finding of medium or high severity, and
# the import contracts (pyproject.toml [tool.importlinter]: no import runs back up the layers).
check: lint
	$(BIN)/bandit -q -r grants --severity-level medium
	$(BIN)/lint-imports --no-cache

# Known vulnerabilities in the installed dependencies. Needs PyPI's JSON API or OSV, which
# this project's CI machines cannot reach; run it where they can.
audit: install
	$(BIN)/pip-audit --skip-editable --strict

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
