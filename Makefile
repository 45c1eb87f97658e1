# The two commands a newcomer needs: `make start` and `make test`. Both install what is missing.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export PATH := $(PATH):/usr/local/go/bin

.PHONY: help start test deps temporal-cli lint typecheck unit integration clean

help:
	@echo "make start   run everything (Temporal dev server, worker, API :5000, live UI :5678) on the embedded default"
	@echo "make test    lint, typecheck, unit and integration tests (real Temporal dev server, PostgreSQL, PGlite)"

# npm ci only when package-lock.json changed since the last install.
node_modules/.installed: package-lock.json package.json
	npm ci --no-audit --no-fund
	@touch $@

deps: node_modules/.installed

temporal-cli:
	@bash scripts/ensure-temporal.sh >/dev/null

start: deps temporal-cli
	@TEMPORAL_CLI="$$(bash scripts/ensure-temporal.sh)" exec node --import tsx src/processes/launcher.ts

lint: deps
	npm run --silent lint

typecheck: deps
	npm run --silent typecheck

unit: deps
	npx jest --selectProjects unit

integration: deps temporal-cli
	TEMPORAL_CLI="$$(bash scripts/ensure-temporal.sh)" NODE_OPTIONS=--experimental-vm-modules npx jest --selectProjects integration

test: deps temporal-cli
	npm run --silent lint
	npm run --silent typecheck
	TEMPORAL_CLI="$$(bash scripts/ensure-temporal.sh)" NODE_OPTIONS=--experimental-vm-modules npx jest

clean:
	rm -rf data artifacts dist
