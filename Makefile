# Two commands do all the set-up: `make report` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CORPUS ?= seeds

.DEFAULT_GOAL := help
.PHONY: help report test lint unit notebooks clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check --quiet -r requirements.txt
	@touch $@

report: $(STAMP)  ## execute every notebook on CORPUS (default seeds/) and export HTML to reports/
	$(BIN)/python -m gongwen report --corpus $(CORPUS)

test: $(STAMP)  ## ruff, unit tests and strict nbval over every notebook
	$(BIN)/ruff check lib tests benchmarks
	$(BIN)/python -m pytest -q tests notebooks --nbval --nbval-current-env \
		--nbval-sanitize-with tests/nbval_sanitize.cfg

lint: $(STAMP)  ## ruff only
	$(BIN)/ruff check lib tests benchmarks

clean:  ## remove generated reports and caches (not the venv)
	rm -rf reports .cache
