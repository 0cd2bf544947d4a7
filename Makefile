# Two ways in: `make serve` and `make test`. Each sets itself up on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
ARGS ?=
# Debian packages the tests use: a real browser for /__mock/ui and /docs, curl and
# jq for the README's walkthrough, PostgreSQL for the shared store's tests (a
# throwaway cluster: tests/postgres.py). Installed when missing (CI runs as root).
DEBIAN_PACKAGES := chromium chromium-driver curl jq postgresql
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: help serve test lint bench debian-packages screenshots clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## (.*)/  make \1\t\2/' | expand -t 24

# The runtime alone (what `make serve` needs), then the test tools on top.
$(BIN)/.runtime: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(BIN)/.installed: $(BIN)/.runtime
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

serve: $(BIN)/.runtime  ## set up the runtime only, then serve the sandbox on http://127.0.0.1:8080
	$(BIN)/mockserver serve $(ARGS)

debian-packages:  ## install the Debian packages the tests use, when missing
	@missing=$$(for package in $(DEBIAN_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q 'ok installed' || echo $$package; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "installing $$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# The whole suite runs again on each shared store (tests/conftest.py: --store;
# PostgreSQL is a throwaway cluster, tests/postgres.py).
test: $(BIN)/.installed debian-packages  ## set up, lint, then run every test on each store (memory, SQLite, PostgreSQL)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest $(ARGS)
	$(BIN)/pytest -n 2 -q --store sqlite
	$(BIN)/pytest -n 2 -q --store postgresql

lint: $(BIN)/.installed  ## ruff: lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(BIN)/.installed  ## measure speed (not part of `make test`)
	$(BIN)/python -m bench $(ARGS)

screenshots: $(BIN)/.installed debian-packages  ## take docs/ui.png and docs/docs.png for the README
	cd tests && $(abspath $(BIN))/python screenshots.py

clean:  ## remove the venv and build output
	rm -rf $(VENV) build *.egg-info
