# The two commands of the README do all set-up on a fresh machine:
#   make demo   run the engine on SQLite against a simulated PBX
#   make test   lint, type-check and run the whole test suite (SQLite and PostgreSQL)
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: demo test setup services lint screenshots

demo: $(STAMP)
	$(VENV)/bin/ccengine demo

test: $(STAMP) services lint
	$(VENV)/bin/pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check ccengine tests benchmarks
	$(VENV)/bin/mypy

setup: $(STAMP)

# The README's pictures: the browser tests, saving their screenshots into docs/screenshots.
screenshots: $(STAMP) services
	CCENGINE_SCREENSHOTS=docs/screenshots $(VENV)/bin/pytest -m browser -k sqlite -q

services:
	scripts/ensure-postgres.sh
	scripts/ensure-mail.sh

$(STAMP): pyproject.toml scripts/ensure-system-packages.sh
	scripts/ensure-system-packages.sh
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $(STAMP)
