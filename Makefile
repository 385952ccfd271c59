# The two commands of the quick start: `make run` and `make test`.
# Both create .venv when it is missing and (re)install the project into it
# whenever pyproject.toml changed.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean

$(PY):
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/aftersales run

test: $(STAMP)
	$(PY) -m pytest -q

# The linter and the formatter's check (ruff, configured in pyproject.toml); .ci/run runs both before the tests.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: $(STAMP)
	$(PY) -m bench

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
