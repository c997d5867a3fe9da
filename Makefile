# SPDX-License-Identifier: Apache-2.0
# The two README commands: `make demo` and `make test`. Both install missing
# Debian packages first, then build incrementally (a second run rebuilds
# nothing that is up to date).
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 5

.PHONY: all demo test deps build-release build-test bench clean

all: build-release

deps:
	@./scripts/deps.sh

build/release/CMakeCache.txt: | deps
	cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF

build-release: deps build/release/CMakeCache.txt
	cmake --build build/release -j$(JOBS)

# The test build: clang with AddressSanitizer + UndefinedBehaviorSanitizer,
# libFuzzer targets included; ctest runs unit, vector, CLI and fuzz-smoke tests.
build/test/CMakeCache.txt: | deps
	CC=clang cmake -S . -B build/test -DCMAKE_BUILD_TYPE=Debug -DCK_SANITIZE=ON \
		-DCK_FUZZ=ON -DCK_WERROR=ON -DCK_FUZZ_SMOKE_SECONDS=$(FUZZ_SECONDS)

build-test: deps build/test/CMakeCache.txt
	cmake --build build/test -j$(JOBS)

demo: build-release
	@./scripts/demo.sh build/release

# The release build (gcc) is built too: it is what `make demo` runs, and gcc
# links differently from the sanitizer build; tests/cli/release.sh runs it.
test: build-release build-test
	cd build/test && ctest --output-on-failure -j$(JOBS)

bench: build-release
	@./bench/run.sh build/release

clean:
	rm -rf build
