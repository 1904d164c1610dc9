# Two commands for a fresh clone: `make run` and `make test`. Nothing else is needed first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Without any environment the platform runs as a development server (DEBUG on,
# a development secret). Set DEBUG=0 and SECRET_KEY for anything else.
MANAGE := DEBUG=$${DEBUG-1} $(BIN)/python manage.py

.PHONY: run test install install-test migrate lint messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The stamp files re-run pip only when pyproject.toml changed.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
	$(MANAGE) compile_translations

install-test: $(VENV)/.installed-test
	$(MANAGE) compile_translations

migrate: install
	$(MANAGE) migrate --noinput

run: migrate
	$(MANAGE) collectstatic --noinput --verbosity 0
	$(MANAGE) seed_demo --url http://$(HOST):$(PORT)/
	@echo "Lotsennetz: http://$(HOST):$(PORT)/"
	DEBUG=$${DEBUG-1} $(BIN)/daphne --bind $(HOST) --port $(PORT) \
		--websocket-max-message-size 65536 --websocket-max-frame-size 65536 --ping-interval 20 --ping-timeout 30 \
		config.asgi:application

test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# ESLint for static/js comes from the npm registry (package-lock.json); npm ci
# runs again only when the lock file changed.
node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund
	touch $@

lint: install-test node_modules/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	npx --no-install eslint .

messages: install
	$(MANAGE) makemessages --locale en --ignore ".venv/*" --ignore "var/*"
	$(MANAGE) makemessages --locale en --domain djangojs --ignore ".venv/*" --ignore "var/*" --ignore "staticfiles/*"

clean:
	rm -rf $(VENV) var/ staticfiles/ node_modules/
