# SPDX-License-Identifier: BSD-3-Clause
# make demo      - install missing Debian packages, build the neurotwin executable only (not the
#                  test suite), run every scenario, print a table
# make test      - install missing Debian packages, build everything, run the test suite (CTest)
# make bench     - build neurotwin and run the benchmarks in bench/ (long; never part of make test)
# make test-asan - the test suite built with AddressSanitizer + UBSan (in build-asan/; slow)
# make fuzz      - the bounded mutation fuzzer of tests/fuzz/ (FUZZ_CASES, FUZZ_SEED, FUZZ_BIN)

BUILD     ?= build
ASAN_BUILD ?= build-asan
JOBS      ?= $(shell nproc 2>/dev/null || echo 2)
DEMO_OUT  ?= out/demo
PYTHON    ?= /usr/bin/python3
DEB_PACKAGES = cmake make g++ libboost-dev libhdf5-dev libfmt-dev catch2 \
               libtomlplusplus-dev libcli11-dev python3-h5py python3-matplotlib

FUZZ_CASES ?= 500
FUZZ_SEED  ?= 1
FUZZ_BIN   ?= $(BUILD)/neurotwin
# Leaks are checked too (LeakSanitizer: a leak fails the test, also in a spawned neurotwin),
# except HDF5's own buffers of a file abandoned after a failed write (tests/asan/lsan.supp).
ASAN_ENV = ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/asan/lsan.supp \
           UBSAN_OPTIONS=print_stacktrace=1

# pipefail: the quiet build below pipes cmake through a filter and must keep its exit code.
# The build directories use CMake's default generator (Unix Makefiles): --no-print-directory
# drops the "Entering directory" lines of its recursive make.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c

# mawk (Debian's awk) fills its whole input buffer from a pipe before it acts on a line:
# -W interactive makes it read line by line, so the progress shows as the build goes.
LINE_AWK := $(shell command -v mawk >/dev/null 2>&1 && echo "mawk -W interactive" || echo awk)

# The compile lines of CMake's Makefiles become one progress line on a terminal ("[ 42%]
# sim/engine.cpp"), rewritten in place; everything else (warnings, errors) passes through.
# Not on a terminal (CI logs), the progress lines stay one per file. Recipes set $$tty first
# (a test inside the pipe would see the pipe); CMake's colours (it knows the terminal from
# make's MAKE_TERMOUT) are dropped.
QUIET_BUILD = $(LINE_AWK) -v tty=$$tty ' \
    { gsub(/\033\[[0-9;]*m/, "") } \
    /^\[ *[0-9]+%\] Building / { sub(/ Building [A-Za-z]+ object CMakeFiles\/[^\/]*\.dir\//, " "); \
        sub(/\.o$$/, ""); if (tty) { printf "\r%-70.70s", $$0; pending = 1 } else print; fflush(); next } \
    /^\[ *[0-9]+%\] (Built target|Linking)/ { next } \
    { if (pending) { printf "\n"; pending = 0 } print; fflush() } \
    END { if (pending) printf "\r%-70s\r", "" }'

.PHONY: all deps configure build neurotwin test demo bench test-asan fuzz clean

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
	@echo "configuring $(BUILD)/"
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release --log-level=WARNING >/dev/null

configure: deps $(BUILD)/CMakeCache.txt

build: configure
	@echo "building $(BUILD)/ (neurotwin and the test suite)"
	@tty=0; [ -t 1 ] && tty=1; \
	cmake --build $(BUILD) -j $(JOBS) -- --no-print-directory 2>&1 | $(QUIET_BUILD)

# Only the executable and the libraries it links: what demo, bench and fuzz need.
neurotwin: configure
	@echo "building $(BUILD)/neurotwin (only the executable; make test builds the test suite)"
	@tty=0; [ -t 1 ] && tty=1; \
	cmake --build $(BUILD) --target neurotwin -j $(JOBS) -- --no-print-directory 2>&1 | $(QUIET_BUILD)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

$(ASAN_BUILD)/CMakeCache.txt: | deps
	@echo "configuring $(ASAN_BUILD)/"
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNEUROTWIN_SANITIZE=ON \
	    --log-level=WARNING >/dev/null

test-asan: deps $(ASAN_BUILD)/CMakeCache.txt
	@echo "building $(ASAN_BUILD)/ (AddressSanitizer + UBSan; the first build takes long)"
	@tty=0; [ -t 1 ] && tty=1; \
	cmake --build $(ASAN_BUILD) -j $(JOBS) -- --no-print-directory 2>&1 | $(QUIET_BUILD)
	cd $(ASAN_BUILD) && $(ASAN_ENV) ctest --output-on-failure -j $(JOBS)

fuzz: neurotwin
	$(ASAN_ENV) FUZZ_CASES=$(FUZZ_CASES) FUZZ_SEED=$(FUZZ_SEED) \
	    $(PYTHON) tests/fuzz/fuzz.py --binary $(FUZZ_BIN) --out out/fuzz

demo: neurotwin
	@mkdir -p $(DEMO_OUT)
	@set -e; for f in scenarios/*.toml; do \
	    name=$$(basename $$f .toml); \
	    echo "running $$f"; \
	    $(BUILD)/neurotwin run $$f -o $(DEMO_OUT)/$$name.h5 --quiet; \
	done
	@echo
	@$(BUILD)/neurotwin summary $(DEMO_OUT)/*.h5

bench: neurotwin
	bench/run_bench.sh $(BUILD)/neurotwin

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) out
