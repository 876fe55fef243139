# iob-sdk: the two commands a newcomer needs are `make demo` and `make test`.
# Both install what is missing first (scripts/setup.sh) and skip what is there.
SHELL := /bin/bash
export CHROMEDRIVER ?= /usr/bin/chromedriver
DEMO_PORT ?= 8080
DEMO_TOKEN ?= demo-read-token
BENCH_STORAGE ?= sqlite

.PHONY: setup pkg size size-floor docs demo test test-native test-wasm test-e2e test-ecosystem examples bench bench-collector bench-bytes

setup:
	@bash scripts/setup.sh

## pkg/: the npm package and the script-tag bundle
pkg: setup
	@bash scripts/build-pkg.sh

## Raw/gzip/brotli sizes of the shipped files; last line `sdk gzip bytes: N`
size: pkg
	@bash scripts/size.sh

## The core alone, without the browser shell and JS (src/size_floor.rs); last line `core floor gzip bytes: N`
size-floor: setup
	@bash scripts/size-floor.sh

## Regenerates docs/features.md and docs/payload.schema.json from the code
docs:
	IOB_WRITE_DOCS=1 cargo test -p iob-sdk --lib generated_docs -q

## Builds everything and starts the collector with the example site and dashboard
demo: pkg
	IOB_READ_TOKEN=$(DEMO_TOKEN) bash examples/collector/demo.sh $(DEMO_PORT)

## Every test layer: native core + collector, wasm in headless Chromium, end-to-end
test: pkg test-native test-wasm test-e2e test-ecosystem

## The collector's ClickHouse tests start their own server (scripts/clickhouse.sh);
## IOB_REQUIRE_CLICKHOUSE=1 makes a missing clickhouse-server a failure, not a skip
test-native: setup
	IOB_REQUIRE_CLICKHOUSE=1 cargo test --workspace

test-wasm: setup
	cargo test -p iob-sdk --target wasm32-unknown-unknown
	cargo check -q -p iob-sdk --lib --target wasm32-unknown-unknown --features size-floor --target-dir target/size-floor

test-e2e: pkg examples
	cargo build -p iob-collector
	node --test --test-concurrency=1 tests/e2e/

## npm ci in the example apps (vite-app, react-spa); they depend on pkg/ (`file:../../pkg`), so after it
examples: pkg
	@bash scripts/setup.sh

## The package as consumers get it (exports, files, npm pack, version) and a strict TypeScript consumer;
## the example apps and the strict-CSP script tag are end-to-end tests in tests/e2e/ (test-e2e)
test-ecosystem: pkg
	node --test tests/pkg/
	node_modules/.bin/tsc -p tests/types --strict --noEmit

## Browser micro-benchmark: 1M synthetic events through the listeners; ns/event and wasm memory
bench:
	@bash scripts/bench.sh

## Collector load test; BENCH_STORAGE=clickhouse runs it on a throwaway ClickHouse server
bench-collector:
	@if [ "$(BENCH_STORAGE)" = clickhouse ]; then bash scripts/setup.sh; fi
	BENCH_STORAGE=$(BENCH_STORAGE) bash examples/collector/bench.sh

## Bytes sent per page view for a standard session (about 70 s: default 60 s snapshot interval)
bench-bytes: pkg
	cargo build -p iob-collector
	node scripts/bench-bytes.mjs
