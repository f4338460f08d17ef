# Two commands a new user needs: `make run` starts a node, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

# A node started with no FEDI_DOMAIN serves http://localhost:8000.
ifeq ($(origin FEDI_DOMAIN), undefined)
export FEDI_SCHEME ?= http
endif

.PHONY: run test lint install install-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# fediverse-pasture-inputs ships hundreds of edge-case objects for the ingest tests; its own
# dependencies (bovine) would pin pyld and cryptography to old versions, and the inputs need
# none of them, so it is installed alone.
PASTURE_INPUTS := fediverse-pasture-inputs==0.3.0

# The browser tests drive Debian's Chromium; a fresh machine gets it from Debian's packages.
CHROMIUM := /usr/bin/chromium

$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null; then SUDO=sudo; \
	else echo "The browser tests need Debian's chromium package: apt-get install chromium" >&2; \
	exit 1; fi; \
	$$SUDO apt-get update -qq && \
	$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed | $(CHROMIUM)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m pip install --quiet --no-deps '$(PASTURE_INPUTS)'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install
	$(BIN)/fedi migrate
	$(BIN)/fedi serve --create-admin-if-empty

test: install-test
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) var
