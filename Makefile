# Two commands a new user needs (see README "Quick start"):
#   make run    set up .venv, then run the quarterly batch on data/sample
#   make test   set up .venv, then run the whole test suite
# Only Python 3.11+ and make are needed; everything else installs into .venv/.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PARAMS ?= params/sample.yaml
STAMP  := $(VENV)/.installed

.PHONY: setup run test validate bench clean help browser notebooks

help:
	@echo "make run    - set up and run the quarterly batch on data/sample (reports/2026-Q3/)"
	@echo "make test   - set up and run every test"
	@echo "make bench  - run the benchmark scripts (prints figures; slow at full scale)"
	@echo "make notebooks - re-run the report notebooks on data/sample and keep their outputs (after a change in what a report shows)"

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; set PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name calibrate --display-name "Python (calibrate)"
	@touch $(STAMP)

run: setup
	$(BIN)/calibrate run --params $(PARAMS)

validate: setup
	$(BIN)/calibrate validate data/sample

test: setup
	$(BIN)/python -m pytest

# The browser tests drive Debian's chromium with Playwright (never a downloaded browser).
# Installs it when /usr/bin/chromium is missing and apt-get can run (root); CI calls this before `make test`.
browser:
	@if [ -x /usr/bin/chromium ]; then echo "chromium: /usr/bin/chromium"; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null && echo "chromium installed"; \
	else echo "chromium is missing and cannot be installed here (needs root and apt-get): the browser tests will be skipped"; fi

# The report notebooks are committed with their outputs on data/sample; `make test` compares fresh runs with
# them (nbval). After an intended change in what a report shows, refresh them and commit the .ipynb files.
notebooks: setup
	$(BIN)/python -m calibrate.batch.refresh

bench: setup
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) reports/20*
