# wuzheng — `make help` lists every target.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: help
help: ## List every target with what it does
	@awk 'BEGIN {FS = ":.*?## "} /^[a-zA-Z_-]+:.*?## / {printf "  \033[1m%-12s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet "uv==$(UV_VERSION)"

$(VENV)/.synced: $(UV) uv.lock pyproject.toml $(wildcard */pyproject.toml */*/pyproject.toml)
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

.PHONY: install
install: $(VENV)/.synced ## Create .venv with every workspace package and dev tool (uv, locked)

.PHONY: run
run: install ## Start NATS, migrate and run all five services on 127.0.0.1:8101-8105 (Ctrl-C stops)
	$(BIN)/wuzheng run

.PHONY: test
test: install lint typecheck pytest ## ruff, mypy and pytest (the command CI runs)

.PHONY: lint
lint: install ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

.PHONY: typecheck
typecheck: install ## mypy --strict over every package
	$(BIN)/mypy contracts/src libs/*/src services/*/src

.PHONY: pytest
pytest: install ## Only the tests (PYTEST_ARGS=... to pass options)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

.PHONY: format
format: install ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

.PHONY: schemas
schemas: install ## Regenerate contracts/schemas/ from the pydantic contracts
	$(BIN)/python -m wuzheng.contracts.schemas write

.PHONY: token
token: install ## Mint a dev bearer token: make token ARGS='--department D --scope S'
	@$(BIN)/wuzheng token $(ARGS)

.PHONY: bench
bench: install ## Run every benchmark; prints a table, writes var/bench/*.json
	$(BIN)/python -m wuzheng.cli.bench

.PHONY: demo
demo: install ## The whole journey against a running `make run` (DEMO_ARGS='--var-dir var --catalog-url …')
	$(BIN)/python -m wuzheng.cli.demo $(DEMO_ARGS)

.PHONY: clean
clean: ## Remove local state (var/) and caches; keeps .venv
	rm -rf var .pytest_cache .mypy_cache .ruff_cache .hypothesis
