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
# pytest-xdist processes, a test file each at a time (its module fixtures stay in one process).
# Most tests wait on scans in subprocesses: on 2 cores, 2 of them take the suite from about
# 13.5 to 10 minutes with coverage (measured); 8 minutes since coverage stopped following
# MediaInfo's forked children (pyproject.toml, [tool.coverage.run]).
# --max-worker-restart 0: a pytest worker that dies (a native crash) fails its test and the run
# ends red. xdist 3.8's loadfile scheduling can wait forever after replacing a dead worker
# (pytest-xdist issues 784, 1323, 1378; seen here), which would cost the CI its 90 minutes.
TEST_WORKERS ?= auto

# ascmhl (the ASC's reference MHL tool) makes the checksum-manifest test fixtures. It pins
# click ~= 8.1, older than provscan's, so it lives in a venv of its own, never in provscan's.
TOOLS  := .venv-tools

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "provscan needs Python 3.11 or newer (PyAV 18, NumPy and SciPy do); $(PYTHON) is " + sys.version.split()[0] + ": run make PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet 'ascmhl==1.2'
	touch $(STAMP)

# SOURCE_DATE_EPOCH fixes the reports' scan time (2026-11-01T00:00:00Z, the --as-of date), so
# the committed reports/ are reproduced byte for byte: `make demo` leaves the work tree clean.
DEMO_EPOCH := 1793491200
DEMO_OUT ?= reports

demo: $(STAMP)
	mkdir -p $(DEMO_OUT)
	-SOURCE_DATE_EPOCH=$(DEMO_EPOCH) $(BIN)/provscan scan fixtures/delivery \
		--approvals fixtures/approvals.csv \
		--policy fixtures/policy.toml \
		--trust-anchors fixtures/ca/root.pem \
		--as-of 2026-11-01 \
		--known-ai fixtures/known_ai \
		--archive-source fixtures/archive_source \
		--timeline fixtures/timelines/reel1.edl \
		--timeline fixtures/timelines/reel2.xml \
		--timeline fixtures/timelines/reel3.otio \
		--timeline-rate 24 \
		--format json --format csv --format html \
		-o $(DEMO_OUT)
	@echo "reports written to $(DEMO_OUT)/ (a non-zero exit above is the demo delivery failing its gate, on purpose)"

test: $(STAMP)
	$(BIN)/ruff check $(SOURCES)
	$(BIN)/ruff format --check $(SOURCES)
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile --max-worker-restart 0 --cov --cov-report=term --cov-fail-under=$(COVERAGE_FLOOR)

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
