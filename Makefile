# scormbuild developer targets. `make test` is what CI and developers run.
PYTHON ?= python3
VENV := .venv

.PHONY: venv test-deps test

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
	touch $@

test-deps:
	bash scripts/install-test-deps.sh

test: venv test-deps
	$(VENV)/bin/pytest
