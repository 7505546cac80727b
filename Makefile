# `make dev` and `make test` are all the set-up a fresh machine with Python 3.11+ needs.
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .tools/bin/uv
VENV_PY := .venv/bin/python
export UV_PYTHON_DOWNLOADS := never

.PHONY: dev test lint format install

dev: install
	$(VENV_PY) -m config.dev

test: install
	$(VENV_PY) -m pytest

lint: install
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/lint-imports --no-cache

format: install
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

install: $(UV)
	$(UV) sync --frozen --python $(PYTHON)

# uv lives in its own small venv: that works where the system pip refuses installs.
$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
