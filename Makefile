# kipsec: top-level build.  The module itself is described by ./Kbuild.
#
#   make [all]            kmod/kipsec.ko for KDIR, and the tools
#   make deps             install the Debian packages the build and VM need
#   make check [KVER=]    build per kernel and run selftests/ in a VM
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
# KVER: kernel(s) for check/demo: empty = newest with headers, a release
# (e.g. 6.1.0-56-amd64), or "all".  TESTS: selftest names for check.
# W=1: extra kbuild warnings.

KDIR ?= $(or $(wildcard /lib/modules/$(shell uname -r)/build),$(lastword $(shell ls -1d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V)))
KVER ?=
TESTS ?=
W ?=
QUICK ?=

.PHONY: all module tools deps check demo bench clean strongswan-plugin \
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

deps:
	@tools/deps

# fetches strongSwan's source (apt-get source) on first use: see
# tools/strongswan/Makefile
strongswan-plugin:
	$(MAKE) -C tools/strongswan

install-strongswan-plugin: strongswan-plugin
	$(MAKE) -C tools/strongswan install

# check and demo build the module themselves, per kernel, under build/.
check: deps tools strongswan-plugin
	@KVER='$(KVER)' TESTS='$(TESTS)' W='$(W)' tools/check

demo: deps tools
	@KVER='$(KVER)' W='$(W)' tools/check --demo

bench: deps tools
	@KVER='$(KVER)' QUICK='$(QUICK)' W='$(W)' tools/bench/run

clean:
	$(if $(KDIR),-$(MAKE) -C $(KDIR) M=$(CURDIR) clean)
	$(if $(wildcard tools/Makefile),$(MAKE) -C tools clean)
	rm -rf build
