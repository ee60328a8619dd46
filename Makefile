# Two commands do all set-up on a fresh machine (see README.md):
#   make run     create .venv, install, migrate, load demo data, serve the shop
#   make check   create .venv, install, then every check and test (CI runs this)
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1:8000
DOMAINS := $(patsubst domains/%/apps.py,%,$(wildcard domains/*/apps.py))

# CI runs the database tests on PostgreSQL; locally SQLite stays the default.
ifeq ($(CI),true)
export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/modulith
endif

.PHONY: run check lint test test-wire bench clean tools

# Programs some tests and benchmarks run, from Debian's packages: command -> package.
# `make tools` installs the missing ones (as root, with apt-get); a test that needs one that
# is missing says which package to install, and fails on CI.
# promtool runs the alert rules' tests; chromium is the browser Playwright drives for the
# architecture page (never a downloaded one).
DEBIAN_TOOLS := wrk:wrk promtool:prometheus chromium:chromium

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

run: $(STAMP)
	$(BIN)/python manage.py create_database
	$(BIN)/python manage.py migrate_databases --noinput
	$(BIN)/python manage.py load_demo_data --base-url http://$(HOST)
	@# The bus sweep retries failed event deliveries; the checkout sweep releases what dead
	@# checkouts reserved. Both stop with the server.
	$(BIN)/python manage.py bus work --interval 2 & BUS=$$!; \
	$(BIN)/python manage.py checkout_sweep & SWEEP=$$!; \
	trap 'kill $$BUS $$SWEEP' EXIT INT TERM; \
	$(BIN)/python manage.py runserver $(HOST)

check: lint test test-wire

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	@# Every boundary rule (imports and ORM coupling) against boundaries-baseline.json, which only shrinks.
	$(BIN)/python manage.py boundaries check
	$(BIN)/python manage.py check --fail-level WARNING
	@# Fails on a contract change that breaks callers, or one not recorded in domains/<d>/contract.json.
	$(BIN)/python manage.py contracts check --strict
	$(BIN)/python manage.py create_database
	$(BIN)/python manage.py makemigrations --check --dry-run

tools:
	@missing=""; for pair in $(DEBIAN_TOOLS); do command -v $${pair%%:*} >/dev/null || missing="$$missing $${pair#*:}"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get install -y --no-install-recommends $$missing >/dev/null || \
	      { apt-get update >/dev/null && apt-get install -y --no-install-recommends $$missing >/dev/null; }; \
	  else echo "Missing programs; install the Debian packages:$$missing"; fi; \
	fi

test: $(STAMP) tools
	$(BIN)/pytest
	@# Each domain's own tests again, as its team would run them: the kernel and that domain alone,
	@# every other domain a fake of its recorded contract (shared/contracts/pytest_plugin.py).
	@# Two domains at a time, each on a test database of its own; each run's output is printed whole
	@# when it ends, and any failure fails the target.
	@printf '%s\n' $(DOMAINS) | xargs -P 2 -I{} sh -c '\
		out=$$($(if $(DATABASE_URL),DATABASE_URL=$(DATABASE_URL)_alone_{}) $(BIN)/pytest domains/{} -n 0 -q 2>&1); \
		status=$$?; printf "%s\n%s\n" "$(BIN)/pytest domains/{} -n 0 -q" "$$out"; exit $$status'

# The whole suite again, in the shape of a split shop while still one process: every interface call
# round-trips through the wire encoding (shared/interfaces/loopback.py), what a remote caller would see,
# and, on PostgreSQL (DATABASE_URL set, as on CI), every domain in a database of its own
# (DOMAIN_DATABASES=*: each domain's tables, outbox, inbox and Idempotency-Keys in `<name>_<domain>`,
# events crossing between them as feeds). Two pytest workers at most: each opens a connection per database.
# Tests marked `load` (minutes of HTTP against processes of their own) ran once in `make test`, and so did
# the black-box placements with extracted domains (marker `extracted`): their calls to those domains cross real HTTP.
test-wire: $(STAMP) tools
	INTERFACE_TRANSPORT=wire $(if $(DATABASE_URL),DOMAIN_DATABASES='*') \
	  $(BIN)/pytest -m "not load and not extracted" $(if $(DATABASE_URL),-n 2)

bench: $(STAMP) tools
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis .import_linter_cache
