# The two commands a newcomer needs: `make start` and `make test`. Both install what is missing.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export PATH := $(PATH):/usr/local/go/bin

.PHONY: help build start test bench chaos fixtures cluster cluster-tls test-cluster deps temporal-cli temporal-server dashboard chromium docker-compose xmllint iso20022-xsd stripe-mock lint typecheck unit integration clean

help:
	@echo "make start   run everything (Temporal dev server, worker, API :5000, live UI :5678) on the embedded default"
	@echo "             (builds dist/ first: make build, as the Docker image does)"
	@echo "make test    lint, typecheck, unit and integration tests (real Temporal dev server and cluster, PostgreSQL, PGlite)"
	@echo "make bench   throughput and latency of the payment path against a bare-Temporal baseline (ARGS=--quick)"
	@echo "make cluster the production topology as processes: real Temporal server on PostgreSQL (mTLS), 2 workers,"
	@echo "             notifications, 2 APIs (5000, 5001), 2 UIs (5678, 5679), bank, Web UI (8233)"
	@echo "make test-cluster  only the cluster test (test/cluster.itest.ts; also part of make test)"

# npm ci only when package-lock.json changed since the last install.
node_modules/.installed: package-lock.json package.json
	npm ci --no-audit --no-fund
	@touch $@

deps: node_modules/.installed

temporal-cli:
	@bash scripts/ensure-temporal.sh >/dev/null

# The real server, its SQL tool and the Web UI server (make cluster), built from Go modules once.
temporal-server:
	@bash scripts/ensure-temporal-server.sh >/dev/null

# Always rebuilt (well under a second): it also depends on src/domain and src/ui.
dashboard: deps
	@npx tsx scripts/build-dashboard.ts >/dev/null

# What the image builds (Dockerfile): compiled JavaScript, the workflow bundles and the UI's files in dist/.
build: deps dashboard
	@npm run --silent build
	@npx tsx scripts/bundle-workflows.ts dist >/dev/null
	@mkdir -p dist/ui/server/public && cp -R src/ui/server/public/. dist/ui/server/public/

# Runs what `make build` made, as the image would (scripts/start.sh: no tsx, no webpack in the process).
start: build temporal-cli
	@TEMPORAL_CLI="$$(bash scripts/ensure-temporal.sh)" exec bash scripts/start.sh

lint: deps
	npm run --silent lint

typecheck: deps
	npm run --silent typecheck
	npx tsc --noEmit -p src/ui/dashboard

unit: deps
	npx jest --selectProjects unit

integration: deps temporal-cli temporal-server xmllint iso20022-xsd stripe-mock
	TEMPORAL_CLI="$$(bash scripts/ensure-temporal.sh)" NODE_OPTIONS=--experimental-vm-modules npx jest --selectProjects integration

# Browser tests need Debian's Chromium: installed here when we can (root + apt), else they skip loudly.
chromium:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || \
	  echo "!!! chromium not installed and cannot install it: browser tests will be SKIPPED"; }

# The compose file is validated with Debian's docker-compose (no Docker engine needed).
docker-compose:
	@command -v docker-compose >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null); } || \
	  { echo "docker-compose is needed by the deployment test: apt-get install docker-compose"; exit 1; }

# Bank files are validated against the official ISO 20022 schemas with Debian's xmllint (libxml2-utils).
xmllint:
	@command -v xmllint >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libxml2-utils >/dev/null); } || \
	  { echo "xmllint is needed by the bank-file tests: apt-get install libxml2-utils"; exit 1; }

# The ISO 20022 XSDs, fetched once into Go's module cache (never copied into the repository).
iso20022-xsd:
	@bash scripts/ensure-iso20022-xsd.sh >/dev/null

# Stripe's official mock API server (the Stripe Connect adapter's tests), built from its Go module once.
stripe-mock:
	@bash scripts/ensure-stripe-mock.sh >/dev/null

# temporal-server: test/cluster.itest.ts runs the real server (make cluster's topology) on PostgreSQL.
test: deps temporal-cli temporal-server dashboard chromium docker-compose xmllint iso20022-xsd stripe-mock
	npm run --silent lint
	npm run --silent typecheck
	npx tsc --noEmit -p src/ui/dashboard
	TEMPORAL_CLI="$$(bash scripts/ensure-temporal.sh)" NODE_OPTIONS=--experimental-vm-modules npx jest --maxWorkers=2

# The benchmark (payment path vs a bare-Temporal baseline); figures in docs/performance.md.
bench: deps temporal-cli
	TEMPORAL_CLI="$$(bash scripts/ensure-temporal.sh)" npm run --silent bench -- $(ARGS)

# The production topology on this machine (docs/deployment.md, "Run as a cluster here"); needs PostgreSQL.
cluster: deps temporal-cli temporal-server dashboard
	@TEMPORAL_CLI="$$(bash scripts/ensure-temporal.sh)" exec node --import tsx scripts/cluster.ts

# The cluster test alone (it is part of make test too): about a minute once the binaries exist.
test-cluster: deps temporal-cli temporal-server
	TEMPORAL_CLI="$$(bash scripts/ensure-temporal.sh)" NODE_OPTIONS=--experimental-vm-modules npx jest test/cluster.itest.ts --selectProjects integration

# Only the mTLS material (data/cluster/tls/{ca,server,client}), e.g. for docker compose.
cluster-tls: deps
	@npx tsx scripts/cluster/tls.ts data/cluster/tls

# Faults against the split topology (scripts/chaos/): 0 lost, 0 double payouts, reconciled; ARGS=--quick for the short form.
chaos: deps temporal-cli
	@bash scripts/ensure-toxiproxy.sh >/dev/null
	TEMPORAL_CLI="$$(bash scripts/ensure-temporal.sh)" npm run --silent chaos -- $(ARGS)

# Record the workflow history fixtures that are missing (delete one to record it again); commit them.
fixtures: deps temporal-cli
	TEMPORAL_CLI="$$(bash scripts/ensure-temporal.sh)" ALPES_RECORD_FIXTURES=1 NODE_OPTIONS=--experimental-vm-modules \
		npx jest test/payment-replay.itest.ts test/payment-crash-matrix.itest.ts test/payment-orphans.itest.ts test/settlement.itest.ts test/payout-outcomes.itest.ts test/notifications.itest.ts test/undelivered-notice.itest.ts --selectProjects integration

clean:
	rm -rf data artifacts dist
