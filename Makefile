# provscan: two commands set everything up on a machine with only python3.
#   make demo   create .venv, install, scan the sample delivery, write reports/
#   make test   create .venv, install, lint and run the whole suite

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint fixtures bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	mkdir -p reports
	-$(BIN)/provscan scan fixtures/delivery \
		--approvals fixtures/approvals.csv \
		--trust-anchors fixtures/ca/root.pem \
		--as-of 2026-11-01 \
		--known-ai fixtures/known_ai \
		--archive-source fixtures/archive_source \
		--format json --format csv --format html \
		-o reports
	@echo "reports written to reports/ (a non-zero exit above is the demo delivery failing its gate, on purpose)"

test: $(STAMP)
	$(BIN)/ruff check scanner tests fixtures bench
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check scanner tests fixtures bench
	$(BIN)/ruff format --check scanner tests fixtures bench

fixtures: $(STAMP)
	$(BIN)/python fixtures/generate.py fixtures
	$(BIN)/python fixtures/approvals_sync.py fixtures

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
