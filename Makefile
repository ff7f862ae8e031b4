# Upstream's commands. See README.md ("Two commands") for what each one promises.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
ARGS ?=

.PHONY: run test lint format migrations-check messages check-deploy demo clean

# The virtualenv is rebuilt whenever pyproject.toml changes. `run` needs only what the app
# needs; `test` and `lint` add the development tools.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(VENV)/.run-installed $@

run: $(VENV)/.run-installed
	@DEBUG=$${DEBUG:-1} PORT=$(PORT) PYTHON=$(BIN)/python bash scripts/run.sh

test: $(VENV)/.dev-installed
	$(BIN)/pytest $(ARGS)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=1 $(BIN)/mypy .

format: $(VENV)/.dev-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: $(VENV)/.dev-installed
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

# Production settings with a throwaway secret: `check --deploy` must report nothing.
check-deploy: $(VENV)/.run-installed
	DEBUG=0 SECRET_KEY=$$(head -c 48 /dev/urandom | base64) ALLOWED_HOSTS=upstream.example.org \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

# Re-extract translatable strings (needs GNU gettext) and compile the catalogues.
messages: $(VENV)/.dev-installed
	DEBUG=1 $(BIN)/python manage.py makemessages --locale km --no-obsolete --ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*' --ignore '*/tests/*' --ignore conftest.py
	$(BIN)/python scripts/compile_messages.py

demo: $(VENV)/.run-installed
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py load_demo

clean:
	rm -rf $(VENV) var/test-artifacts

# Scale benchmarks (bench/scale.py; figures in README.md, "Benchmarks"): one PostgreSQL database
# per size in BENCH_SIZES, generated if missing. Needs wrk, installed here when run as root.
BENCH_SIZES ?= 10000,100000,1000000
.PHONY: bench
bench: $(VENV)/.run-installed
	@command -v wrk >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get install -y wrk || { apt-get update && apt-get install -y wrk; }; \
		else \
			echo "bench needs wrk: run 'sudo apt-get install wrk' (Debian/Ubuntu) and try again." >&2; \
			exit 1; \
		fi; }
	BENCH_SIZES=$(BENCH_SIZES) $(BIN)/python bench/scale.py
