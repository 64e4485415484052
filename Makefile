# arpkit: two commands do everything on a fresh machine.
#   make run   - set up, build a synthetic demo authority, import it, show the analyst's summary,
#                create one demo user per role and serve the web platform on http://127.0.0.1:8000
#   make test  - set up (with test dependencies and a browser) and run the whole suite, then the
#                web tests again on a throwaway PostgreSQL cluster
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
UV     := $(BIN)/uv
UV_VERSION := 0.13.9
DEMO   := demo
DEMO_PERIODS := 2023 2024 2025
DEMO_CHILDREN ?= 20000
DEMO_STAFF ?= 600
comma := ,
space := $(empty) $(empty)

WEB    := $(BIN)/python -m arpkit.web
DEMO_ENV := ARPKIT_KEY_FILE=$(DEMO)/pseudonym.key ARPKIT_WAREHOUSE=$(DEMO)/arpkit.duckdb \
	ARPKIT_VAR_DIR=$(DEMO)/var DJANGO_SETTINGS_MODULE=arpkit.web.settings.local
HOST   := 127.0.0.1:8000

.PHONY: run test install assets browser lint bench lock clean

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

# GOV.UK Frontend from the npm registry, at the version pinned in package-lock.json.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

assets: node_modules/.installed

# Browser tests drive Debian's Chromium (Playwright cannot download its own browsers here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    $$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null; }

run: install assets
	@mkdir -p $(DEMO)
	@for y in $(DEMO_PERIODS); do \
	  ARPKIT_KEY_FILE=$(DEMO)/pseudonym.key $(BIN)/arpkit synth --children $(DEMO_CHILDREN) \
	    --seed $$y --period $$y --out $(DEMO)/returns/$$y --quiet || exit 1; \
	done
	ARPKIT_KEY_FILE=$(DEMO)/pseudonym.key $(BIN)/arpkit import --warehouse $(DEMO)/arpkit.duckdb \
	  $(foreach y,$(DEMO_PERIODS),$(DEMO)/returns/$(y))
	ARPKIT_KEY_FILE=$(DEMO)/pseudonym.key $(BIN)/arpkit synth-hr --staff $(DEMO_STAFF) --seed 1 \
	  --periods $(subst $(space),$(comma),$(DEMO_PERIODS)) --out $(DEMO)/hr --quiet
	ARPKIT_KEY_FILE=$(DEMO)/pseudonym.key $(BIN)/arpkit import-hr \
	  --warehouse $(DEMO)/arpkit.duckdb --mapping $(DEMO)/hr/hr.yml --la 999 --quiet
	$(BIN)/arpkit summary --warehouse $(DEMO)/arpkit.duckdb
	$(DEMO_ENV) $(WEB) migrate --noinput -v 0
	$(DEMO_ENV) $(WEB) createcachetable
	$(DEMO_ENV) $(WEB) collectstatic --noinput -v 0
	$(DEMO_ENV) $(WEB) build_dashboard_cache --no-prerender
	$(DEMO_ENV) $(WEB) load_demo_users
	@echo "Serving on http://$(HOST)/ (Ctrl-C stops the server and the background worker)"
	@bash -c 'trap "kill 0" EXIT INT TERM; \
	  $(DEMO_ENV) $(WEB) db_worker --interval 1 & \
	  $(DEMO_ENV) $(BIN)/gunicorn --config python:arpkit.web.gunicorn_conf arpkit.web.wsgi \
	    --bind $(HOST) --access-logfile - --log-level warning'

test: install assets browser
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/pytest -n 2 --durations=15
	$(BIN)/python tests/postgres_cluster.py $(BIN)/pytest -n 2 -q -p no:cacheprovider \
	  tests/web -m "not browser and not slow"

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
