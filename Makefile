# Azora — everything runs from here. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Azora supports Python 3.11, 3.12 and 3.13; `make unit PYTHON_VERSION=3.13` tests another
# in a venv of its own. Every venv installs from the same lock (requirements/, `make lock`).
PYTHON_VERSION ?= 3.11
VENV      ?= $(if $(filter 3.11,$(PYTHON_VERSION)),.venv,.venv-$(PYTHON_VERSION))
PYTHON    ?= $(shell infra/python/find.sh $(PYTHON_VERSION))
LOCK      := requirements/dev.txt
PY        := $(VENV)/bin/python
AZORA     := $(PY) -m stack
STAMP     := $(VENV)/.installed
KAFKA     := infra/kafka/kafka.sh
POSTGRES  := infra/postgres/postgres.sh
STRIPE_MOCK := infra/stripe/stripe-mock.sh
PYTEST_ARGS ?=
# Issue 21: a benchmark goal holds when it holds in each of three consecutive runs.
BENCH_RUNS ?= 3
# A comma-separated subset of the benchmarks (`python -m bench --help` names them); empty: all.
BENCH_ONLY ?=
TS_CLIENT := clients/typescript
TS_DEPS   := $(TS_CLIENT)/node_modules/.azora-installed

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
ifndef AZORA_PAYMENT_SEALING_KEY
AZORA_PAYMENT_SEALING_KEY := $(shell sed -n 's/^AZORA_PAYMENT_SEALING_KEY=//p' $(DEV_SECRETS))
endif
ifndef AZORA_PERSONAL_DATA_KEY
AZORA_PERSONAL_DATA_KEY := $(shell sed -n 's/^AZORA_PERSONAL_DATA_KEY=//p' $(DEV_SECRETS))
endif
export AZORA_SECRET_KEY AZORA_STRIPE_WEBHOOK_SECRET AZORA_PAYMENT_SEALING_KEY AZORA_PERSONAL_DATA_KEY
# Without a Stripe key of your own, the official SDK talks to stripe-mock (started by `up`).
ifeq ($(STRIPE_API_KEY)$(AZORA_STRIPE_API_KEY),)
export AZORA_STRIPE_API_KEY := sk_test_azoraStripeMock
export AZORA_STRIPE_API_BASE ?= http://127.0.0.1:$(or $(AZORA_STRIPE_MOCK_PORT),12111)
# Nobody can pay a stripe-mock PaymentIntent: `make run` turns on the portal's control that
# settles one through a webhook the ingress signs (docs/portal.md). Never with a real Stripe
# key, and not exported to `make test`, whose unit tests read the settings' defaults.
DEV_PAYMENT_CONTROLS := true
endif

# The student portal (web/portal): npm packages from its lockfile, built by Vite.
PORTAL       := web/portal
PORTAL_DEPS  := $(PORTAL)/node_modules/.installed
PORTAL_BUILD := $(PORTAL)/dist/index.html
# It compiles Azora's TypeScript client (clients/typescript) from source, with the client's
# own npm packages (ts-deps).
PORTAL_SRC   := $(shell find $(PORTAL)/src clients/typescript/src -type f 2>/dev/null) \
                $(PORTAL)/index.html $(PORTAL)/vite.config.ts $(PORTAL)/tsconfig.json

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# Exactly the locked versions, each checked against its hashes; then Azora itself, built by
# the locked setuptools (no unpinned build backend); `pip check` fails when pyproject.toml asks
# for something the lock lacks.
$(STAMP): pyproject.toml $(LOCK)
	@test -n "$(PYTHON)" || { infra/python/find.sh $(PYTHON_VERSION); exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --require-hashes -r $(LOCK)
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	$(PY) -m pip check
	@touch $@

.PHONY: venv
venv: $(STAMP) ## Create the virtualenv (PYTHON_VERSION=3.11, 3.12 or 3.13) from the lock: Azora with its dev tools

# uv resolves for every supported Python at once (--universal) and writes pip's hashed
# requirements files: dev (what make and CI install), runtime (the image), tools (the
# tools image: runtime + the parquet extra). runtime and tools are held to dev's versions.
UV_COMPILE := $(VENV)/bin/uv pip compile pyproject.toml --universal --python-version 3.11 \
	--generate-hashes --quiet --group build $(if $(UPGRADE),--upgrade)

# Not `venv` first: after pyproject.toml changed, the venv cannot be made until the lock is.
# uv alone comes in, at the version and hashes the current lock gives.
.PHONY: lock
lock: ## Re-resolve requirements/*.txt from pyproject.toml (UPGRADE=1 moves every pin to the newest allowed)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@test -x $(VENV)/bin/uv || { awk '/^uv==/ {p = 1; print; next} p && /^ +--hash/ {print; next} {p = 0}' \
	  $(LOCK) > $(VENV)/uv-lock.txt && $(PY) -m pip install -q --require-hashes -r $(VENV)/uv-lock.txt; }
	$(UV_COMPILE) --extra dev -o requirements/dev.txt
	$(UV_COMPILE) -c requirements/dev.txt -o requirements/runtime.txt
	$(UV_COMPILE) -c requirements/dev.txt --extra parquet -o requirements/tools.txt

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
run: setup portal ## Bring up the whole stack: make setup, then the ingress (serving the portal at /portal/), every consumer, the relay and the lag exporter (Ctrl-C stops them)
	@echo "Azora on http://$${AZORA_INGRESS_HOST:-127.0.0.1}:$${AZORA_INGRESS_PORT:-8000} (portal at /portal/, docs at /docs); Ctrl-C stops it"
	AZORA_DEV_PAYMENT_CONTROLS=$${AZORA_DEV_PAYMENT_CONTROLS:-$(or $(DEV_PAYMENT_CONTROLS),false)} exec $(AZORA) run

.PHONY: kcat
kcat: ## Fetch kcat from Debian's package into the state dir (the replay tests and the export benchmark compare with it)
	infra/kcat/kcat.sh install

.PHONY: oidc-mock
oidc-mock: ## Fetch NAV's mock-oauth2-server with Maven into the state dir, each jar checked against infra/oidc/jars.sha256 (the provider sign-in tests run it)
	infra/oidc/mock-oauth2-server.sh install

.PHONY: test
test: setup kcat promtool helm oidc-mock alerting ts-deps portal chromium ## Run the whole suite (the portal's unit tests, then unit, integration, e2e with the browser tests, alerting, a bounded chaos run; the cluster's too with AZORA_KAFKA_BROKERS=3) against the real Kafka and Postgres
	cd $(PORTAL) && npm test
	$(PY) -m pytest $(PYTEST_ARGS)

# The tests only the three-broker cluster runs; the one-broker suite skips them.
CLUSTER_TESTS := tests/chaos/test_cluster_chaos.py tests/integration/test_replicated_topics.py

# A make of its own for the setup: this one's KAFKA_BOOTSTRAP_SERVERS names the broker of
# AZORA_KAFKA_BROKERS as the caller set it, and the cluster's differs.
.PHONY: test-cluster
test-cluster: venv ## Start the three-broker cluster (and Postgres, stripe-mock), run the tests only it runs (a bounded cluster chaos run, replicated topics), then stop the cluster; CI runs it after make test
ifdef EXTERNAL_SERVICES
	@echo "test-cluster starts the repo's own three brokers: leave KAFKA_BOOTSTRAP_SERVERS and DATABASE_URL unset"; exit 1
else
	env -u KAFKA_BOOTSTRAP_SERVERS AZORA_KAFKA_BROKERS=3 $(MAKE) --no-print-directory setup
	@status=0; \
	AZORA_KAFKA_BROKERS=3 KAFKA_BOOTSTRAP_SERVERS="$$(AZORA_KAFKA_BROKERS=3 $(KAFKA) bootstrap)" \
	  $(PY) -m pytest $(CLUSTER_TESTS) $(PYTEST_ARGS) || status=$$?; \
	AZORA_KAFKA_BROKERS=3 $(KAFKA) stop; \
	exit $$status
endif

$(PORTAL_DEPS): $(PORTAL)/package.json $(PORTAL)/package-lock.json $(TS_DEPS)
	@command -v npm >/dev/null || { echo "the portal needs Node.js 20.19+ with npm"; exit 1; }
	cd $(PORTAL) && npm ci --no-audit --no-fund
	@touch $@

$(PORTAL_BUILD): $(PORTAL_DEPS) $(PORTAL_SRC)
	cd $(PORTAL) && npm run build

.PHONY: portal
portal: $(PORTAL_BUILD) ## Build the student portal into web/portal/dist (npm ci from the lockfile once, typecheck, vite build; again only when a source changed)

.PHONY: portal-dev
portal-dev: $(PORTAL_DEPS) ## Vite's dev server for the portal, proxying the API to the ingress of `make run`
	cd $(PORTAL) && npm run dev

.PHONY: chromium
chromium: ## Install Debian's chromium package when /usr/bin/chromium is missing (the browser tests drive it with Playwright)
	@test -x /usr/bin/chromium || { apt-get update -q && apt-get install -y -q chromium; }

.PHONY: unit
unit: venv promtool helm alerting ts-deps $(PORTAL_DEPS) ## Run the unit tests only: the portal's (vitest) and Python's (no services; fetches promtool, amtool and helm once, npm packages from the lockfiles)
	cd $(PORTAL) && npm test
	$(PY) -m pytest tests/unit $(PYTEST_ARGS)

$(TS_DEPS): $(TS_CLIENT)/package-lock.json $(TS_CLIENT)/package.json
	@command -v npm >/dev/null || { echo "needs Node 20+ and npm"; exit 1; }
	cd $(TS_CLIENT) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

.PHONY: ts-deps
ts-deps: $(TS_DEPS) ## Install the TypeScript client's npm packages from its lockfile (npm ci, once per lockfile change)

.PHONY: ts-client
ts-client: venv ts-deps ## Regenerate the TypeScript client from the app's OpenAPI document (commit the result)
	$(AZORA) openapi --output $(TS_CLIENT)/openapi.json
	cd $(TS_CLIENT) && npm run --silent generate
	cd $(TS_CLIENT) && npm run --silent typecheck

.PHONY: wrk
wrk: ## Fetch wrk from Debian's package into the state dir (the ingress benchmark drives both servers with it)
	infra/wrk/wrk.sh install

.PHONY: chaos
chaos: setup ## The full chaos run: 10,000+ commands, 12 kills, a broker and a Postgres restart; with AZORA_KAFKA_BROKERS=3 the cluster's too (make test runs bounded ones)
	AZORA_CHAOS=full $(PY) -m pytest tests/chaos $(PYTEST_ARGS)

.PHONY: promtool
promtool: ## Fetch promtool from Debian's prometheus package into the state dir (the alert-rule tests run it)
	bash infra/prometheus/promtool.sh install

.PHONY: alerting
alerting: ## Fetch Prometheus from Debian's package and build Alertmanager and amtool (go install, once) into the state dir (the alerting test runs them)
	bash infra/prometheus/prometheus.sh install
	bash infra/alertmanager/alertmanager.sh install

.PHONY: helm
helm: ## Build helm (go install, once) and fetch the Compose spec and CRD schemas (the deployment checks use them)
	bash infra/helm/helm.sh install
	bash infra/helm/schemas.sh install

.PHONY: helm-sync
helm-sync: venv ## Copy infra/'s alert rules and dashboards into the chart and write its partition table
	$(PY) infra/helm/sync.py

.PHONY: lint
lint: venv $(PORTAL_DEPS) ## ruff check, ruff format --check and mypy (strict); the portal's tsc (strict) and prettier --check
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	cd $(PORTAL) && npm run check

.PHONY: format
format: venv $(PORTAL_DEPS) ## Format the code and apply the fixes ruff can make (ruff format, ruff check --fix; prettier for the portal)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .
	cd $(PORTAL) && npm run format

.PHONY: snapshots
snapshots: venv ## Rewrite the JSON Schema snapshots after an additive schema change
	$(PY) -c "from schemas.snapshots import write_snapshots; write_snapshots()"

.PHONY: bench
bench: setup kcat wrk ## Run every benchmark (or BENCH_ONLY's) one at a time, BENCH_RUNS times (default 3; each goal judged on the worst run; never part of make test)
	$(PY) -m bench --runs $(BENCH_RUNS) $(if $(BENCH_ONLY),--only $(BENCH_ONLY))

.PHONY: clean
clean: ## Stop everything and delete all local state in the state dir (Kafka and Postgres data, logs, fetched tools)
	-$(STRIPE_MOCK) stop
	-AZORA_KAFKA_BROKERS=1 $(KAFKA) stop
	-AZORA_KAFKA_BROKERS=3 $(KAFKA) stop
	-$(POSTGRES) clean
	-AZORA_STATE_DIR="$(abspath $(or $(AZORA_STATE_DIR),.azora))/second-postgres" $(POSTGRES) clean
	rm -rf $${AZORA_STATE_DIR:-.azora}
	@echo "state removed"
