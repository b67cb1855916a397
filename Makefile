# Two entry points, both doing all set-up on a fresh machine (see README "Quick start").
VENV  := .venv
BIN   := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
# Microsoft's Open XML SDK validator, which the tests run on every book (package.json).
NODE_STAMP := node_modules/.installed-$(shell cksum package-lock.json | cut -d' ' -f1)

.PHONY: demo test lint bench bench-quick workbook system node_modules kit

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	rm -f $(VENV)/.installed-* && touch $(STAMP)

system:
	./scripts/system-deps.sh

$(NODE_STAMP): package.json package-lock.json | system
	# not `npm ci`: the lock holds only the linux-x64 build of the validator (the registry here
	# serves no other), and npm ci refuses a lock without every optional platform package.
	npm install --no-audit --no-fund --loglevel=error
	rm -f node_modules/.installed-* && touch $(NODE_STAMP)

node_modules: $(NODE_STAMP)

demo: $(STAMP) system
	$(BIN)/sso-kpi demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: $(STAMP) system $(NODE_STAMP) lint
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python bench/run.py

bench-quick: $(STAMP)
	$(BIN)/python bench/run.py --quick

workbook: $(STAMP)
	$(BIN)/sso-kpi build-workbook

# The offline install kit for Windows offices (README "Set-up on Windows"): out/SSO_KPI_kit
kit: $(STAMP)
	$(BIN)/sso-kpi kit -o out/SSO_KPI_kit
