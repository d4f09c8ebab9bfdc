# Two commands do everything on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PY310 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.10*/bin/python3.10) $(shell command -v python3.10 2>/dev/null))
PY312 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12) $(shell command -v python3.12 2>/dev/null))
UV_VERSION := 0.13.9
TOOLS := .venv-tools
UV := $(TOOLS)/bin/uv
BOT := .venv-bot
API := .venv-api
DSFR := node_modules/@gouvfr/dsfr/dist/dsfr.min.css
RASA_TOKEN_FILE := var/secrets/rasa_token
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help install system-deps model db run run-scaled test lint format bench bench-matcher bench-retrieval bench-stats compare-nlu compare-retrieval calibrate-retrieval kb-export lock clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(UV):
	@echo "==> Installing uv $(UV_VERSION) (fast Python package installer)"
	@test -n "$(PY312)" || { echo "Python 3.12 not found (pyenv install 3.12)"; exit 1; }
	$(PY312) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

$(BOT)/.installed: requirements/bot.lock | $(UV)
	@echo "==> Bot environment (Python 3.10: Rasa 3.6, spaCy 3.8, French model): a few minutes the first time"
	@test -n "$(PY310)" || { echo "Python 3.10 not found (pyenv install 3.10)"; exit 1; }
	test -x $(BOT)/bin/python || $(UV) venv --quiet --python $(PY310) $(BOT)
	$(UV) pip sync --python $(BOT)/bin/python requirements/bot.lock
	touch $@

$(API)/.installed: requirements/api.lock | $(UV)
	@echo "==> API environment (Python 3.12: FastAPI, SQLAlchemy, Alembic, rapidfuzz)"
	@test -n "$(PY312)" || { echo "Python 3.12 not found (pyenv install 3.12)"; exit 1; }
	test -x $(API)/bin/python || $(UV) venv --quiet --python $(PY312) $(API)
	$(UV) pip sync --python $(API)/bin/python requirements/api.lock
	touch $@

$(DSFR): package.json package-lock.json
	@echo "==> Système de Design de l'État and Swagger UI (npm @gouvfr/dsfr, @gouvfr/dsfr-chart, swagger-ui-dist)"
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(BOT)/.installed $(API)/.installed $(DSFR) ## Install both Python environments and the DSFR

system-deps: ## Install the Debian packages the browser tests and the scaled configuration need (chromium, nginx)
	@command -v chromium >/dev/null || { echo "==> Installing Chromium (Debian package)"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }
	@test -x /usr/sbin/nginx || { echo "==> Installing nginx (Debian package nginx-light)"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nginx-light >/dev/null; }

model: $(BOT)/.installed $(API)/.installed ## Train the model if its inputs or staged examples changed; load it unless it scores worse
	$(API)/bin/python -m api.training.runner

$(RASA_TOKEN_FILE): | $(API)/.installed
	@echo "==> Generating the token of Rasa's HTTP API ($@)"
	@mkdir -p $(@D) && umask 077 && $(API)/bin/python -c "import secrets; print(secrets.token_urlsafe(32))" > $@

db: $(API)/.installed ## Apply the database migrations and load the knowledge base
	@echo "==> Database migrations"
	$(API)/bin/alembic upgrade head
	$(API)/bin/python -m api.knowledge.cli load

kb-export: $(API)/.installed ## Write the database's knowledge entries back to knowledge_base/entries/
	$(API)/bin/python -m api.knowledge.cli export

run: install $(RASA_TOKEN_FILE) model db ## Start Rasa, the action server and the API; print the URL
	@echo "==> Starting Rasa, the action server and the API under supervisord: one that dies is restarted (Ctrl-C stops them all)"
	$(API)/bin/python -m ops.supervise

run-scaled: install system-deps $(RASA_TOKEN_FILE) model ## The scaled-out configuration: PostgreSQL, Redis, nginx, 2 API processes, 2 Rasa shards and their action servers
	$(API)/bin/python -m ops.scaled

test: install system-deps model ## Run every test suite
	$(API)/bin/python -m tests.run_all

lint: $(API)/.installed ## ruff (lint + format check), mypy and the import layers (import-linter)
	$(API)/bin/ruff check .
	$(API)/bin/ruff format --check .
	$(API)/bin/mypy
	$(API)/bin/lint-imports

format: $(API)/.installed ## Format the code with ruff
	$(API)/bin/ruff check --fix .
	$(API)/bin/ruff format .

bench: install model db ## Load test of the public conversation endpoint, against a plain `rasa init` assistant
	$(API)/bin/python -m tests.bench.conversation

compare-nlu: $(BOT)/.installed ## Compare the NLU pipelines of bot/pipelines/ (cross-validation, held-out set, latency)
	PYTHONWARNINGS=ignore TF_CPP_MIN_LOG_LEVEL=3 $(BOT)/bin/python -m bot.compare_pipelines

bench-matcher: $(API)/.installed ## Matcher latency and memory at 1k, 10k and 100k error messages
	$(API)/bin/python -m tests.bench.matcher

lock: | $(UV) ## Re-resolve requirements/*.lock from pyproject.toml
	$(UV) pip compile --quiet --no-header --python-version 3.10 --python-platform x86_64-unknown-linux-gnu pyproject.toml --group bot --group bot-dev -o requirements/bot.lock
	$(UV) pip compile --quiet --no-header --python-version 3.12 --python-platform x86_64-unknown-linux-gnu pyproject.toml --group api --group api-dev -o requirements/api.lock

clean: ## Remove environments, models and local data
	rm -rf $(TOOLS) $(BOT) $(API) node_modules models var

calibrate-retrieval: $(BOT)/.installed $(API)/.installed model ## Fit the retrieval's confidence on the dev questions (knowledge_base/retrieval.yml)
	PYTHONWARNINGS=ignore TF_CPP_MIN_LOG_LEVEL=3 $(BOT)/bin/python -m bot.parse_questions tests/knowledge_base/data/questions_dev.yml tests/knowledge_base/data/questions_dev_nlu.json
	$(API)/bin/python -m knowledge_base.retrieval_evaluation --calibrate
	PYTHONWARNINGS=ignore TF_CPP_MIN_LOG_LEVEL=3 $(BOT)/bin/python -m bot.parse_questions tests/knowledge_base/data/questions_dev_fourth.yml tests/knowledge_base/data/questions_dev_fourth_nlu.json
	@echo "==> The calibration on the fourth dev set, kept out of it (docs/retrieval.md)"
	$(API)/bin/python -m knowledge_base.retrieval_evaluation --transfer

bench-stats: $(API)/.installed ## Statistics page latency with 1,000,000 messages in the local PostgreSQL
	$(API)/bin/python -m tests.bench.stats

bench-retrieval: $(API)/.installed ## Retrieval latency at today's entries and at 10,000
	$(API)/bin/python -m tests.bench.retrieval

compare-retrieval: $(API)/.installed ## Compare the retrievers on the dev questions (table of docs/retrieval.md)
	$(API)/bin/python -m knowledge_base.retrieval_evaluation
