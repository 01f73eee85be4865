# Two entry points for a fresh clone: `make demo` (the main job) and `make test` (everything CI checks).
# Both create .venv and install the package when missing.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
# torch/torchvision pair that installs offline on the project's machines; elsewhere pip falls back to the newest pair.
TORCH_PINS ?= torch==2.14.1 torchvision==0.29.1
# The data folder: ../shared/data when it exists beside the clone, unless VL2LITE_DATA is already set.
VL2LITE_DATA ?= $(shell [ -d ../shared/data ] && cd ../shared/data && pwd)
export VL2LITE_DATA

.PHONY: install demo test sync-check nbtest pytest export clean-nbs

$(VENV)/.installed: pyproject.toml
	@[ -x $(PY) ] || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q $(TORCH_PINS) || $(PY) -m pip install -q torch torchvision
	$(PY) -m pip install -q -e '.[dev,offline,serve]'
	@touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/vl2lite demo

# The library must equal what the notebooks export: export into a scratch copy and compare.
sync-check: install
	@tmp=$$(mktemp -d) && cp -r nbs pyproject.toml $$tmp/ && mkdir -p $$tmp/vl2lite && \
	  (cd $$tmp && $(CURDIR)/$(BIN)/nbdev-export >/dev/null) && \
	  if diff -r -q -x __pycache__ -x '*.pyc' $$tmp/vl2lite vl2lite; then echo "sync-check: vl2lite/ matches nbs/"; rm -rf $$tmp; \
	  else echo "sync-check FAILED: vl2lite/ differs from what nbs/ exports; run nbdev-export and commit"; rm -rf $$tmp; exit 1; fi

nbtest: install
	$(BIN)/nbdev-test --n-workers 2 --do-print --timing

# pytest exits 5 when it collects nothing: that is a failure here, never a silent pass.
pytest: install
	@set +e; $(BIN)/pytest -q --runslow tests; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing on purpose"; exit 1; fi; exit $$rc

test: sync-check nbtest pytest

export: install
	$(BIN)/nbdev-clean && $(BIN)/nbdev-export
