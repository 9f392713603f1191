# kipsec: top-level build.  The module itself is described by ./Kbuild.
#
#   make [all]            kmod/kipsec.ko for KDIR, and the tools
#   make deps             install the Debian packages the build and VM need
#   make check [KVER=]    build per kernel and run selftests/ in a VM
#   make check-debug      the same on a debug kernel (KASAN, kmemleak,
#                         lockdep, UBSAN) built from Debian's linux-source
#                         (tools/debug-kernel/; the first build takes ~15 min)
#   make demo [KVER=]     same, running tools/demo.sh
#   make bench [QUICK=1] [KVER=]   kipsec vs XFRM, WireGuard and plaintext
#                         in one VM boot (tools/bench/run; build/bench/,
#                         Documentation/performance.md)
#   make strongswan-plugin          charon's kernel-kipsec plugin, against the
#                                   installed strongSwan's source (build/)
#   make install-strongswan-plugin  install it and its strongswan.d snippet
#   make clean
#
# KDIR: headers to build against.  Default: the running kernel's, else the
# newest installed /usr/src/linux-headers-*-amd64.
# KVER: kernel(s) for check/demo, words: empty = newest with headers, a
# release (e.g. 6.1.0-56-amd64), "all", "oldest", "newest", "debug".
# TESTS: selftest names for check.  CHECK_JOBS=N: kernels tested at once.
# DEBUG_SPLIT=N: the debug kernel's tests spread over N VMs, DEBUG_FIRST=K
# starting with the Kth; CHECK_START_BY=S: lanes not started after S
# seconds are skipped; CHECK_END_BY=S: the debug VMs share one queue of
# tests and take only those that end within S seconds (by
# selftests/debug-durations.txt); the rest are skipped.  DEBUG_CPUS=N:
# virtual CPUs of a debug VM (default 1: faster under TCG).
# FUZZ=N: messages / packets per fuzzer (default: the tests' small counts).
# W=1: extra kbuild warnings.

KDIR ?= $(or $(wildcard /lib/modules/$(shell uname -r)/build),$(lastword $(shell ls -1d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V)))
KVER ?=
TESTS ?=
W ?=
QUICK ?=
CHECK_JOBS ?=
DEBUG_SPLIT ?=
DEBUG_FIRST ?=
DEBUG_CPUS ?=
CHECK_START_BY ?=
CHECK_END_BY ?=
FUZZ ?=

.PHONY: all module tools selftests deps check check-debug demo bench clean strongswan-plugin \
	install-strongswan-plugin
# deps must finish before anything compiles (it may install the compiler);
# the sub-makes still run in parallel with -j.
.NOTPARALLEL:

all: module tools

module:
	@test -n "$(KDIR)" || { echo "no kernel headers found: run 'make deps' or pass KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(if $(W),W=$(W)) modules

tools:
	$(MAKE) -C tools

# the C programs of selftests/ (fuzzers, load generators)
selftests:
	$(MAKE) -C selftests

deps:
	@tools/deps

# fetches strongSwan's source (apt-get source) on first use: see
# tools/strongswan/Makefile
strongswan-plugin:
	$(MAKE) -C tools/strongswan

install-strongswan-plugin: strongswan-plugin
	$(MAKE) -C tools/strongswan install

# check and demo build the module themselves, per kernel, under build/.
check: deps tools selftests strongswan-plugin
	@KVER='$(KVER)' TESTS='$(TESTS)' W='$(W)' CHECK_JOBS='$(CHECK_JOBS)' \
		DEBUG_SPLIT='$(DEBUG_SPLIT)' DEBUG_FIRST='$(DEBUG_FIRST)' DEBUG_CPUS='$(DEBUG_CPUS)' \
		CHECK_START_BY='$(CHECK_START_BY)' CHECK_END_BY='$(CHECK_END_BY)' \
		$(if $(FUZZ),KIPSEC_FUZZ_N='$(FUZZ)') tools/check

check-debug: deps tools selftests strongswan-plugin
	@KVER=debug TESTS='$(TESTS)' W='$(W)' CHECK_JOBS='$(CHECK_JOBS)' \
		DEBUG_SPLIT='$(DEBUG_SPLIT)' DEBUG_CPUS='$(DEBUG_CPUS)' $(if $(FUZZ),KIPSEC_FUZZ_N='$(FUZZ)') tools/check

demo: deps tools
	@KVER='$(KVER)' W='$(W)' tools/check --demo

bench: deps tools
	@KVER='$(KVER)' QUICK='$(QUICK)' W='$(W)' tools/bench/run

clean:
	$(if $(KDIR),-$(MAKE) -C $(KDIR) M=$(CURDIR) clean)
	$(if $(wildcard tools/Makefile),$(MAKE) -C tools clean)
	$(MAKE) -C selftests clean
	rm -rf build
