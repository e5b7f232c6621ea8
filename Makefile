# Entry points for people; CMake does the building. `make help` lists them.
BUILD       ?= build
ASAN_BUILD  ?= build-asan
JOBS        ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps build test asan bench fuzz format clean help

all: build

help:
	@echo "make test    install missing packages, build, run the whole test suite"
	@echo "make asan    the same under AddressSanitizer + UndefinedBehaviorSanitizer"
	@echo "make bench   build and run build/govbus-bench"
	@echo "make fuzz    build the libFuzzer targets with clang (build-fuzz/)"
	@echo "make format  clang-format every source file"

deps:
	@scripts/install-deps

$(BUILD)/build.ninja: | deps
	cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

asan: deps
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DGOVBUS_SANITIZE=ON $(CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  GOVBUS_MUTATION_CASES=20000 GOVBUS_PROPERTY_HISTORIES=60 ctest --output-on-failure -j $(JOBS)

bench: build
	$(BUILD)/govbus-bench

fuzz: deps
	CXX=clang++ CC=clang cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGOVBUS_FUZZ=ON
	cmake --build build-fuzz -j $(JOBS)

format:
	git ls-files '*.h' '*.cc' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz
