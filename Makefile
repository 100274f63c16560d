# One command each: install, run, test, lint, demo data. See README.md.
SHELL := /bin/bash
PYTHON_BIN ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | sha1sum | cut -c1-12)
PORT ?= 8501

.PHONY: install run demo test bench lint browser-deps clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON_BIN) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

# Debian's Chromium drives the browser tests and renders the briefing's charts (kaleido);
# Playwright and kaleido cannot download a browser of their own here.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; }

data/returns.duckdb: | $(STAMP)
	$(PY) -m ingest demo

demo: install
	$(PY) -m ingest demo

run: install browser-deps data/returns.duckdb
	$(VENV)/bin/streamlit run app.py --server.port $(PORT)

test: install browser-deps
	$(PY) -m pytest -n 2 --dist loadgroup

# Scale data, measurements, bench/RESULTS.md (about 10–15 minutes; see bench/__main__.py).
bench: install browser-deps
	$(PY) -m bench --out bench/RESULTS.md

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
