# Torii: `make run` (quickstart gateway on 127.0.0.1:4000) and `make test` (every test).
BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)
CONFIG ?= examples/quickstart.yaml

.PHONY: deps configure build run test unit integration test-asan bench fuzz soak soak-asan clean

deps:
	bash scripts/install-deps.sh

configure: deps
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_ARGS)

build: configure
	cmake --build $(BUILD_DIR) -j$(JOBS)

run: build
	./$(BUILD_DIR)/torii serve --config $(CONFIG)

tests/node_modules/.package-lock.json: tests/package-lock.json
	cd tests && npm ci --no-audit --no-fund

unit: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j$(JOBS)

integration: build tests/node_modules/.package-lock.json
	cd tests && TORII_BIN=$(abspath $(BUILD_DIR))/torii TORII_MOCK_BIN=$(abspath $(BUILD_DIR))/torii-mock npm test

test: unit integration

# The same tests against an AddressSanitizer + UndefinedBehaviorSanitizer build.
# UBSan findings abort the process (and so fail the test that hit them).
test-asan:
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
	  $(MAKE) test BUILD_DIR=build-asan BUILD_TYPE=RelWithDebInfo CMAKE_ARGS=-DTORII_SANITIZE=ON

# The chaos soak (README "Reliability"): SOAK_SECONDS of faults, outages,
# reloads and misbehaving clients against one gateway, then its invariants.
SOAK_SECONDS ?= 120
soak: build tests/node_modules/.package-lock.json
	cd tests && TORII_BIN=$(abspath $(BUILD_DIR))/torii TORII_MOCK_BIN=$(abspath $(BUILD_DIR))/torii-mock \
	  SOAK_SECONDS=$(SOAK_SECONDS) node soak/soak.mjs

# The same against the ASan + UBSan build: leaks and memory errors fail it too.
soak-asan:
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 SOAK_RSS=0 \
	  $(MAKE) soak BUILD_DIR=build-asan BUILD_TYPE=RelWithDebInfo CMAKE_ARGS=-DTORII_SANITIZE=ON

# Benchmarks (bench/README.md): a Release build with the bench tools in
# $(BENCH_BUILD_DIR), then bench/run.sh; results in bench/results/latest.{md,json}.
BENCH_BUILD_DIR ?= build-bench
bench:
	bash scripts/install-deps.sh --bench
	$(MAKE) build BUILD_DIR=$(BENCH_BUILD_DIR) BUILD_TYPE=Release CMAKE_ARGS="-DTORII_BUILD_BENCH=ON -DTORII_BUILD_TESTS=OFF"
	bash bench/run.sh $(BENCH_BUILD_DIR)

# Fuzzing (fuzz/README.md): every libFuzzer target for FUZZ_SECONDS each, in
# a clang ASan + UBSan build in build-fuzz; crash inputs are reported.
FUZZ_SECONDS ?= 60
fuzz:
	JOBS=$(JOBS) bash scripts/fuzz.sh $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD_DIR) build-asan $(BENCH_BUILD_DIR) build-fuzz
