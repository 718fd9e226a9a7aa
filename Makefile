# provscan: two commands set everything up on a machine with only python3.
#   make demo   create .venv, install, scan the sample delivery, write reports/
#   make test   create .venv, install, then lint, format check, type check, the whole suite
#               (with the README's generated blocks checked) and coverage with its floor
#   make docs   regenerate the README's blocks from the code (module map, --help texts)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint docs fixtures bench clean

SOURCES := scanner tests fixtures bench docs
# Measured with `make test` (branch coverage, workers and CLI subprocesses included): 92%.
# Raise it when coverage rises; a drop below it means dead tests or untested code.
COVERAGE_FLOOR := 91

# ascmhl (the ASC's reference MHL tool) makes the checksum-manifest test fixtures. It pins
# click ~= 8.1, older than provscan's, so it lives in a venv of its own, never in provscan's.
TOOLS  := .venv-tools

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet 'ascmhl==1.2'
	touch $(STAMP)

demo: $(STAMP)
	mkdir -p reports
	-$(BIN)/provscan scan fixtures/delivery \
		--approvals fixtures/approvals.csv \
		--policy fixtures/policy.toml \
		--trust-anchors fixtures/ca/root.pem \
		--as-of 2026-11-01 \
		--known-ai fixtures/known_ai \
		--archive-source fixtures/archive_source \
		--format json --format csv --format html \
		-o reports
	@echo "reports written to reports/ (a non-zero exit above is the demo delivery failing its gate, on purpose)"

test: $(STAMP)
	$(BIN)/ruff check $(SOURCES)
	$(BIN)/ruff format --check $(SOURCES)
	$(BIN)/mypy
	$(BIN)/python -m pytest -q --cov --cov-report=term --cov-fail-under=$(COVERAGE_FLOOR)

lint: $(STAMP)
	$(BIN)/ruff check $(SOURCES)
	$(BIN)/ruff format --check $(SOURCES)
	$(BIN)/mypy

docs: $(STAMP)
	$(BIN)/cog -r -I docs README.md

fixtures: $(STAMP)
	$(BIN)/python fixtures/generate.py fixtures
	$(BIN)/python fixtures/approvals_sync.py fixtures

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .ruff_cache .mypy_cache .coverage .coverage.*
