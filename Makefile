# Frontdesk. The verbs: make run, make test, make test-fast, make train, make lint, make bench.
# Every target sets up what it needs first; run again with nothing changed, setup is a no-op.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV   := .venv
PY     := $(VENV)/bin/python
STAMPS := .make
PIP_VERSION := 24.3.1
MODEL  := models/frontdesk.tar.gz
CHROMIUM := /usr/bin/chromium
MODEL_INPUTS := config.yml $(shell find domain data -type f -name '*.yml' 2>/dev/null)

# Python 3.10 exactly (rasa 3.6 needs < 3.11): on PATH, or any pyenv-installed 3.10.
PYTHON310 := $(shell for p in python3.10 $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.10.*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10; do \
	if "$$p" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then echo "$$p"; break; fi; done)

.PHONY: help setup run test test-fast lint train bench lock clean

help:
	@echo "make run        set up, train if needed, start the sandbox EHR, action server and Rasa"
	@echo "make test       set up, lint, and run every test (unit and integration)"
	@echo "make test-fast  unit tests only (seconds)"
	@echo "make train      train the model if data/, config.yml or domain.yml changed"
	@echo "make lint       ruff and mypy"
	@echo "make bench      benchmarks under bench/, printing figures"
	@echo "make lock       re-resolve requirements.in into requirements.lock"

setup: $(STAMPS)/python $(STAMPS)/node $(STAMPS)/widget

$(STAMPS)/python: requirements.lock
	@test -n "$(PYTHON310)" || { echo "error: Python 3.10 not found (rasa 3.6 needs it). Install it, e.g. 'pyenv install 3.10'." >&2; exit 1; }
	@test -x $(PY) || $(PYTHON310) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check pip==$(PIP_VERSION)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -r requirements.lock
	$(PY) -m pip check
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/node: sandbox/package-lock.json
	@node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
		|| { echo "error: Node.js >= 20.19 is needed for the sandbox EHR (found: $$(node --version 2>&1))" >&2; exit 1; }
	cd sandbox && npm ci --no-audit --no-fund --loglevel=error
	@mkdir -p $(STAMPS) && touch $@

# The web-chat widget's browser-side packages (the socket.io client it loads, axe-core for tests).
$(STAMPS)/widget: widget/package-lock.json | $(STAMPS)/node
	cd widget && npm ci --no-audit --no-fund --loglevel=error
	@mkdir -p $(STAMPS) && touch $@

# Browser tests drive Debian's chromium (Playwright's own browser download is not used). The
# binary is its own stamp: installed when missing, about 40 s.
$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "error: browser tests need Debian's chromium at $(CHROMIUM); install it (apt-get is not available here)" >&2; exit 1; }
	$$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get update -qq
	$$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get install -y -qq chromium
	@test -x $(CHROMIUM) || { echo "error: apt-get did not install $(CHROMIUM)" >&2; exit 1; }

$(MODEL): $(MODEL_INPUTS) | $(STAMPS)/python
	$(PY) -m rasa train --domain domain --fixed-model-name frontdesk --out models
	@touch $@

train: setup $(MODEL)

run: setup $(MODEL)
	@scripts/run.sh

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) -m rasa data validate --domain domain --fail-on-warnings --quiet

test-fast: setup
	$(PY) -m pytest tests/unit -q

test: setup lint $(MODEL) $(CHROMIUM)
	$(PY) -m rasa test core --model $(MODEL) --stories tests/test_stories \
		--fail-on-prediction-errors --out results/core --quiet
	$(PY) -m pytest

bench: setup
	$(PY) -m bench

lock:
	@test -n "$(PYTHON310)" || { echo "error: Python 3.10 not found" >&2; exit 1; }
	rm -rf $(STAMPS)/lock-venv
	$(PYTHON310) -m venv $(STAMPS)/lock-venv
	$(STAMPS)/lock-venv/bin/pip install --quiet pip==$(PIP_VERSION)
	$(STAMPS)/lock-venv/bin/pip install --quiet -r requirements.in
	{ echo "# Exact versions, resolved from requirements.in with Python 3.10 (make lock). Install with --no-deps."; \
	  $(STAMPS)/lock-venv/bin/pip freeze --all | grep -v '^pip=='; } > requirements.lock
	rm -rf $(STAMPS)/lock-venv

clean:
	rm -rf $(STAMPS) models .pytest_cache .mypy_cache .ruff_cache
