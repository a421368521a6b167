# recallgen: pages -> spec/openapi.yaml -> generated/ ; see README.md
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PAGES ?= spec/pages
OVERLAY ?= spec/overlay.yaml
VERSION_FILE ?= spec/version
SPEC ?= spec/openapi.yaml
OUT ?= generated
CORPUS ?= ../shared/corpus

.PHONY: all install generate normalize models test check lint bench clean corpus conformance conformance-peer

all: generate

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## generate: normalize the pages into spec/openapi.yaml (version: spec/version) and generate the client into generated/, in one run
generate: $(STAMP)
	$(BIN)/recallgen build $(PAGES) --overlay $(OVERLAY) --version-file $(VERSION_FILE) --spec $(SPEC) -o $(OUT)

## test: the whole test suite (Hypothesis profile "ci"), conformance live checks against the bundled sandbox
test: $(STAMP)
	HYPOTHESIS_PROFILE=$${HYPOTHESIS_PROFILE:-ci} $(BIN)/python -m pytest -q -n 2 --dist loadfile --durations=10 --live --base-url=

## conformance: the conformance suite with live checks (sandbox, or RECALL_BASE_URL), JUnit XML in build/
conformance: $(STAMP)
	mkdir -p build
	HYPOTHESIS_PROFILE=$${HYPOTHESIS_PROFILE:-ci} $(BIN)/python -m pytest conformance_tests -q -n 2 --dist loadfile \
		--live --junitxml=build/conformance-junit.xml $(CONFORMANCE_ARGS)

## check: fail when spec/ or generated/ is stale (recallgen check: it says what to run), then lint
check: $(STAMP)
	$(BIN)/recallgen check --pages $(PAGES) --overlay $(OVERLAY) --version-file $(VERSION_FILE) --spec $(SPEC) --output $(OUT)
	$(MAKE) lint

## lint: ruff and mypy --strict on the toolkit and on the generated package
lint: $(STAMP)
	$(BIN)/ruff check generator tests conformance_tests benchmarks
	$(BIN)/ruff format --check generator tests conformance_tests benchmarks
	$(BIN)/mypy --strict generator
	cd $(OUT) && ../$(BIN)/mypy --strict --cache-dir ../.mypy_cache recall_client

## corpus: normalize every page of ../shared/corpus (diagnostics to stderr)
corpus: $(STAMP)
	$(BIN)/recallgen normalize $(CORPUS)/recall-docs --overlay $(OVERLAY) -o build/corpus-openapi.yaml

## conformance-peer: Schemathesis (the independent judge, in its own venv under build/peers) against a sandbox serving $(SPEC)
conformance-peer: $(STAMP)
	$(BIN)/python -m benchmarks._peers schemathesis >/dev/null
	$(BIN)/python -m generator.sandbox.peer --spec $(SPEC) --max-examples $${PEER_EXAMPLES:-5} --st build/peers/schemathesis/bin/st

## bench: speed and memory benchmarks (benchmarks/)
bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache
