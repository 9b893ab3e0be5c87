# SPDX-License-Identifier: BSD-3-Clause
# make demo  - install missing Debian packages, build, run every scenario, print a table
# make test  - install missing Debian packages, build, run the test suite (CTest)
# make bench - build and run the benchmarks in bench/ (long; never part of make test)

BUILD     ?= build
JOBS      ?= $(shell nproc 2>/dev/null || echo 2)
DEMO_OUT  ?= out/demo
PYTHON    ?= /usr/bin/python3
DEB_PACKAGES = cmake make g++ libboost-dev libhdf5-dev libfmt-dev catch2 \
               libtomlplusplus-dev libcli11-dev python3-h5py python3-matplotlib

.PHONY: all deps configure build test demo bench clean

all: build

deps:
	@missing=""; \
	for p in $(DEB_PACKAGES); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" != 0 ]; then \
	        echo "missing Debian packages:$$missing"; \
	        echo "run 'make' as root, or: sudo apt-get install -y$$missing"; exit 1; \
	    fi; \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	fi

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release

configure: deps $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

demo: build
	@mkdir -p $(DEMO_OUT)
	@set -e; for f in scenarios/*.toml; do \
	    name=$$(basename $$f .toml); \
	    echo "running $$f"; \
	    $(BUILD)/neurotwin run $$f -o $(DEMO_OUT)/$$name.h5 --quiet; \
	done
	@echo
	@$(BUILD)/neurotwin summary $(DEMO_OUT)/*.h5

bench: build
	bench/run_bench.sh $(BUILD)/neurotwin

clean:
	rm -rf $(BUILD) out
