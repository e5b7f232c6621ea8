# Entry points for people; CMake does the building. `make help` lists them.
BUILD       ?= build
ASAN_BUILD  ?= build-asan
JOBS        ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps build test test-slow asan bench bench-e2e fuzz fuzz-run format clean help demo demo-stop demo-sim testnet-sweep \
        mutation package

all: build

help:
	@echo "make demo    install, build, and start a real local network (7 govbus-node processes)"
	@echo "             with a catalog, a delegation and cases; it keeps running"
	@echo "make demo-stop  stop that network"
	@echo "make demo-sim   the simulated network with every fault kind (govbus-testnet --sim)"
	@echo "make test    install missing packages, build, run the whole test suite (but the slow tests)"
	@echo "make test-slow  the slow tests: a generated province store verified with bounded memory,"
	@echo "             and the order-independence property over many more histories"
	@echo "make asan    the same under AddressSanitizer + UndefinedBehaviorSanitizer"
	@echo "make package build the Debian package build/govbus_<version>_<arch>.deb (CPack)"
	@echo "make bench   build and run build/govbus-bench"
	@echo "make bench-e2e  county -> city -> province propagation through real govbus-node processes"
	@echo "make mutation   mutation campaign over protocol/, crypto/, sync/ (hours; docs/TESTING.md)"
	@echo "make fuzz    build the libFuzzer targets with clang (build-fuzz/)"
	@echo "make fuzz-run [FUZZ_SECONDS=N]  run every fuzz target N s; executions and findings per target"
	@echo "make format  clang-format every source file"

deps:
	@scripts/install-deps

$(BUILD)/build.ninja: | deps
	cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -LE slow

# The heavier runs: the same properties with more histories (GOVBUS_PROPERTY_HISTORIES in
# tests/CMakeLists.txt) and, for minutes, a generated store of 300,000 records
# (GOVBUS_LARGE_STORE_RECORDS) verified with bounded memory.
test-slow: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L slow

# A seeded sample of mutants of the core, each built and run against the unit tests; prints
# killed / survived / stillborn counts and the survivors (docs/TESTING.md). Not part of `make test`.
MUTATION_SEED   ?= 19
MUTATION_SAMPLE ?= 200
mutation: deps
	python3 scripts/mutation.py --seed $(MUTATION_SEED) --sample $(MUTATION_SAMPLE) \
	  --build build-mutation --jobs $(JOBS)

asan: deps
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DGOVBUS_SANITIZE=ON $(CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  GOVBUS_MUTATION_CASES=20000 GOVBUS_PROPERTY_HISTORIES=60 ctest --output-on-failure -j $(JOBS) -LE slow

# The main job: a real network on loopback — the province, two cities and four counties as
# separate govbus-node processes under $(BUILD)/demo — enrolled with govbus-admin, with the sample
# catalog, a two-level delegation and cases at the counties; prints the province's supervision
# board, where each API is and how to use it. It keeps running until `make demo-stop`; a second
# `make demo` stops it and starts afresh. DEMO_BASE_PORT=18100 by default (see scripts/demo).
demo: build
	@scripts/demo start $(BUILD)

demo-stop:
	@scripts/demo stop $(BUILD)

# The simulated network: seeded, with every fault kind; prints the invariant checks and the
# province's supervision board, and writes a latency/lag plot.
demo-sim: build
	$(BUILD)/govbus-testnet --sim --topology small --seed $${SEED:-1} --faults all --report $(BUILD)/demo-report

# Many seeds of the small topology with every fault kind (developers; CI runs a few in the suite).
testnet-sweep: build
	@pass=0; fail=0; for s in $$(seq 1 $${SEEDS:-200}); do \
	  if $(BUILD)/govbus-testnet --sim --seed $$s --faults all --quiet --report $(BUILD)/sweep >/dev/null; \
	  then pass=$$((pass+1)); else fail=$$((fail+1)); echo "seed $$s FAILED"; fi; done; \
	  echo "$$pass passed, $$fail failed"; test $$fail -eq 0

# The Debian package (cmake/Packaging.cmake): build/govbus_<version>_<arch>.deb with govbus-node,
# govbus-admin, govbus-testnet, the systemd unit and the docs. docs/OPERATIONS.md installs it.
package: build
	cd $(BUILD) && cpack

bench: build
	$(BUILD)/govbus-bench

# End to end: three govbus-node processes on loopback; latency at 1,000 writes/s and the maximum
# sustained rate (about two minutes). Not part of `make bench` or `make test`.
bench-e2e: build
	$(BUILD)/govbus-bench --e2e

fuzz: deps
	CXX=clang++ CC=clang cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGOVBUS_FUZZ=ON
	cmake --build build-fuzz -j $(JOBS)

# Every fuzz target for FUZZ_SECONDS (default 60) each; prints executions and findings per target.
fuzz-run: fuzz
	scripts/fuzz-run

format:
	git ls-files '*.h' '*.cc' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz build-mutation
