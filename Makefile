# iob-sdk: the two commands a newcomer needs are `make demo` and `make test`.
# Both install what is missing first (scripts/setup.sh) and skip what is there.
SHELL := /bin/bash
export CHROMEDRIVER ?= /usr/bin/chromedriver
DEMO_PORT ?= 8080
DEMO_TOKEN ?= demo-read-token
BENCH_STORAGE ?= sqlite

.PHONY: setup pkg size size-floor docs demo test lint test-native test-wasm test-e2e test-ecosystem examples bench bench-session bench-session-worker bench-collector bench-bytes

setup:
	@bash scripts/setup.sh

## pkg/: the npm package and the script-tag bundle
pkg: setup
	@bash scripts/build-pkg.sh

## Raw/gzip/brotli sizes of the shipped files; last line `sdk gzip bytes: N`
size: pkg
	@bash scripts/size.sh

## The core alone, without the browser shell and JS (tools/size-floor); last line `core floor gzip bytes: N`
size-floor: setup
	@bash scripts/size-floor.sh

## Regenerates every generated file (docs/features.md, docs/payload.schema.json, the
## options table of docs/api.md, the types in pkg-template/index.d.ts, pkg-template/options.js)
docs:
	cargo run -q -p iob-xtask -- docs

## Builds everything and starts the collector with the example site and dashboard
demo: pkg
	IOB_READ_TOKEN=$(DEMO_TOKEN) bash examples/collector/demo.sh $(DEMO_PORT)

## Every test layer: gates, native core + collector + tools, wasm in headless Chromium, end-to-end
test: pkg lint test-native test-wasm test-e2e test-ecosystem

## Gates: formatting, clippy (native and wasm32, warnings are errors), the crate
## layout (the core has no browser dependency, one cdylib, no inline JS), and
## the package's JavaScript type-checked strictly. Module cycles and generated-file
## drift are tests of tools/xtask (test-native).
lint: setup
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p iob-web -p iob-size-floor --target wasm32-unknown-unknown --all-targets -- -D warnings
	cargo clippy -p iob-web --target wasm32-unknown-unknown --features standalone -- -D warnings
	cargo clippy -p iob-sdk --no-default-features --target wasm32-unknown-unknown -- -D warnings
	cargo clippy -p iob-sdk --no-default-features --features std --all-targets -- -D warnings
	cargo clippy -p iob-web --target wasm32-unknown-unknown --no-default-features --features standalone -- -D warnings
	bash scripts/check-layout.sh
	node_modules/.bin/tsc -p tsconfig.js.json

## The collector's ClickHouse tests start their own server (scripts/clickhouse.sh);
## IOB_REQUIRE_CLICKHOUSE=1 makes a missing clickhouse-server a failure, not a skip.
## Then the core again as the lite build (Cargo feature `full` off): the same tests, build-aware.
test-native: setup
	IOB_REQUIRE_CLICKHOUSE=1 cargo test --workspace
	cargo test -p iob-sdk --no-default-features --features std

## The shell's browser tests, full build then lite build
test-wasm: setup
	bash scripts/test-wasm.sh
	bash scripts/test-wasm.sh --no-default-features

## The end-to-end suite against the full build, then against the lite build
## (IOB_E2E_BUILD=lite: tests of features the lite build does not compute skip)
test-e2e: pkg examples
	cargo build -p iob-collector
	node --test --test-concurrency=1 tests/e2e/
	IOB_E2E_BUILD=lite node --test --test-concurrency=1 tests/e2e/

## npm ci in the example apps (vite-app, react-spa); they depend on pkg/ (`file:../../pkg`), so after it
examples: pkg
	@bash scripts/setup.sh

## The package as consumers get it (exports, files, npm pack, version) and a strict TypeScript consumer;
## the example apps and the strict-CSP script tag are end-to-end tests in tests/e2e/ (test-e2e)
test-ecosystem: pkg
	node --test tests/pkg/
	node_modules/.bin/tsc -p tests/types --strict --noEmit

## Browser micro-benchmark: 1M synthetic events through the listeners (ns/event, wasm memory); init to ready, its breakdown, longest tasks
bench:
	@bash scripts/bench.sh

## Main-thread script time of the script tag over a no-SDK baseline: a scripted ~25 s session of
## two page views with trusted input, interleaved runs (BENCH_RUNS, default 3), medians and ranges;
## Plausible and Snowplow the same way (devDependencies). BENCH_SESSION_ARGS: see tests/bench/session.mjs
bench-session: pkg
	node tests/bench/session.mjs $(BENCH_SESSION_ARGS)

## The same, with the prototype that runs the features engine in a Web Worker (tests/bench/worker/, not shipped)
bench-session-worker: pkg size-floor
	node tests/bench/session.mjs --worker --sdks iob,floor $(BENCH_SESSION_ARGS)

## Collector load test; BENCH_STORAGE=clickhouse runs it on a throwaway ClickHouse server
bench-collector:
	@if [ "$(BENCH_STORAGE)" = clickhouse ]; then bash scripts/setup.sh; fi
	BENCH_STORAGE=$(BENCH_STORAGE) bash examples/collector/bench.sh

## Bytes sent per page view for a standard session (about 70 s: default 60 s snapshot interval)
bench-bytes: pkg
	cargo build -p iob-collector
	node scripts/bench-bytes.mjs
