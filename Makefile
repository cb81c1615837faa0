# Quick start:  make demo   (sets up, starts the sandbox services, syncs two hours)
#               make test   (the test suite)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

# Airflow runs from this checkout: its metadata DB and logs live in .airflow/.
export AIRFLOW_HOME := $(CURDIR)/.airflow
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__PLUGINS_FOLDER := $(CURDIR)/plugins
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export PYTHONPATH := $(CURDIR):$(CURDIR)/plugins

.PHONY: setup system-deps demo test test-scheduler sandbox constraints clean

setup: system-deps $(VENV)/.installed

# Debian packages the code runs: antiword reads Word 97-2003 .doc résumés. Installed
# only when missing, through sudo unless already root.
system-deps:
	@command -v antiword >/dev/null 2>&1 || { \
		SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y --no-install-recommends antiword; \
	}

$(VENV)/.installed: requirements.txt requirements-dev.txt constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) and "Python 3.11 is required (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	touch $@

demo: setup
	$(BIN)/python -m sandbox.demo

test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy include plugins
	$(BIN)/pytest
	$(MAKE) --no-print-directory test-scheduler

# A real scheduler, api-server and dag-processor (LocalExecutor) on a private PostgreSQL
# cluster (scripts/postgres.sh): scheduled, backfilled, retried and concurrent runs. A few minutes.
test-scheduler: setup
	$(BIN)/pytest tests/scheduler

sandbox: setup
	$(BIN)/python -m sandbox up

# Re-resolve the full pin set after changing requirements*.txt.
constraints: setup
	(head -3 constraints.txt; $(BIN)/pip freeze --exclude-editable) > constraints.new && mv constraints.new constraints.txt

clean:
	rm -rf $(VENV) .airflow .sandbox
