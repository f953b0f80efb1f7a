# Two commands do all the set-up: `make report` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CORPUS ?= seeds

.DEFAULT_GOAL := help
.PHONY: help report test lint browser clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check --quiet -r requirements.txt
	@touch $@

report: $(STAMP)  ## execute every notebook on CORPUS (default seeds/) and export HTML to reports/
	$(BIN)/python -m gongwen report --corpus $(CORPUS)

browser:  ## install Debian's chromium and a CJK font for the browser test, when missing
	@if ! command -v chromium >/dev/null || [ -z "$$(fc-list :lang=zh 2>/dev/null)" ]; then \
		echo "installing chromium and fonts-noto-cjk (Debian packages) for the browser test"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	fi

test: $(STAMP) browser  ## ruff, unit tests, browser test and strict nbval over every notebook
	$(BIN)/ruff check lib tests benchmarks
	$(BIN)/python -m pytest -q tests notebooks --nbval --nbval-current-env \
		--nbval-sanitize-with tests/nbval_sanitize.cfg

lint: $(STAMP)  ## ruff only
	$(BIN)/ruff check lib tests benchmarks

clean:  ## remove generated reports and caches (not the venv)
	rm -rf reports .cache
