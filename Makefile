# p4paxos — the two commands a newcomer needs are `make demo` and `make test`.
# Both install npm dependencies themselves (from the lock file).

SHELL := /bin/bash
NPM_STAMP := node_modules/.p4paxos-installed
P4C ?= $(shell command -v p4c-bm2-ss 2>/dev/null)
# Debian packages needed by the end-to-end tests (Mininet; --no-install-recommends keeps Open
# vSwitch out), and the toolchain that builds the AF_PACKET addon behind real-interface ports.
DEB_PACKAGES := iproute2 iputils-ping ethtool tcpdump g++ make python3 mininet python3-yaml

.PHONY: all deps npm build typecheck lint format test test-unit test-sim demo bench p4 proto mininet e2e clean

all: build

$(NPM_STAMP): package.json package-lock.json
	@# npm install (not ci): honours the lock file, and tolerates registries that lack
	@# other platforms' optional binaries, which leave the lock without their entries.
	npm install --no-audit --no-fund
	@touch $@

npm: $(NPM_STAMP)

# System packages for end-to-end tests (root, Debian/Ubuntu), then npm dependencies.
deps:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	  if [ -n "$$missing" ]; then \
	    echo "deps: installing$$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else echo "deps: Debian packages present"; fi; \
	else echo "deps: not root or no apt-get; skipping Debian packages ($(DEB_PACKAGES))"; fi
	$(MAKE) npm

build: $(NPM_STAMP)
	npx tsc -p tsconfig.build.json

typecheck: $(NPM_STAMP)
	npx tsc -p tsconfig.json --noEmit

lint: $(NPM_STAMP)
	npx biome check .

format: $(NPM_STAMP)
	npx biome check --write .

# The whole suite: type check, unit, simulation, conformance and integration tests, then the
# end-to-end tests (root: veth and the Mininet scenarios on every example topology; skipped with
# the reason otherwise, failed instead under P4PAXOS_REQUIRE_E2E=1) on their own, so the
# Mininet switches and the timing-sensitive integration tests do not share the two cores.
test: build typecheck
	npx vitest run --exclude 'test/e2e/**'
	npx vitest run test/e2e

test-unit: $(NPM_STAMP)
	npx vitest run test/unit

test-sim: $(NPM_STAMP)
	npx vitest run test/sim

demo: build
	./bin/paxosctl demo

# Benchmarks print tables, save JSON under bench/results/, then publish: bench/results/summary.md,
# bench/plots/*.svg and README.md's benchmark section (BENCH_ARGS=--quick for a short run;
# `node dist/bench/publish.js` republishes from the JSON alone).
bench: build
	BENCH_COMMAND='make bench$(if $(BENCH_ARGS), BENCH_ARGS="$(BENCH_ARGS)")' node dist/bench/run.js $(BENCH_ARGS)

# Build the Paxos data plane: real p4c-bm2-ss when on PATH (or P4C=...), else the embedded compiler.
p4: build
	@mkdir -p build/p4
	@if [ -n "$(P4C)" ]; then \
	  echo "p4: compiling with $(P4C)"; \
	  $(P4C) --arch v1model -I p4 -o build/p4/paxos.json --p4runtime-files build/p4/paxos.p4info.txtpb p4/paxos.p4; \
	else \
	  echo "p4: compiling with the embedded compiler"; \
	  ./bin/paxosctl compile p4/paxos.p4 -o build/p4; \
	fi

# Interactive Mininet (root): classic topology, switches + agents + controller deployed, CLI.
# Mininet runs on Debian's /usr/bin/python3; its own clean-up (mn -c) is never used.
mininet: build
	/usr/bin/python3 mininet/run.py $(MININET_ARGS)

# End-to-end fault scenarios on Mininet (root); reports in build/e2e/; tears down even on failure.
e2e: build
	/usr/bin/python3 mininet/e2e.py $(E2E_ARGS)

# Regenerate src/p4runtime/gen from src/p4runtime/proto (buf + protoc-gen-es from npm; no protoc).
proto: $(NPM_STAMP)
	npx buf generate src/p4runtime/proto --template src/p4runtime/buf.gen.yaml

clean:
	rm -rf dist build
