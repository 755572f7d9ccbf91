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
# Rerun from this notebook (e.g. FROM=03) on the run's own processed data
FROM ?=

.PHONY: help setup check data report compare lab lint test notebooks bench clean

help: ## List the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

setup: $(STAMP) ## Create .venv with the pinned requirements and lib installed (editable); install the git hook
	@# the pre-commit hook that keeps a real export's aggregates out of committed notebooks
	@if git rev-parse --git-dir >/dev/null 2>&1; then git config core.hooksPath .githooks; fi

$(SYNTHETIC): | $(STAMP)
	$(BIN)/python -m lib.synthetic --out $(SYNTHETIC)

data: $(SYNTHETIC) ## Generate the synthetic 2023 call log when it is missing

check: setup ## Check PARAMS (assumption types and ranges, known names) without running anything
	$(BIN)/python -m lib.pipeline check $(PARAMS)

report: setup $(if $(strip $(PARAMS)),check) $(if $(filter $(SYNTHETIC),$(RAW)),data) ## Run the whole analysis into OUT (default outputs/); FROM=03 reruns 03-04
	$(BIN)/python -m lib.pipeline run --raw $(RAW) --outputs $(OUT) $(if $(FROM),--from $(FROM)) $(PARAMS)

compare: setup ## Print and write what differs between two runs: make compare A=outputs/run1 B=outputs/run2
	$(BIN)/python -m lib.pipeline compare $(A) $(B)

lab: setup data ## Start JupyterLab from the project's environment, in notebooks/ (Ctrl-C stops it)
	cd notebooks && ../$(BIN)/jupyter lab --notebook-dir=. $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

lint: setup ## ruff (lint and format check) and mypy on lib/
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: setup data lint ## Lint, then the unit tests and nbval, all writing to a temporary folder (never outputs/)
	$(BIN)/python -m pytest notebooks tests --nbval-lax --nbval-current-env \
		--nbval-sanitize-with nbval_sanitize.cfg -p no:randomly

notebooks: setup data ## Re-execute the committed notebooks in place (outputs nbval compares; writes go to a temporary folder)
	$(BIN)/python -m lib.pipeline refresh

bench: setup data ## Run the speed and memory benchmarks (installs the optional pyworkforce extra)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[bench]'
	$(BIN)/python benchmarks/bench_erlang.py
	$(BIN)/python benchmarks/bench_erlang_a.py
	$(BIN)/python benchmarks/bench_simulation.py
	$(BIN)/python benchmarks/bench_simulator.py
	$(BIN)/python benchmarks/bench_clean.py
	$(BIN)/python benchmarks/bench_uncertainty.py
	$(BIN)/python benchmarks/bench_pilot.py

clean: setup ## Remove what the project generated: run outputs, processed data, the synthetic log (never a real export)
	$(BIN)/python -m lib.pipeline clean
