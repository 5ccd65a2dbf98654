# The two set-up commands of the README: `make report` and `make test`. Both create .venv themselves.
# `make test-fast` (no kernel, no browser) and `make lint` are the developer's quick loop.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.ivp-installed
PIP := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: report test test-fast lint lab clean-venv

# Reinstall only when the project's dependency list changes (pyproject.toml).
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install -e '.[test]' > $(VENV)/pip.log 2>&1 || { cat $(VENV)/pip.log; exit 1; }
	$(BIN)/python -m ipykernel install --sys-prefix --name ivp --display-name "Python (ivp)" >/dev/null
	touch $(STAMP)

report: $(STAMP)
	$(BIN)/ivp run

test: $(STAMP)
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	IVP_HYPOTHESIS_QUICK=1 $(BIN)/python -m pytest -m "not slow and not browser" -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks

clean-venv:
	rm -rf $(VENV)
