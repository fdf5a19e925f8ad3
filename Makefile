# scormbuild developer targets.
#   make build   install scormbuild into .venv and build every example course into dist/
#   make test    install what the tests need (Chromium, npm packages, Ralph LRS) and run them all
# CI runs `make test` through .ci/run.
PYTHON ?= python3
VENV := .venv

.PHONY: venv build test-deps test bench lint

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
	touch $@

build: venv
	$(VENV)/bin/scormbuild build courses --out dist $(foreach t,$(shell $(VENV)/bin/scormbuild targets --names),--target $(t))

test-deps:
	bash scripts/install-test-deps.sh

test: venv test-deps
	$(VENV)/bin/pytest

lint: venv
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/lint-imports

bench: venv
	$(VENV)/bin/python bench/bench_build.py --floor
	$(VENV)/bin/python bench/bench_preview.py
