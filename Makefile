# Two commands: `make report` and `make test`. Each sets up .venv when it is missing.
.DEFAULT_GOAL := help
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
RAW ?= data/raw/calls_2023.parquet
SYNTHETIC := data/raw/calls_2023.parquet
# Extra papermill parameters for every notebook that takes them, e.g. PARAMS="-p on_invalid quarantine"
PARAMS ?=
# The run folder (everything one run writes; its call-level data go to data/processed[/runs/NAME])
OUT ?= outputs
# The run's call-level folder (default data/processed[/runs/NAME]); never inside an outputs folder
PROCESSED ?=
# Rerun from this notebook (e.g. FROM=03) on the run's own processed data
FROM ?=
# make clean DRY=1 lists what it would remove, and removes nothing
DRY ?=
# make compare XLSX=1 also writes the comparison as a Norwegian workbook
XLSX ?=
# What a user types reaches Python as data, never as part of a shell command: each variable
# is handed over, unexpanded ($(value ...)), in the environment, and lib.chain.cli --env reads
# it there (PARAMS split with shlex). Never paste these variables into a recipe line.
export KONTAKT_RAW := $(value RAW)
export KONTAKT_PARAMS := $(value PARAMS)
export KONTAKT_OUT := $(value OUT)
export KONTAKT_PROCESSED := $(value PROCESSED)
export KONTAKT_FROM := $(value FROM)
export KONTAKT_A := $(value A)
export KONTAKT_B := $(value B)
export KONTAKT_DRY := $(value DRY)
export KONTAKT_XLSX := $(value XLSX)
export KONTAKT_LAB_ARGS := $(value LAB_ARGS)
unexport RAW PARAMS OUT PROCESSED FROM A B DRY XLSX LAB_ARGS

.PHONY: help setup check data report inspect compare lab app lint test test-fast notebooks bench clean

help: ## List the targets
	@grep -E '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

setup: $(STAMP) ## Create .venv with the pinned requirements and lib installed (editable); install the git hook
	@# the pre-commit hook that keeps a real export's aggregates out of committed notebooks
	@if git rev-parse --git-dir >/dev/null 2>&1; then git config core.hooksPath .githooks; fi

$(SYNTHETIC): | $(STAMP)
	$(BIN)/python -m lib.model.twin --out $(SYNTHETIC)

data: $(SYNTHETIC) ## Generate the synthetic 2023 call log (the queue-consistent twin, its truth beside it) when it is missing

check: setup ## Check PARAMS (assumption types and ranges, notebook parameters, known names), RAW, OUT and PROCESSED without running anything
	$(BIN)/python -m lib.chain.cli check --env

report: setup $(if $(filter $(SYNTHETIC),$(KONTAKT_RAW)),data) ## Run the whole analysis into OUT (default outputs/); FROM=03 reruns notebooks 03-08 on the run's processed data
	$(BIN)/python -m lib.chain.cli run --env

inspect: setup ## Check an export before running anything: make inspect RAW=data/raw/export_2023.csv (a file, folder or glob)
	$(BIN)/python -m lib.chain.cli inspect --env

compare: setup ## What differs between two runs, and why (assumptions first): make compare A=outputs B=outputs/run2 [XLSX=1]
	$(BIN)/python -m lib.chain.cli compare --env

lab: setup data ## Start JupyterLab from the project's environment at the project root, notebooks/ open (Ctrl-C stops it)
	$(BIN)/jupyter lab --notebook-dir=. --ServerApp.default_url=/lab/tree/notebooks $(if $(filter 0,$(shell id -u)),--allow-root) $$KONTAKT_LAB_ARGS

app: setup ## Serve the what-if page (notebook 08) with Voila on http://127.0.0.1:8866 only, code hidden; after make report (Ctrl-C stops it)
	$(BIN)/voila notebooks/08_what_if.ipynb --no-browser --Voila.ip=127.0.0.1 --port=8866 --strip_sources=True

lint: setup ## ruff (lint and format check), mypy on lib/, and lib's layers (import-linter)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

test: setup data lint ## Lint, then every test (unit, full year, chain) and nbval on every notebook, on 2 workers; never writes outputs/
	$(BIN)/python -m pytest notebooks tests --nbval-lax --nbval-current-env \
		--nbval-sanitize-with nbval_sanitize.cfg -p no:randomly -n 2

test-fast: setup ## The unit tests only (no notebook, no full year), on 2 workers: the edit-test loop
	$(BIN)/python -m pytest tests -m unit -p no:randomly -n 2 -q

notebooks: setup data ## Re-execute the committed notebooks in place (outputs nbval compares; writes go to a temporary folder)
	$(BIN)/python -m lib.chain.cli refresh

bench: setup data ## Run the speed and memory benchmarks (installs the optional pyworkforce extra)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[bench]'
	$(BIN)/python benchmarks/bench_erlang.py
	$(BIN)/python benchmarks/bench_erlang_a.py
	$(BIN)/python benchmarks/bench_plan_check.py
	$(BIN)/python benchmarks/bench_chat_pool.py
	$(BIN)/python benchmarks/bench_chat_concepts.py
	$(BIN)/python benchmarks/bench_simulator.py
	$(BIN)/python benchmarks/bench_clean.py
	$(BIN)/python benchmarks/bench_uncertainty.py
	$(BIN)/python benchmarks/bench_pilot.py
	$(BIN)/python benchmarks/bench_what_if.py

clean: setup ## Remove what the project made (what run manifests list, the synthetic log; never your files); DRY=1 lists only
	$(BIN)/python -m lib.chain.cli clean --env
