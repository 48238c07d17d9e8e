# mreg — build, test, demo, install, bench.
SWIFT ?= swift
PREFIX ?= /usr/local
BUILD_FLAGS ?=

.PHONY: build release test demo install bench bench-scale fuzz fuzz-build fuzz-seeds clean

build:
	$(SWIFT) build $(BUILD_FLAGS)

release:
	$(SWIFT) build -c release $(BUILD_FLAGS)

## Build mreg and run every test suite (unit and end-to-end).
test:
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	$(SWIFT) test --skip-build $(BUILD_FLAGS)

## A scripted tour in a temporary store on a generated sample model (build output shown only if the build fails).
demo:
	@log=$$(mktemp); $(SWIFT) build $(BUILD_FLAGS) >"$$log" 2>&1 || { cat "$$log"; rm -f "$$log"; exit 1; }; rm -f "$$log"
	@MREG=$$($(SWIFT) build $(BUILD_FLAGS) --show-bin-path)/mreg bash Scripts/demo.sh

install: release
	install -d $(PREFIX)/bin
	install -m 755 $$($(SWIFT) build -c release $(BUILD_FLAGS) --show-bin-path)/mreg $(PREFIX)/bin/mreg

## Speed and memory against git, cp and openssl on a generated 1 GiB model, and gc (see Scripts/bench.sh; BENCH_ONLY=gc for gc alone).
bench: release
	MREG=$$($(SWIFT) build -c release $(BUILD_FLAGS) --show-bin-path)/mreg bash Scripts/bench.sh

## list/log/show/search/du latency, reindex time and mreg serve's page latency on 1,000 models x 100 versions (see Scripts/bench-scale.sh).
bench-scale: release
	MREG=$$($(SWIFT) build -c release $(BUILD_FLAGS) --show-bin-path)/mreg bash Scripts/bench-scale.sh

## libFuzzer on every fuzz target for FUZZ_SECONDS each (default 120; FUZZ_TARGETS picks some).
## Builds FuzzTesting/ into .build-fuzz with coverage and AddressSanitizer; see Scripts/fuzz.sh.
## FUZZ_ASAN=0 builds without AddressSanitizer (faster; memory errors in C and C++ go unseen).
FUZZ_SECONDS ?= 120
FUZZ_ASAN ?= 1
comma := ,
FUZZ_ADDRESS = $(if $(filter 1,$(FUZZ_ASAN)),$(comma)address)
FUZZ_FLAGS = --package-path FuzzTesting --scratch-path .build-fuzz --product MregFuzz \
	-Xswiftc -sanitize=fuzzer$(FUZZ_ADDRESS) -Xswiftc -parse-as-library \
	-Xcc -fsanitize=fuzzer-no-link$(FUZZ_ADDRESS) -Xcxx -fsanitize=fuzzer-no-link$(FUZZ_ADDRESS)

fuzz-build:
	test -f FuzzTesting/Package.resolved || ! test -f Package.resolved || cp Package.resolved FuzzTesting/Package.resolved
	$(SWIFT) build $(FUZZ_FLAGS) $(BUILD_FLAGS)

fuzz: fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) MREG_FUZZ=$$($(SWIFT) build $(FUZZ_FLAGS) $(BUILD_FLAGS) --show-bin-path)/MregFuzz bash Scripts/fuzz.sh

## Rewrites the seeds of Tests/FuzzCorpus from a real store and generated files (crashers kept).
fuzz-seeds: build
	MREG=$$($(SWIFT) build $(BUILD_FLAGS) --show-bin-path)/mreg bash Scripts/fuzz-seeds.sh

clean:
	rm -rf .build .build-fuzz
