# mreg — build, test, demo, install, bench.
SWIFT ?= swift
PREFIX ?= /usr/local
BUILD_FLAGS ?=

.PHONY: build release test demo install bench bench-scale clean

build:
	$(SWIFT) build $(BUILD_FLAGS)

release:
	$(SWIFT) build -c release $(BUILD_FLAGS)

## Build mreg and run every test suite (unit and end-to-end).
test:
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	$(SWIFT) test --skip-build $(BUILD_FLAGS)

## A scripted tour in a temporary store on a generated sample model.
demo: build
	MREG=$$($(SWIFT) build $(BUILD_FLAGS) --show-bin-path)/mreg bash Scripts/demo.sh

install: release
	install -d $(PREFIX)/bin
	install -m 755 $$($(SWIFT) build -c release $(BUILD_FLAGS) --show-bin-path)/mreg $(PREFIX)/bin/mreg

## Speed and memory against git, cp and openssl on a generated 1 GiB model (see Scripts/bench.sh).
bench: release
	MREG=$$($(SWIFT) build -c release $(BUILD_FLAGS) --show-bin-path)/mreg bash Scripts/bench.sh

## list/log/show/search latency and reindex time on 1,000 models x 100 versions (see Scripts/bench-scale.sh).
bench-scale: release
	MREG=$$($(SWIFT) build -c release $(BUILD_FLAGS) --show-bin-path)/mreg bash Scripts/bench-scale.sh

clean:
	rm -rf .build
