# tcp-splice top-level build.
#   make                 module + BPF object/skeleton + C++ tools
#   make module|bpf|ctl  one part
#   make deps            install the build and test dependencies (Debian 12/13, root)
#   make test            every test: host tier, then the guest suites
#   make test-host       GoogleTest unit tests, host BPF tests, bounded fuzzing (no guest)
#   make fuzz            the libFuzzer target (clang)
#   make test-guest      guest suites (tests/integration/run)
#   make test-guest-sid  a few suites on the "sid" guest flavor: sid's 7.2 kernel
#                        and containerd 2.1 (not part of make test)
#   make bench           guest benchmarks
#   make demo            redis in two containers, plain then spliced (in the guest
#                        unless this host has the module loaded)
#   make soak            the attacks suite's churn for 200,000+ connections (long)
#   make install         DESTDIR-aware: binaries, module, config
#   make deb             tcp-splice and tcp-splice-dkms .debs in $(BUILD)/deb, lintian-checked
#   make deb-changelog   add a debian/changelog entry for VERSION (when it changed)
BUILD    ?= build
KVER     ?= $(shell uname -r)
KDIR     ?= /lib/modules/$(KVER)/build
BTF_BASE ?= /sys/kernel/btf/vmlinux
PREFIX   ?= /usr
DESTDIR  ?=
CMAKE_FLAGS ?=

CMAKE_CACHE := $(BUILD)/CMakeCache.txt

all: module bpf ctl tools

module:
	@test -e $(KDIR)/Makefile || { echo "no kernel build tree at $(KDIR): install linux-headers-$(KVER) or pass KDIR=..."; exit 1; }
	$(MAKE) -C kernel KDIR=$(KDIR) BTF_BASE=$(BTF_BASE)

$(CMAKE_CACHE):
	cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS)

configure: $(CMAKE_CACHE)

bpf: $(CMAKE_CACHE)
	cmake --build $(BUILD) --target tsp_bpf

ctl: $(CMAKE_CACHE)
	cmake --build $(BUILD) --target tcp-splice-ctl

tools: $(CMAKE_CACHE)
	cmake --build $(BUILD) -j$(shell nproc)

# libFuzzer targets (clang only), run by tests/run-host: the hook's parsers
# and the NRI plugin's frame decoders.
FUZZ_CXX := clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Ihook -Ibpf -Ikernel
STATE_FUZZ_SRCS := hook/fuzz/state_fuzz.cc $(addprefix hook/core/,oci_state.cc annotations.cc ports.cc error.cc cgroup_path.cc files.cc)
$(BUILD)/fuzz/state_fuzz: $(STATE_FUZZ_SRCS) $(wildcard hook/core/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CXX) -o $@ $(STATE_FUZZ_SRCS)

FRAME_FUZZ_SRCS := nri-plugin/fuzz/frame_fuzz.cc nri-plugin/wire.cc hook/core/error.cc
$(BUILD)/fuzz/frame_fuzz: $(FRAME_FUZZ_SRCS) nri-plugin/wire.h
	@mkdir -p $(@D)
	$(FUZZ_CXX) -Inri-plugin -o $@ $(FRAME_FUZZ_SRCS)

fuzz: $(BUILD)/fuzz/state_fuzz $(BUILD)/fuzz/frame_fuzz

deps:
	tests/install-deps

test:
	tests/run-all

test-host: tools fuzz
	tests/run-host $(BUILD)

test-guest:
	tests/integration/run $(SUITES)

# The sid flavor: trixie userland with sid's kernel, headers, gcc, bpftool and
# containerd (tests/integration/guest/packages.sid); its own cached image.
SID_SUITES ?= skeleton splice-semantics nri package
test-guest-sid:
	TCP_SPLICE_GUEST_FLAVOR=sid tests/integration/run $(SID_SUITES)

bench:
	tests/integration/run --bench

# Where this kernel runs the module (loaded, with the tools installed), the
# demo runs here; otherwise in the guest with this tree's build.
demo:
	@if [ -d /sys/module/tcp_splice ] && command -v tcp-splice-ctl >/dev/null; then \
		demo/redis-demo.sh; \
	else \
		echo "demo: this kernel has no tcp_splice module loaded: running in the guest (a few minutes the first time)"; \
		TCP_SPLICE_GUEST_TIMEOUT=1800 tests/integration/run --script demo/redis-demo.sh; \
	fi

soak:
	TSP_SOAK=1 tests/integration/run attacks

install: tools
	DESTDIR=$(DESTDIR) cmake --install $(BUILD)
	@if [ -e kernel/tcp_splice.ko ]; then \
		install -D -m 0644 kernel/tcp_splice.ko $(DESTDIR)/lib/modules/$(KVER)/extra/tcp_splice.ko; \
	else echo "kernel/tcp_splice.ko not built; skipping (make module first)"; fi

# The .debs, built from a clean copy under $(BUILD)/deb/src (the package's
# CMake configure has the tests off).
deb:
	debian/make-deb.sh $(BUILD)/deb

# A debian/changelog entry VERSION-1 on top, when VERSION moved past it.
DEB_MAINTAINER := $(shell sed -n 's/^Maintainer: //p' debian/control)
deb-changelog:
	@v=$$(cat VERSION); cur=$$(dpkg-parsechangelog -S Version); \
	if [ "$${cur%-*}" = "$$v" ]; then echo "debian/changelog is already at $$cur"; exit 0; fi; \
	{ printf 'tcp-splice (%s-1) unstable; urgency=medium\n\n  * Version %s.\n\n -- %s  %s\n\n' \
		"$$v" "$$v" "$(DEB_MAINTAINER)" "$$(date -R)"; cat debian/changelog; } >debian/changelog.new && \
	mv debian/changelog.new debian/changelog && echo "debian/changelog: added $$v-1"

clean:
	rm -rf $(BUILD)
	-$(MAKE) -C kernel KDIR=$(KDIR) clean 2>/dev/null

.PHONY: all module configure bpf ctl tools fuzz deps test test-host test-guest test-guest-sid bench demo soak install deb deb-changelog clean
