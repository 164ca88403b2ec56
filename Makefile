# vzhost: one non-recursive Makefile for the host, its plugins, tests and tools.
#   make                      build/vzhost and build/plugins/*.so
#   make test                 install missing Debian packages, build, run every test
#   make check SAN=address,undefined B=build-san   the same under sanitizers
#   make mutate               break the code on purpose (tests/mutants): the tests must notice
#   make coverage             line and branch coverage of make test, per file
#   make mutate-sample N=100 SEED=7   mutants drawn at random, judged by the tests that run them
#   make lint | install | compdb | fuzz | bench

VERSION := 0.1.0
B ?= build
SAN ?=
PREFIX ?= /usr/local
SYSCONFDIR ?= /etc
DESTDIR ?=
CC ?= cc
FUZZ_SECONDS ?= 30

# Debian packages the build and the tests need; `make deps` installs the missing ones.
DEB_BUILD := gcc make pkg-config libconfig-dev libjansson-dev uthash-dev libpcre2-dev \
	libelf-dev
# (npm fetches Zig from the npm registry for the macOS compile check; systemd's
# systemd-analyze rates the service unit)
DEB_TEST := libcmocka-dev clang libclang-rt-14-dev clang-format binutils llvm \
	qemu-system-x86 qemu-utils ovmf python3 util-linux lcov patch passt nbdkit swtpm \
	mandoc npm systemd python3-clang
DEB_ALL := $(DEB_BUILD) $(DEB_TEST)

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-missing-field-initializers
CFLAGS ?= -O2 -g
SANFLAGS := $(if $(SAN),-fsanitize=$(SAN) -fno-omit-frame-pointer -fno-sanitize-recover=all)
FUZZFLAGS := $(if $(FUZZ),-fsanitize=fuzzer-no-link)
ALL_CFLAGS := -std=gnu11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(SANFLAGS) $(FUZZFLAGS) -MMD -MP \
	-DVZH_VERSION='"$(VERSION)"'
LDFLAGS ?=
ALL_LDFLAGS := $(LDFLAGS) $(SANFLAGS)
LIBS := -lconfig -ljansson -lpcre2-8 -lelf -ldl

# what differs between the systems is in core/*-<system>.c (core/os.h, core/plugsym.h)
OS := $(if $(filter Darwin,$(shell uname -s)),darwin,linux)
OTHER_OS := $(if $(filter darwin,$(OS)),linux,darwin)

# Plugins export their descriptor and nothing else, and leave nothing undefined
# (they reach the core through its function table only).
# (coverage hooks live in the fuzzer binary, which exports none to plugins)
PLUGIN_CFLAGS := $(filter-out $(FUZZFLAGS),$(ALL_CFLAGS)) -Isdk -fPIC -fvisibility=hidden
ifeq ($(OS),darwin)
# macOS (not run here; tests/macos/check.sh compiles the same sources for it): clang,
# Homebrew's libconfig, jansson, cmocka and uthash through pkg-config; ld64's
# equivalents of the version script and -z defs; vzhost ad-hoc signed after every
# link with the Virtualization entitlement (bridge/vz/vzhost.entitlements)
CC := clang
ALL_CFLAGS += $(shell pkg-config --cflags libconfig jansson libpcre2-8 cmocka 2>/dev/null)
LIBS := $(shell pkg-config --libs libconfig jansson libpcre2-8 2>/dev/null || \
	echo -lconfig -ljansson -lpcre2-8)
PLUGIN_LDFLAGS := $(ALL_LDFLAGS) -bundle -Wl,-exported_symbols_list,sdk/plugin.exports \
	-Wl,-undefined,error
VZ_SRCS := $(wildcard bridge/vz/*.m)
LIBS += -framework Foundation -framework AppKit -framework Virtualization
SHARED := -bundle
# what a third-party plugin links with (pkg-config --libs vzhost-plugin): a
# symbol it uses and nobody defines is a link error, not a load error
SDK_LIBS := -bundle -Wl,-undefined,error
# launchd's property list, with this build's paths (copied into place by hand:
# README says where)
define SERVICE_INSTALL
install -d $(DESTDIR)$(PREFIX)/share/vzhost $(DESTDIR)$(PREFIX)/var/log
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' conf/vzhost.plist.in \
		> $(DESTDIR)$(PREFIX)/share/vzhost/org.vzhost.default.plist
endef
SIGN = codesign --force --sign - --entitlements bridge/vz/vzhost.entitlements $@
EXPORTED = nm -gU $(1) | awk '{print $$3}' | sed 's/^_//'
else
PLUGIN_LDFLAGS := $(ALL_LDFLAGS) -shared -Wl,--version-script=sdk/plugin.map \
	$(if $(SAN),,-Wl,-z,defs)
VZ_SRCS :=
SIGN :=
SHARED := -shared
SDK_LIBS := -shared -Wl,-z,defs
# systemd's template units, with this build's paths: vzhost@ (the user vzhost,
# sandboxed; the user from sysusers.d) and vzhost-root@ (root, for shares)
define SERVICE_INSTALL
install -d $(DESTDIR)$(PREFIX)/lib/systemd/system $(DESTDIR)$(PREFIX)/lib/sysusers.d
	for u in vzhost@ vzhost-root@; do \
		sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' conf/$$u.service.in \
			> $(DESTDIR)$(PREFIX)/lib/systemd/system/$$u.service || exit 1; \
	done
	sed -e 's|@PREFIX@|$(PREFIX)|g' conf/vzhost.sysusers.in > $(DESTDIR)$(PREFIX)/lib/sysusers.d/vzhost.conf
endef
EXPORTED = nm -D --defined-only $(1) | awk '{print $$3}'
endif
CORE_SRCS := $(filter-out core/%-$(OTHER_OS).c,$(wildcard core/*.c)) \
	$(wildcard bridge/*.c) $(wildcard bridge/qemu/*.c) \
	$(filter-out %-$(OTHER_OS).c,$(wildcard bridge/vz/*.c))
CORE_LIB_OBJS := $(patsubst %.c,$(B)/obj/%.o,$(filter-out core/main.c,$(CORE_SRCS))) \
	$(patsubst %.m,$(B)/obj/%.o,$(VZ_SRCS))
PLUGINS := $(notdir $(wildcard plugins/*))
PLUGIN_SOS := $(PLUGINS:%=$(B)/plugins/%.so)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRCS)) \
	$(patsubst tests/integration/%.c,$(B)/tests/%,$(wildcard tests/integration/it_*.c))
FIXTURES := $(patsubst tests/fixtures/plugins/%.c,$(B)/fixtures/%.so,$(wildcard tests/fixtures/plugins/*.c))
FAKEAPI_OBJ := $(B)/obj/tests/unit/fakeapi.o $(B)/obj/tests/unit/helpers.o

.SECONDARY:
.PHONY: all test test-bins check deps lint install compdb fuzz fuzz-run bench clean guest \
	demo mutate mutate-sample coverage check-macos check-vz
all: $(B)/vzhost $(PLUGIN_SOS)

$(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# Objective-C (bridge/vz, macOS only): ARC
$(B)/obj/%.o: %.m
	@mkdir -p $(@D)
	$(CC) $(filter-out -std=gnu11,$(ALL_CFLAGS)) -fobjc-arc -c $< -o $@

$(B)/libvzhcore.a: $(CORE_LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(B)/vzhost: $(B)/obj/core/main.o $(B)/libvzhcore.a
	$(CC) $(ALL_LDFLAGS) $^ $(LIBS) -o $@
	$(SIGN)
	@chmod go-w $@ $(B)

$(B)/plugins/%.so: plugins/%/*.c sdk/vzhost/plugin.h sdk/plugin.map sdk/plugin.exports
	@mkdir -p $(@D)
	$(CC) $(PLUGIN_CFLAGS) $(filter %.c,$^) $(PLUGIN_LDFLAGS) -o $@
	@chmod go-w $@ $(@D)

# ---- the test guest and the demo --------------------------------------------

# Debian's cloud kernel and busybox, downloaded and unpacked once (nothing installed)
GUEST := build/guest
guest: $(GUEST)/initrd.img
$(GUEST)/initrd.img: tests/guest/init tests/guest/build.sh
	tests/guest/build.sh $(GUEST)

# what a newcomer tries next, printed at the demo's end (tests/docs.sh runs each
# command as printed)
define DEMO_NEXT

The demo guest powered itself off. In this tree vzhost is $(B)/vzhost (make install
puts it on PATH). Next:
  $(B)/vzhost --help
  $(B)/vzhost -c conf/demo-interactive.conf   # the guest stays up: a line typed is said back, "off" powers it off, Ctrl-] q stops it
and while it runs, in another terminal:
  $(B)/vzhost ctl demo wait ready             # once it has booted
  $(B)/vzhost ctl demo status
  $(B)/vzhost ctl demo pause                  # its hooks print paused, then resumed
  $(B)/vzhost ctl demo resume
  $(B)/vzhost ctl demo console                # its console here too: Ctrl-] d detaches
  $(B)/vzhost ctl demo stop                   # the guest is asked to power off
More: man ./conf/vzhost.1, man ./conf/vzhost.conf.5, conf/host.conf (every setting),
README.md, PLUGINS.md (plugins) and tests/guest/README.md (what the guest can do).
endef
export DEMO_NEXT

demo: deps
	@$(MAKE) --no-print-directory all guest
	$(B)/vzhost -c conf/demo.conf
	@printf '%s\n' "$$DEMO_NEXT"

# ---- tests -----------------------------------------------------------------

$(B)/fixtures/%.so: tests/fixtures/plugins/%.c sdk/vzhost/plugin.h
	@mkdir -p $(@D)
	$(CC) $(PLUGIN_CFLAGS) $< $(ALL_LDFLAGS) $(SHARED) -o $@
	@chmod go-w $@ $(@D)

$(B)/tests/test_%: $(B)/obj/tests/unit/test_%.o $(FAKEAPI_OBJ) $(B)/libvzhcore.a
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) $^ $(LIBS) -lcmocka -lpthread -o $@

$(B)/tests/it_%: $(B)/obj/tests/integration/it_%.o $(FAKEAPI_OBJ) $(B)/libvzhcore.a
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) $^ $(LIBS) -lcmocka -lpthread -o $@

# the vz bridge's forward relay (bridge/fwd.c) on its own, for a test
# against a guest that QEMU makes reachable
$(B)/tests/fwdrun: $(B)/obj/tests/integration/fwdrun.o $(B)/libvzhcore.a
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) $^ $(LIBS) -o $@

$(B)/obj/tests/%.o: ALL_CFLAGS += -Isdk -Icore -Itests/unit
$(B)/tests/abi: tests/abi/abi.c sdk/vzhost/plugin.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Isdk $< $(ALL_LDFLAGS) -o $@

TEST_BINS := $(B)/vzhost $(PLUGIN_SOS) $(FIXTURES) $(UNIT_BINS) $(B)/tests/abi \
	$(B)/tests/fwdrun

test: deps
	@$(MAKE) --no-print-directory B=$(B) SAN=$(SAN) test-bins
	@B=$(B) SAN=$(SAN) tests/run.sh

test-bins: $(TEST_BINS) guest

# the core, the bridges' C, the SDK and the plugins compiled for macOS (objects only):
# a Linux-only call fails it; part of make test (the macos suite)
check-macos:
	@B=$(B) sh tests/macos/check.sh

# the vz bridge's Objective-C compiled for aarch64-macos.13.0 (ARC, blocks, the real
# objc/dispatch headers, tests/macos/sdk's declarations); part of make test too
check-vz:
	@B=$(B) VZ_ONLY=1 sh tests/macos/check.sh

# every mutant under tests/mutants must make its suites fail (the whole suite once,
# then each mutant's suites: far longer than make test; README says what was measured)
mutate: deps
	@$(MAKE) --no-print-directory test-bins
	@tests/mutate.sh

# make test with gcov counters in build-cov (the tests' own builds too: backends
# installs), then lcov's per-file table; on the way,
# the lines each suite (each test of the shell suites) executed: build-cov/covmap,
# which make mutate-sample reads
CB := build-cov
COVFLAGS := CFLAGS="-O0 -g --coverage" LDFLAGS=--coverage
COVSNAP := $(CURDIR)/tests/mutgen/covsnap.py
coverage: deps
	@$(MAKE) --no-print-directory B=$(CB) $(COVFLAGS) test-bins
	@find $(CB) -name '*.gcda' -delete
	@rm -rf $(CB)/covmap && mkdir -p $(CB)/covmap && touch $(CB)/covmap/.last
	@B=$(CB) $(COVFLAGS) VZH_COVMAP=$(CURDIR)/$(CB)/covmap \
		VZH_AFTER_SUITE=$(COVSNAP) VZH_AFTER_TEST=$(COVSNAP) tests/run.sh > $(CB)/tests.log 2>&1 || \
		{ tail -n 40 $(CB)/tests.log; exit 1; }
	@$(PY) tests/mutgen/covsnap.py --sources $(CURDIR)/$(CB)/covmap
	@tail -n 1 $(CB)/tests.log
	@lcov --quiet --capture --directory $(CB) --rc lcov_branch_coverage=1 \
		--output-file $(CB)/all.info 2>/dev/null
	@lcov --quiet --extract $(CB)/all.info '$(CURDIR)/core/*' '$(CURDIR)/bridge/*' \
		'$(CURDIR)/plugins/*' --rc lcov_branch_coverage=1 --output-file $(CB)/cov.info
	@lcov --list $(CB)/cov.info --rc lcov_branch_coverage=1 | sed 's|$(CURDIR)/||'
	@echo "HTML: genhtml --branch-coverage -o $(CB)/html $(CB)/cov.info"

# N mutants drawn with SEED over core/, bridge/ and plugins/ (libclang), each judged
# by the tests that execute its line; survivors re-run against the whole make test
# (README: "Sampled mutants")
N ?= 100
SEED ?= 1
# Debian's python3, whose clang module python3-clang installs
PY := /usr/bin/python3
mutate-sample: deps
	@test -d $(CB)/covmap || $(MAKE) --no-print-directory coverage
	@$(MAKE) --no-print-directory test-bins
	@$(PY) tests/mutgen/sample.py -n $(N) --seed $(SEED)

check: test

# (an npm command already on PATH counts: NodeSource's nodejs package ships its own,
# and Debian's npm cannot be installed beside it)
deps:
	@missing=$$(for p in $(DEB_ALL); do \
		[ $$p = npm ] && command -v npm > /dev/null && continue; \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
		grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing: $$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# ---- tools -----------------------------------------------------------------

# (tests/macos/sdk: declarations laid out as Apple's SDK headers are, not our C;
# tests/fixtures/sdk-1.*: the SDK's headers as they shipped, frozen)
FORMAT_SRCS = $(filter-out tests/macos/sdk/% tests/fixtures/sdk-1.%,$(shell git ls-files '*.c' '*.h' 2>/dev/null || \
	find core plugins sdk tests bridge -name '*.[ch]'))

lint: $(PLUGIN_SOS) $(B)/libvzhcore.a
	@# a patch's leftovers are never part of the tree
	@left=$$(git ls-files '*.orig' '*.rej' 2>/dev/null); \
	if [ -n "$$left" ]; then echo "lint: patch leftovers tracked: $$left"; exit 1; fi
	clang-format --dry-run --Werror $(FORMAT_SRCS)
	mandoc -Tlint -Wwarning conf/vzhost.1 conf/vzhost.conf.5
	@# what -Tlint lets through: quoting macros nested the wrong way render as ("a, "b"")
	@sh tests/manquotes.sh conf/vzhost.1 conf/vzhost.conf.5
	@echo "lint: manual pages ok (mandoc -Tlint; quotes in pairs as rendered)"
	@for so in $(PLUGIN_SOS); do \
		syms=$$($(call EXPORTED,$$so) | sort -u | tr '\n' ' '); \
		if [ "$$syms" != "vzh_plugin_descriptor " ]; then \
			echo "$$so exports more than its descriptor: $$syms"; exit 1; fi; \
	done; echo "lint: format ok, $(words $(PLUGIN_SOS)) plugins export only vzh_plugin_descriptor"
	@for p in tests/mutants/*.patch; do \
		grep -q '^[-+][^-+]' $$p || { echo "$$p changes nothing: remake it"; exit 1; }; \
		patch -s -f -p1 --fuzz=0 --dry-run < $$p > /dev/null 2>&1 || { \
			echo "$$p no longer applies: remake it (tests/mutate.sh says how)"; exit 1; }; \
	done; echo "lint: $$(ls tests/mutants/*.patch | wc -l) mutants apply, each changing a line"
	@# bridges: bridge.h and the small core headers it names, nothing that
	@# brings libconfig or the plugin machinery (bridge/README.md)
	@bad=$$(grep -Hn '^#include "' bridge/*.[ch] bridge/*/*.[ch] | grep -vE \
		'"(\.\./)*(bridge\.h|[a-z]+\.h|core/(diag|machine|log|util|fd|os|proc|statedir|console|state|progress|hostport)\.h)"'); \
	if [ -n "$$bad" ]; then echo "bridge includes outside its contract:"; echo "$$bad"; exit 1; fi
	@for f in $(filter bridge/%,$(CORE_SRCS)); do \
		$(CC) $(filter-out -MMD -MP,$(ALL_CFLAGS)) -M $$f | grep -qE 'libconfig\.h|core/(host|cfg|loader|registry|runner)\.h' && \
			{ echo "$$f pulls in libconfig or the core's host"; exit 1; }; \
	done; echo "lint: bridges include only their contract"
	@# the core depends downward: the control socket and the hooks call
	@# nothing of the loop (run.c) but through r->act
	@for o in ctl hooks events; do \
		nm $(B)/obj/core/$$o.o | grep -qE ' U (runner_|run_)' && \
			{ echo "core/$$o.c calls into run.c"; exit 1; }; \
	done; echo "lint: core/ctl.c, hooks.c, events.c call nothing of run.c"

sdk/vzhost-plugin.pc: sdk/vzhost-plugin.pc.in Makefile
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' -e 's|@LIBS@|$(SDK_LIBS)|' $< > $@

install: all
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' -e 's|@LIBS@|$(SDK_LIBS)|' \
		sdk/vzhost-plugin.pc.in > $(B)/vzhost-plugin.pc
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/vzhost/plugins \
		$(DESTDIR)$(PREFIX)/include/vzhost $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 755 $(B)/vzhost $(DESTDIR)$(PREFIX)/bin/vzhost
	install -m 644 $(PLUGIN_SOS) $(DESTDIR)$(PREFIX)/lib/vzhost/plugins/
	install -m 644 sdk/vzhost/plugin.h $(DESTDIR)$(PREFIX)/include/vzhost/plugin.h
	install -m 644 $(B)/vzhost-plugin.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/vzhost-plugin.pc
	@# manual pages, bash completion, and the service manager's unit
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 644 conf/vzhost.1 $(DESTDIR)$(PREFIX)/share/man/man1/vzhost.1
	install -m 644 conf/vzhost.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/vzhost.conf.5
	install -m 644 conf/vzhost.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/vzhost
	$(SERVICE_INSTALL)

# compile_commands.json from the rules above, without an extra tool
compdb:
	@{ echo '['; sep=''; \
	for f in $(CORE_SRCS); do printf '%s{"directory":"%s","file":"%s","command":"%s %s -c %s"}\n' \
		"$$sep" "$(CURDIR)" "$$f" "$(CC)" "$(ALL_CFLAGS)" "$$f"; sep=','; done; \
	for p in $(PLUGINS); do for f in plugins/$$p/*.c; do \
		printf ',{"directory":"%s","file":"%s","command":"%s %s -c %s"}\n' \
		"$(CURDIR)" "$$f" "$(CC)" "$(PLUGIN_CFLAGS)" "$$f"; done; done; \
	for f in $(UNIT_SRCS) tests/unit/fakeapi.c; do \
		printf ',{"directory":"%s","file":"%s","command":"%s %s -Isdk -Icore -c %s"}\n' \
		"$(CURDIR)" "$$f" "$(CC)" "$(ALL_CFLAGS)" "$$f"; done; \
	echo ']'; } | sed 's/-DVZH_VERSION=[^ ]*//' > compile_commands.json
	@echo "wrote compile_commands.json"

# libFuzzer target for the config pipeline, in its own build directory
FB := build-fuzz
fuzz:
	@$(MAKE) --no-print-directory B=$(FB) CC=clang SAN=address,undefined FUZZ=1 \
		$(FB)/fuzz_config $(FB)/fuzz_ctl $(patsubst %,$(FB)/plugins/%.so,$(PLUGINS))

$(B)/fuzz_config $(B)/fuzz_ctl: $(B)/fuzz_%: $(B)/obj/tests/fuzz/fuzz_%.o $(B)/libvzhcore.a
	$(CC) $(ALL_LDFLAGS) -fsanitize=fuzzer $^ $(LIBS) -o $@

fuzz-run: fuzz
	@mkdir -p $(FB)/corpus
	@cp tests/golden/*.conf tests/bad/*.conf $(FB)/corpus/ 2>/dev/null || true
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	$(FB)/fuzz_config -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=10 -artifact_prefix=$(FB)/ \
		-print_final_stats=1 $(FB)/corpus
	@mkdir -p $(FB)/corpus-ctl
	@printf '{"command":"status"}\n{"command":"save","path":"/x"}\n' > $(FB)/corpus-ctl/seed
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	$(FB)/fuzz_ctl -max_total_time=$(FUZZ_SECONDS) -max_len=16384 -timeout=10 -artifact_prefix=$(FB)/ \
		-print_final_stats=1 $(FB)/corpus-ctl

bench: all guest
	@$(MAKE) --no-print-directory $(B)/bench_check $(B)/bench_boot $(B)/stamp \
		$(B)/bench_events $(B)/hookstamp
	@B=$(B) tests/bench/run.sh
	@B=$(B) tests/bench/boot.sh
	@B=$(B) tests/bench/events.sh
	@B=$(B) tests/bench/backend.sh
	@B=$(B) tests/bench/channel.sh

$(B)/bench_events: $(B)/obj/tests/bench/bench_events.o $(B)/libvzhcore.a
	$(CC) $(ALL_LDFLAGS) $^ $(LIBS) -lpthread -o $@

$(B)/bench_check $(B)/bench_boot $(B)/stamp $(B)/hookstamp: $(B)/%: tests/bench/%.c
	$(CC) $(ALL_CFLAGS) $< -o $@

clean:
	rm -rf build build-san build-fuzz build-cov build-mutate build-sample compile_commands.json

-include $(shell find $(B) -name '*.d' 2>/dev/null)
