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

# Programs some tests drive, from Debian's packages: promtool (the alert rules' tests) and
# chromium (the architecture page, driven by Playwright; never a downloaded browser).
SYSTEM_PACKAGES := prometheus:promtool chromium:chromium

.PHONY: run check lint test bench clean tools

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

run: $(STAMP)
	$(BIN)/python manage.py create_database
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo_data --base-url http://$(HOST)
	@# The bus sweep retries failed event deliveries; the checkout sweep releases what dead
	@# checkouts reserved. Both stop with the server.
	$(BIN)/python manage.py bus work --interval 2 & BUS=$$!; \
	$(BIN)/python manage.py checkout_sweep & SWEEP=$$!; \
	trap 'kill $$BUS $$SWEEP' EXIT INT TERM; \
	$(BIN)/python manage.py runserver $(HOST)

check: lint test

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py check --fail-level WARNING
	@# Fails on a contract change that breaks callers, or one not recorded in domains/<d>/contract.json.
	$(BIN)/python manage.py contracts check --strict
	$(BIN)/python manage.py create_database
	$(BIN)/python manage.py makemigrations --check --dry-run

tools:
	@missing=""; for entry in $(SYSTEM_PACKAGES); do \
		command -v "$${entry#*:}" >/dev/null || missing="$$missing $${entry%%:*}"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing from Debian:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
		else \
			echo "Some tests need Debian packages:$$missing. Install them: sudo apt-get install -y$$missing"; \
		fi; \
	fi

test: $(STAMP) tools
	$(BIN)/pytest
	@# Each domain's own tests again, as its team would run them: the kernel and that domain alone,
	@# every other domain a fake of its recorded contract (shared/contracts/pytest_plugin.py).
	@for domain in $(DOMAINS); do \
		echo "$(BIN)/pytest domains/$$domain -n 0 -q"; $(BIN)/pytest domains/$$domain -n 0 -q || exit 1; \
	done

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis .import_linter_cache
