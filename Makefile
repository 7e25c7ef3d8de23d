# Azora — everything runs from here. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      ?= .venv
PYTHON    ?= python3.11
PY        := $(VENV)/bin/python
AZORA     := $(PY) -m stack
STAMP     := $(VENV)/.installed
KAFKA     := infra/kafka/kafka.sh
POSTGRES  := infra/postgres/postgres.sh
STRIPE_MOCK := infra/stripe/stripe-mock.sh
PYTEST_ARGS ?=

# The repo's own Kafka and Postgres, unless the caller gives both addresses: then those are
# used as they are and nothing is started here.
ifneq ($(and $(KAFKA_BOOTSTRAP_SERVERS),$(DATABASE_URL)),)
EXTERNAL_SERVICES := 1
endif
# One broker, or a cluster of three on this machine with AZORA_KAFKA_BROKERS=3 (every topic
# then on all three, a write needing two): `AZORA_KAFKA_BROKERS=3 make run` / `make test`.
export AZORA_KAFKA_BROKERS ?= 1
ifndef KAFKA_BOOTSTRAP_SERVERS
KAFKA_BOOTSTRAP_SERVERS := $(shell AZORA_KAFKA_BROKERS='$(AZORA_KAFKA_BROKERS)' \
	AZORA_KAFKA_PORT='$(AZORA_KAFKA_PORT)' AZORA_KAFKA_CLUSTER_PORT='$(AZORA_KAFKA_CLUSTER_PORT)' \
	$(KAFKA) bootstrap)
endif
export KAFKA_BOOTSTRAP_SERVERS
export DATABASE_URL ?= postgresql://azora@127.0.0.1:$(or $(AZORA_PG_PORT),54329)/azora
# Development secrets: random, generated once into the state dir (`infra/dev-secrets.sh`),
# never spelled in the source; values the caller already set win.
DEV_SECRETS := $(shell infra/dev-secrets.sh)
ifndef AZORA_SECRET_KEY
AZORA_SECRET_KEY := $(shell sed -n 's/^AZORA_SECRET_KEY=//p' $(DEV_SECRETS))
endif
ifndef AZORA_STRIPE_WEBHOOK_SECRET
AZORA_STRIPE_WEBHOOK_SECRET := $(shell sed -n 's/^AZORA_STRIPE_WEBHOOK_SECRET=//p' $(DEV_SECRETS))
endif
export AZORA_SECRET_KEY AZORA_STRIPE_WEBHOOK_SECRET
# Without a Stripe key of your own, the official SDK talks to stripe-mock (started by `up`).
ifeq ($(STRIPE_API_KEY)$(AZORA_STRIPE_API_KEY),)
export AZORA_STRIPE_API_KEY := sk_test_azoraStripeMock
export AZORA_STRIPE_API_BASE ?= http://127.0.0.1:$(or $(AZORA_STRIPE_MOCK_PORT),12111)
endif

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "needs $(PYTHON)"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $@

.PHONY: venv
venv: $(STAMP) ## Create the virtualenv and install Azora with its dev tools

.PHONY: up
up: ## Start Kafka (three brokers with AZORA_KAFKA_BROKERS=3), Postgres and stripe-mock (fetched the first time; only stripe-mock when KAFKA_BOOTSTRAP_SERVERS and DATABASE_URL are both given)
ifdef EXTERNAL_SERVICES
	@echo "using Kafka at $(KAFKA_BOOTSTRAP_SERVERS) and the given DATABASE_URL; starting nothing"
else
	$(KAFKA) start
	$(POSTGRES) start
endif
	$(STRIPE_MOCK) start

.PHONY: down
down: ## Stop Kafka (the one broker and the three-broker cluster), Postgres and stripe-mock
	-AZORA_KAFKA_BROKERS=1 $(KAFKA) stop
	-AZORA_KAFKA_BROKERS=3 $(KAFKA) stop
	-$(POSTGRES) stop
	-$(STRIPE_MOCK) stop

.PHONY: setup
setup: venv up ## Create the venv, start the services (make up), migrate the database, apply the topics
	$(AZORA) migrate
	$(AZORA) topics apply

.PHONY: run
run: setup ## Bring up the whole stack: make setup, then the ingress, every consumer, the relay and the lag exporter (Ctrl-C stops them)
	@echo "Azora on http://$${AZORA_INGRESS_HOST:-127.0.0.1}:$${AZORA_INGRESS_PORT:-8000} (docs at /docs); Ctrl-C stops it"
	exec $(AZORA) run

.PHONY: kcat
kcat: ## Fetch kcat from Debian's package into the state dir (the replay tests and the export benchmark compare with it)
	infra/kcat/kcat.sh install

.PHONY: test
test: setup kcat promtool helm ## Run the whole suite (unit, integration, e2e, a bounded chaos run; the cluster's too with AZORA_KAFKA_BROKERS=3) against the real Kafka and Postgres
	$(PY) -m pytest $(PYTEST_ARGS)

.PHONY: unit
unit: venv promtool helm ## Run the unit tests only (no services; fetches promtool and helm once)
	$(PY) -m pytest tests/unit $(PYTEST_ARGS)

.PHONY: wrk
wrk: ## Fetch wrk from Debian's package into the state dir (the ingress benchmark drives both servers with it)
	infra/wrk/wrk.sh install

.PHONY: chaos
chaos: setup ## The full chaos run: 10,000+ commands, 12 kills, a broker and a Postgres restart; with AZORA_KAFKA_BROKERS=3 the cluster's too (make test runs bounded ones)
	AZORA_CHAOS=full $(PY) -m pytest tests/chaos $(PYTEST_ARGS)

.PHONY: promtool
promtool: ## Fetch promtool from Debian's prometheus package into the state dir (the alert-rule tests run it)
	bash infra/prometheus/promtool.sh install

.PHONY: helm
helm: ## Build helm (go install, once) and fetch the Compose spec and CRD schemas (the deployment checks use them)
	bash infra/helm/helm.sh install
	bash infra/helm/schemas.sh install

.PHONY: helm-sync
helm-sync: venv ## Copy infra/'s alert rules and dashboards into the chart and write its partition table
	$(PY) infra/helm/sync.py

.PHONY: lint
lint: venv ## ruff check, ruff format --check and mypy (strict)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

.PHONY: format
format: venv ## Format the code and apply the fixes ruff can make (ruff format, ruff check --fix)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

.PHONY: snapshots
snapshots: venv ## Rewrite the JSON Schema snapshots after an additive schema change
	$(PY) -c "from schemas.snapshots import write_snapshots; write_snapshots()"

.PHONY: bench
bench: setup kcat wrk ## Run every benchmark one at a time (ingress, projection, end to end, on three brokers, export, rebuild; never part of make test)
	$(PY) -m bench

.PHONY: clean
clean: ## Stop everything and delete all local state in the state dir (Kafka and Postgres data, logs, fetched tools)
	-$(STRIPE_MOCK) stop
	-AZORA_KAFKA_BROKERS=1 $(KAFKA) stop
	-AZORA_KAFKA_BROKERS=3 $(KAFKA) stop
	-$(POSTGRES) clean
	rm -rf $${AZORA_STATE_DIR:-.azora}
	@echo "state removed"
