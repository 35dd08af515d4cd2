# vehicle-connect: `make run` serves on 127.0.0.1:8000 (embedded store, sandbox provider);
# `make test` runs lint, types and the test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint typecheck pytest system-deps diagram screenshots openapi schemathesis chart bench bench-smoke clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(BIN)/.installed-test: $(BIN)/.installed pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

run: $(BIN)/.installed
	$(BIN)/vehicle-connect serve --host $(HOST) --port $(PORT)

test: lint typecheck pytest

lint: $(BIN)/.installed-test
	$(BIN)/ruff check service tests bench
	$(BIN)/ruff format --check service tests bench

typecheck: $(BIN)/.installed-test
	$(BIN)/mypy service

# redis-server and chromium (Debian packages), installed when missing and running as root.
system-deps:
	@bash scripts/system-deps.sh

# pytest exits 5 when it collected no tests: that is a failure here, never a pass.
pytest: $(BIN)/.installed-test system-deps
	@$(BIN)/pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; exit $$rc

# Print the state diagram of the transition table (the README holds a copy; a test compares).
diagram: $(BIN)/.installed
	$(BIN)/python -m service.domain.states

# Re-take the hosted page screenshots shown in the README.
screenshots: $(BIN)/.installed-test
	SCREENSHOT_DIR=docs/screenshots $(BIN)/pytest -q tests/web

# Write the exported OpenAPI document (a test keeps it equal to the app's).
openapi: $(BIN)/.installed
	$(BIN)/vehicle-connect openapi > openapi/openapi.json

# schemathesis against the running service (REDIS_URL must name a real redis-server).
schemathesis: $(BIN)/.installed-test
	bash scripts/schemathesis.sh

# helm lint --strict and kubernetes-validate --strict for the chart's ci/ value sets.
chart: $(BIN)/.installed-test
	bash scripts/check-chart.sh

# The service against the bare stack under wrk, memory per session, the 200-user load run;
# writes bench/RESULTS.md. bench-smoke: the same, 1 s a case, no file (CI).
bench: $(BIN)/.installed-test system-deps
	$(BIN)/python -m bench.run

bench-smoke: $(BIN)/.installed-test system-deps
	$(BIN)/python -m bench.run --smoke

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
