# The two commands a contributor needs: `make serve` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
READY  := $(VENV)/.ready
export NO_MKDOCS_2_WARNING := 1

.PHONY: setup serve build test bench lighthouse clean

# Every version comes from requirements.lock (torch is pinned there to the 2.13.0 CPU build).
$(READY): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(READY)

setup: $(READY)

serve: setup           ## serve at http://127.0.0.1:8000; an edit re-runs its page from the edited cell, and only changed pages are rewritten
	$(BIN)/mkdocs serve --dirty --dev-addr 127.0.0.1:8000

build: setup           ## a strict build into site/
	$(BIN)/mkdocs build --strict

test: setup            ## every test, a strict build and the browser checks
	$(BIN)/python -m pytest

bench: setup           ## build-speed benchmark (benchmarks are scripts, never timed tests)
	$(BIN)/python .ci/bench.py

lighthouse: build      ## Lighthouse scores of every chapter page (a benchmark, not a test)
	$(BIN)/python .ci/lighthouse.py site

clean:
	rm -rf site .cache
