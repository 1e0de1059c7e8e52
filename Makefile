# payssam: contract → generated client → wrapper. `make test` and `make demo` set up what is missing.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
SEED ?= ../shared/seed/payssam-v1-acceptance.md
SPEC := openapi/payssam-v1.json
VENDOR := openapi/vendor
CONSTANTS := wrapper/payssam/_contract.py
GENERATED := generated_client/payssam_api_client
SOURCE_V2 := openapi/payssam-v2.yaml
SPEC_V2 := openapi/payssam-v2.json
CONSTANTS_V2 := wrapper/payssam/_contract_v2.py
GENERATED_V2 := generated_client/payssam_api_client_v2
BUILD := build
MOCK_PORT ?= 4010
SIM_PORT ?= 4020
BENCH_ARGS ?=
BASE ?=
FAULTS_ARGS ?=

PY_STAMP := $(VENV)/.installed
SPEC_TOOLS := openapi/node_modules/.installed
MOCK_TOOLS := mock/node_modules/.installed
# The real browser the bill page is tested in (tests/test_browser.py), and a Korean font for its screenshots: Debian's
# packages, whose installed files are their own stamps.
BROWSER := /usr/bin/chromium /usr/bin/chromedriver /usr/share/fonts/truetype/nanum/NanumGothic.ttf
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: help install vendor spec generate check-generated package-check lint typecheck unit fuzz test test-floor demo sim mock mock-v2 readme-provenance bench bench-sim faults api-diff version-check release-record clean

HELP_VARIABLES := SEED SIM_PORT MOCK_PORT SPEC VENDOR

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) \
	  | sed $(foreach v,$(HELP_VARIABLES),-e 's|$$($(v))|$($(v))|g') \
	  | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(PY_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check pip==25.3
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[mock]" --group dev
	touch $@

$(SPEC_TOOLS): openapi/package.json openapi/package-lock.json
	cd openapi && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(MOCK_TOOLS): mock/package.json mock/package-lock.json
	cd mock && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Without apt-get (not Debian) it says so and goes on: the browser test then skips, except under CI=true.
$(BROWSER) &:
	@if ! command -v apt-get > /dev/null; then \
	  echo "no apt-get: install Chromium, its chromedriver and a Korean font yourself for tests/test_browser.py"; \
	else \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    chromium chromium-driver fonts-nanum; \
	fi

install: $(PY_STAMP) $(SPEC_TOOLS) $(MOCK_TOOLS) $(BROWSER) ## Install the venv, the pinned Node tools and Chromium (apt-get)

vendor: $(PY_STAMP) ## Re-extract the vendor fragments from $(SEED) and print what the vendor changed
	mkdir -p $(BUILD)
	$(PY) openapi/tools/merge_fragments.py $(BUILD)/vendor-before.json $(VENDOR)/*.json
	$(PY) openapi/tools/extract_vendor.py $(SEED) $(VENDOR)
	$(PY) openapi/tools/merge_fragments.py $(BUILD)/vendor-after.json $(VENDOR)/*.json
	@echo "What the vendor changed (its fragments before and after):"
	@$(PY) openapi/tools/contract_diff.py --all $(BUILD)/vendor-before.json $(BUILD)/vendor-after.json

spec: $(PY_STAMP) $(SPEC_TOOLS) ## v1: merge fragments, apply the overlay; v2: bundle the authored source; lint both: writes openapi/payssam-v1.json and -v2.json
	mkdir -p $(BUILD)
	$(PY) -c 'import sys, yaml; yaml.safe_load(open(sys.argv[1], encoding="utf-8"))' openapi/overlay.yaml
	$(PY) openapi/tools/merge_fragments.py $(BUILD)/merged.json $(VENDOR)/*.json
	$(PY) openapi/tools/check_overlay.py $(BUILD)/merged.json openapi/overlay.yaml
	openapi/node_modules/.bin/openapi-format $(BUILD)/merged.json --no-sort \
	  --overlayFile openapi/overlay.yaml -o $(SPEC) > $(BUILD)/openapi-format.log 2>&1 \
	  || { cat $(BUILD)/openapi-format.log; exit 1; }
	$(BIN)/openapi-spec-validator $(SPEC)
	openapi/node_modules/.bin/spectral lint --quiet -r openapi/.spectral.yaml --fail-severity=hint $(SPEC)
	$(PY) openapi/tools/contract_constants.py --check $(SPEC)
	openapi/node_modules/.bin/openapi-format $(SOURCE_V2) --no-sort -o $(SPEC_V2) > $(BUILD)/openapi-format-v2.log 2>&1 \
	  || { cat $(BUILD)/openapi-format-v2.log; exit 1; }
	$(BIN)/openapi-spec-validator $(SPEC_V2)
	openapi/node_modules/.bin/spectral lint --quiet -r openapi/.spectral.yaml --fail-severity=hint $(SPEC_V2)
	$(PY) openapi/tools/provenance.py --check $(SPEC_V2)
	$(PY) openapi/tools/contract_constants.py --check $(SPEC_V2)

generate: spec ## Regenerate generated_client/ and the SDK's contract limits from the contract (pinned generator and ruff)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/openapi-python-client generate --path $(SPEC) \
	  --config openapi/generator.yaml --custom-template-path openapi/templates --meta none \
	  --output-path $(GENERATED) --overwrite --fail-on-warning
	$(PY) openapi/tools/contract_constants.py $(SPEC) $(CONSTANTS)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/openapi-python-client generate --path $(SPEC_V2) \
	  --config openapi/generator-v2.yaml --custom-template-path openapi/templates --meta none \
	  --output-path $(GENERATED_V2) --overwrite --fail-on-warning
	$(PY) openapi/tools/contract_constants.py $(SPEC_V2) $(CONSTANTS_V2)

check-generated: $(PY_STAMP) $(SPEC_TOOLS) ## Fail if the contract or client on disk differs from what the pipeline makes
	@rm -rf $(BUILD)/check && mkdir -p $(BUILD)/check
	@$(MAKE) --no-print-directory -s generate SPEC=$(BUILD)/check/payssam-v1.json \
	  GENERATED=$(BUILD)/check/payssam_api_client CONSTANTS=$(BUILD)/check/_contract.py \
	  SPEC_V2=$(BUILD)/check/payssam-v2.json GENERATED_V2=$(BUILD)/check/payssam_api_client_v2 \
	  CONSTANTS_V2=$(BUILD)/check/_contract_v2.py > $(BUILD)/check/generate.log
	@diff -u $(BUILD)/check/payssam-v1.json $(SPEC)
	@diff -r -x __pycache__ $(BUILD)/check/payssam_api_client $(GENERATED)
	@diff -u $(BUILD)/check/_contract.py $(CONSTANTS)
	@diff -u $(BUILD)/check/payssam-v2.json $(SPEC_V2)
	@diff -r -x __pycache__ $(BUILD)/check/payssam_api_client_v2 $(GENERATED_V2)
	@diff -u $(BUILD)/check/_contract_v2.py $(CONSTANTS_V2)
	@if [ -f "$(SEED)" ]; then \
	  $(PY) openapi/tools/extract_vendor.py $(SEED) $(BUILD)/check/vendor > /dev/null; \
	  diff -r $(BUILD)/check/vendor openapi/vendor; fi
	@untracked=$$(git ls-files --others --exclude-standard -- openapi/vendor $(SPEC) $(SPEC_V2) generated_client \
	  $(CONSTANTS) $(CONSTANTS_V2)); \
	if [ -n "$$untracked" ]; then echo "generated but not committed:"; echo "$$untracked"; exit 1; fi
	@echo "check-generated: the contract and the client are what the pipeline makes"

package-check: $(PY_STAMP) ## Build the wheel, install it with [mock] in a fresh venv without Node, run it, type-check a consumer
	rm -rf $(BUILD)/dist $(BUILD)/pkgtest
	$(BIN)/pip wheel --quiet --disable-pip-version-check --no-deps -w $(BUILD)/dist .
	$(PYTHON) -m venv $(BUILD)/pkgtest
	$(BUILD)/pkgtest/bin/pip install --quiet --disable-pip-version-check "$$(echo $(BUILD)/dist/payssam-*.whl)[mock]"
	cd $(BUILD) && env -i PATH="$(CURDIR)/$(BUILD)/pkgtest/bin" pkgtest/bin/python $(CURDIR)/tests/package_smoke.py
	mkdir -p $(BUILD)/consumer && cp tests/consumer_typing.py $(BUILD)/consumer/
	cd $(BUILD)/consumer && $(CURDIR)/$(BIN)/mypy --strict --no-incremental \
	  --python-executable $(CURDIR)/$(BUILD)/pkgtest/bin/python consumer_typing.py

lint: $(PY_STAMP) ## ruff (lint and format check)
	$(BIN)/ruff check wrapper tests mock tools examples openapi/tools
	$(BIN)/ruff format --check wrapper tests mock tools examples openapi/tools

typecheck: $(PY_STAMP) ## mypy --strict on the wrapper, the simulator, tools/ and examples/
	$(BIN)/mypy

unit: $(PY_STAMP) $(MOCK_TOOLS) ## Run the test suite
	$(BIN)/pytest -q

fuzz: $(PY_STAMP) ## The long fuzzes: bad calls and garbage answers (>=10,000), the bulk operations drill (>=300 sequences), hostile CLI invocations (>=1,000), simulator request shapes (>=5,000); minutes
	PAYSSAM_FUZZ=1 $(BIN)/pytest -q -s tests/test_fuzz.py tests/test_drill.py tests/test_cli_fuzz.py tests/test_sim_shapes.py

api-diff: $(PY_STAMP) ## What changed for consumers since the last recorded release (or BASE=X.Y.Z or a git ref); exit 1 if breaking
	$(PY) openapi/tools/api_diff.py $(BASE)

version-check: $(PY_STAMP) ## Fail if the version is below the bump the changes since the last recorded release (releases/) require
	@$(PY) openapi/tools/api_diff.py --release

release-record: $(PY_STAMP) ## Record this tree's version as a release: releases/<version>.json (public API and contracts)
	$(PY) openapi/tools/api_diff.py --record

test: install lint typecheck unit check-generated version-check package-check ## Everything CI runs: lint, types, tests, drift check, version, packaging

FLOOR := $(BUILD)/floor
# The test tools test-floor installs, at the pins of pyproject's dev group.
FLOOR_TOOLS := pytest pytest-asyncio hypothesis pytest-markdown-docs openapi-schema-validator
# Left out of test-floor: what needs Node (the tests marked `prism`, which need Prism under mock/node_modules; the
# generator toolchain: test_pipeline), test_spec, which checks the contract only, and what needs FastAPI and Django
# (FastAPI needs anyio 4.1, above the mock extra's floor): test_receivers_frameworks and the README blocks marked
# `frameworks`; and test_browser, which needs Selenium (dev group only) and checks the page, not the floors.
FLOOR_LEFT_OUT := -m "not prism and not frameworks" --ignore=tests/test_pipeline.py --ignore=tests/test_spec.py \
  --ignore=tests/test_receivers_frameworks.py --ignore=tests/test_browser.py

test-floor: ## The SDK and simulator tests (no Node) in a fresh venv with every dependency at its floor
	rm -rf $(FLOOR)
	$(PYTHON) -m venv $(FLOOR)
	$(FLOOR)/bin/pip install --quiet --disable-pip-version-check pip==25.3
	$(PYTHON) -c 'import sys, tomllib; dev = tomllib.load(open("pyproject.toml", "rb"))["dependency-groups"]["dev"]; \
	  pins = [pin for pin in dev if pin.partition("==")[0] in sys.argv[1:]]; \
	  assert len(pins) == len(sys.argv) - 1, f"not all pinned in the dev group: {sys.argv[1:]}"; print(*pins, sep="\n")' \
	  $(FLOOR_TOOLS) > $(FLOOR)/tools.txt
	$(FLOOR)/bin/pip install --quiet --disable-pip-version-check -c tests/floor_constraints.txt -e ".[mock]" \
	  -r $(FLOOR)/tools.txt
	@echo "test-floor: installed in $(FLOOR):"; $(FLOOR)/bin/pip freeze
	$(FLOOR)/bin/pytest -q $(FLOOR_LEFT_OUT)

demo: $(PY_STAMP) ## Rehearse the vendor's five review flows over API v1 and v2, offline, against the simulator (no Node)
	$(BIN)/payssam review --api-version 1
	$(BIN)/payssam review --api-version 2

sim: $(PY_STAMP) ## Run the stateful simulator on 127.0.0.1:$(SIM_PORT) until Ctrl-C
	exec $(BIN)/payssam sim --host 127.0.0.1 --port $(SIM_PORT)

mock: $(MOCK_TOOLS) ## Serve the v1 contract on 127.0.0.1:$(MOCK_PORT) until Ctrl-C
	exec mock/node_modules/.bin/prism mock $(SPEC) --host 127.0.0.1 --port $(MOCK_PORT) --errors

readme-provenance: $(PY_STAMP) ## Regenerate the README's v2 provenance table from openapi/payssam-v2.json
	$(PY) openapi/tools/provenance.py --readme $(SPEC_V2) README.md

mock-v2: $(MOCK_TOOLS) ## Serve the v2 contract (experimental) on 127.0.0.1:$(MOCK_PORT) until Ctrl-C
	exec mock/node_modules/.bin/prism mock $(SPEC_V2) --host 127.0.0.1 --port $(MOCK_PORT) --errors

bench: $(PY_STAMP) ## The SDK against raw httpx: per call, start-up, reconcile, memory; a few minutes, not in test
	$(PY) tests/bench/bench.py $(BENCH_ARGS)

bench-sim: $(PY_STAMP) $(MOCK_TOOLS) ## Simulator vs Prism reads/s, about a minute, not in test (options: BENCH_ARGS=--help)
	$(PY) tests/bench/bench_sim.py $(BENCH_ARGS)

faults: $(PY_STAMP) ## >=1,000 faulted operations sync and async, API v1 and v2, behind a hostile proxy, judged by the ledger (FAULTS_ARGS=--help)
	$(PY) tests/bench/faults.py --api-version 1,2 $(FAULTS_ARGS)

clean: ## Remove the venv, Node modules and build files
	rm -rf $(VENV) $(BUILD) openapi/node_modules mock/node_modules
