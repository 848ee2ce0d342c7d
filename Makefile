# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck train chromium system-libs screenshots clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Pantau needs Python 3.11+")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP) system-libs
	$(BIN)/pantau demo

test: $(STAMP) system-libs
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

train: $(STAMP)
	$(BIN)/pantau train

# The browser tests and screenshots drive Debian's Chromium through Playwright (never `playwright install`,
# which downloads browsers); without it they skip, except under CI=true. Installing it needs root.
chromium:
	@test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

# WeasyPrint prints the quarterly report with Pango (and a font), from Debian's packages; installing needs root.
system-libs:
	@(ldconfig -p | grep -q libpangoft2-1.0.so.0 && fc-list | grep -qi dejavu) || (apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core)

screenshots: $(STAMP)
	$(BIN)/python -m tests.browser.screenshots docs/screenshots

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
