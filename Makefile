# arpkit: two commands do everything on a fresh machine.
#   make run   - set up, build a synthetic demo authority, import it and show the analyst's summary
#   make test  - set up (with test dependencies) and run the whole suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
UV     := $(BIN)/uv
UV_VERSION := 0.13.9
DEMO   := demo
DEMO_PERIODS := 2023 2024 2025
DEMO_CHILDREN ?= 20000

.PHONY: run test install lint bench lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(UV): | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Everything pinned in requirements/lock.txt (runtime, Spark and test extras); the project itself
# is installed editable on top without resolving anything again.
$(VENV)/.installed: requirements/lock.txt pyproject.toml | $(UV)
	$(UV) pip sync --quiet --compile-bytecode --python $(BIN)/python requirements/lock.txt
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

install: $(VENV)/.installed

run: install
	@mkdir -p $(DEMO)
	@for y in $(DEMO_PERIODS); do \
	  ARPKIT_KEY_FILE=$(DEMO)/pseudonym.key $(BIN)/arpkit synth --children $(DEMO_CHILDREN) \
	    --seed $$y --period $$y --out $(DEMO)/returns/$$y --quiet || exit 1; \
	done
	ARPKIT_KEY_FILE=$(DEMO)/pseudonym.key $(BIN)/arpkit import --warehouse $(DEMO)/arpkit.duckdb \
	  $(foreach y,$(DEMO_PERIODS),$(DEMO)/returns/$(y))
	$(BIN)/arpkit summary --warehouse $(DEMO)/arpkit.duckdb

test: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/pytest -n 2 --durations=15

lint: install
	$(BIN)/ruff check src tests benchmarks

bench: install
	$(BIN)/python benchmarks/ingest.py

# Regenerate the pins after changing dependencies in pyproject.toml.
lock: | $(UV)
	$(UV) pip compile pyproject.toml --extra spark --extra test --python-version 3.11 \
	  -o requirements/lock.txt

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache .ruff_cache
