# Gateway build. `make` builds build/gateway; `make test` runs every suite on the normal and the
# sanitizer build; `make demo` runs the main job; `make deps` installs missing Debian packages.

PKGS      := xmlsec1-openssl libxml-2.0 openssl libcurl libevent_openssl libevent_pthreads sqlite3
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null | sed 's/-I/-isystem /g')
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CC        ?= cc
# Every C build uses WARN, the libFuzzer builds included.
WARN      := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
             -Wpointer-arith -Wcast-qual -Wwrite-strings -Wvla \
             -Wconversion -Wsign-conversion -Wimplicit-fallthrough
BASEFLAGS := -std=c17 -g $(WARN) -D_GNU_SOURCE -Iinclude $(PKG_CFLAGS) -MMD -MP -pthread
CFLAGS_RELEASE := -O2 -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
CFLAGS_ASAN    := -O1 -DGW_ERR_CHECKS -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS_RELEASE := -pie -Wl,-z,relro,-z,now
LDFLAGS_ASAN    := -fsanitize=address,undefined

SRCS      := $(wildcard gateway/*.c)
LIB_SRCS  := $(filter-out gateway/main.c,$(SRCS))
# fuzz_http.c has its own gw_reply in place of server.c's, so that target links without the server
FUZZ_HTTP_LIB_SRCS := $(filter-out gateway/server.c gateway/cmd_serve.c,$(LIB_SRCS))
UNIT_SRCS := $(wildcard tests/unit/*.c)
FUZZ_SRCS := $(wildcard tests/fuzz/*.c) $(wildcard tests/bench/*.c) tests/fault/fault.c
TSA_SRCS  := tests/tsa/tsa.c tests/tsa/tsa-check.c
# make bench: the in-process costs (bench) and the end-to-end load generator (loadgen), tests/bench/
BENCH_SRCS   := tests/bench/bench.c tests/bench/msggen.c tests/bench/memstub.c tests/bench/util.c
# the same with the counting allocator, for the heap high-water marks only (release build only: never ASan)
BENCH_MEM_SRCS := tests/bench/bench.c tests/bench/msggen.c tests/bench/memcount.c tests/bench/util.c
LOADGEN_SRCS := tests/bench/loadgen.c tests/bench/msggen.c tests/bench/util.c
# libFuzzer targets: tests/fuzz/fuzz_<t>.c each, corpus in tests/fuzz/corpus/<t>/, replayed by tests/run.sh
FUZZ_TARGETS := verify config parse tsp merkle envelope receipt http xades checkpoint

# $(1) build dir, $(2) extra cflags, $(3) extra ldflags
define build_rules
$(1)/obj/%.o: %.c
	@mkdir -p $$(dir $$@)
	@echo "  CC $$@"
	@$$(CC) $$(BASEFLAGS) $(2) -c $$< -o $$@

$(1)/gateway: $$(patsubst %.c,$(1)/obj/%.o,$$(SRCS))
	@echo "  LD $$@"
	@$$(CC) $(3) -pthread -o $$@ $$^ $$(PKG_LIBS)

$(1)/unit-tests: $$(patsubst %.c,$(1)/obj/%.o,$$(LIB_SRCS) $$(UNIT_SRCS))
	@echo "  LD $$@"
	@$$(CC) $(3) -pthread -o $$@ $$^ $$(PKG_LIBS)

$(1)/bench: $$(patsubst %.c,$(1)/obj/%.o,$$(LIB_SRCS) $$(BENCH_SRCS))
	@echo "  LD $$@"
	@$$(CC) $(3) -pthread -o $$@ $$^ $$(PKG_LIBS)

$(1)/bench-mem: $$(patsubst %.c,$(1)/obj/%.o,$$(LIB_SRCS) $$(BENCH_MEM_SRCS))
	@echo "  LD $$@"
	@$$(CC) $(3) -pthread -o $$@ $$^ $$(PKG_LIBS)

$(1)/loadgen: $$(patsubst %.c,$(1)/obj/%.o,$$(LIB_SRCS) $$(LOADGEN_SRCS))
	@echo "  LD $$@"
	@$$(CC) $(3) -pthread -o $$@ $$^ $$(PKG_LIBS)

$(1)/bench-paths: $$(patsubst %.c,$(1)/obj/%.o,$$(LIB_SRCS) tests/bench/bench_paths.c tests/bench/util.c)
	@echo "  LD $$@"
	@$$(CC) $(3) -pthread -o $$@ $$^ $$(PKG_LIBS)

$(1)/bench-merkle: $$(patsubst %.c,$(1)/obj/%.o,$$(LIB_SRCS) tests/bench/bench_merkle.c tests/bench/util.c)
	@echo "  LD $$@"
	@$$(CC) $(3) -pthread -o $$@ $$^ $$(PKG_LIBS)

$(1)/bench-audit: $$(patsubst %.c,$(1)/obj/%.o,$$(LIB_SRCS) tests/bench/bench_audit.c tests/bench/util.c)
	@echo "  LD $$@"
	@$$(CC) $(3) -pthread -o $$@ $$^ $$(PKG_LIBS)

# scripts/gateways.sh takes its free ports from this helper (tests and the demo)
$(1)/reserve-port: $(1)/obj/scripts/reserve-port.o
	@echo "  LD $$@"
	@$$(CC) $(3) -o $$@ $$^

# tests/tsa: the RFC 3161 test responder (OpenSSL and libevent only) and the checker's driver (tests only)
$(1)/test-tsa: $(1)/obj/tests/tsa/tsa.o
	@echo "  LD $$@"
	@$$(CC) $(3) -pthread -o $$@ $$^ $$(PKG_LIBS)

$(1)/tsa-check: $$(patsubst %.c,$(1)/obj/%.o,$$(LIB_SRCS) tests/tsa/tsa-check.c)
	@echo "  LD $$@"
	@$$(CC) $(3) -pthread -o $$@ $$^ $$(PKG_LIBS)

# one corpus-replay binary per fuzz target (tests/fuzz/fuzz_<t>.c with replay.c's main)
$(1)/fuzz-%: $$(patsubst %.c,$(1)/obj/%.o,$$(LIB_SRCS) tests/fuzz/replay.c tests/fuzz/common.c) $(1)/obj/tests/fuzz/fuzz_%.o
	@echo "  LD $$@"
	@$$(CC) $(3) -pthread -o $$@ $$^ $$(PKG_LIBS)

# the http target runs the handlers without the server: fuzz_http.c stands in for its replies
$(1)/fuzz-http: $$(patsubst %.c,$(1)/obj/%.o,$$(FUZZ_HTTP_LIB_SRCS) tests/fuzz/fuzz_http.c tests/fuzz/replay.c)
	@echo "  LD $$@"
	@$$(CC) $(3) -pthread -o $$@ $$^ $$(PKG_LIBS)

-include $$(patsubst %.c,$(1)/obj/%.d,$$(SRCS) $$(UNIT_SRCS) $$(FUZZ_SRCS) $$(TSA_SRCS) scripts/reserve-port.c)
endef

$(eval $(call build_rules,build,$(CFLAGS_RELEASE),$(LDFLAGS_RELEASE)))
$(eval $(call build_rules,build-asan,$(CFLAGS_ASAN),$(LDFLAGS_ASAN)))

# Allocation-failure tests, sanitizer build only: our objects' malloc/calloc/realloc/strdup calls go through
# the counting wrappers in tests/fault/fault.c (see its header comment).
FAULT_WRAP := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup
build-asan/fault-tests: $(patsubst %.c,build-asan/obj/%.o,$(LIB_SRCS) tests/fault/fault.c)
	@echo "  LD $@"
	@$(CC) $(LDFLAGS_ASAN) $(FAULT_WRAP) -pthread -o $@ $^ $(PKG_LIBS)

# object files made on the way to a fuzz binary are kept, not deleted as intermediates
.SECONDARY:


.PHONY: all asan deps test test-quick demo bench bench-paths bench-paths-profile bench-merkle bench-audit valgrind lint check-deps \
	analyze fuzz fault reliability clean

# $(1) build dir: everything the suites run from it
tools = $(1)/gateway $(1)/unit-tests $(1)/reserve-port $(1)/test-tsa $(1)/tsa-check $(FUZZ_TARGETS:%=$(1)/fuzz-%)

all: $(call tools,build)

asan: $(call tools,build-asan) build-asan/fault-tests

deps:
	@sh scripts/install-deps.sh

# The checks that run before the suites in `make test` (and so in CI); each is a target below.
CHECKS := lint analyze check-deps

# The checks, then the whole suite on both builds; ends with "N passed, N failed".
test: deps
	@$(MAKE) --no-print-directory $(CHECKS)
	@$(MAKE) --no-print-directory all asan
	@sh tests/run.sh build build-asan

# One build only, for a quick edit-test loop.
test-quick: all
	@sh tests/run.sh build

demo: deps
	@$(MAKE) --no-print-directory build/gateway build/reserve-port
	@sh scripts/demo.sh

# docs/performance.md: the cost of one message beside raw OpenSSL and libxml2 in the same run, then end to end
# with two gateways on 127.0.0.1 and the load generator; one table, and bench/results/summary.tsv.
# BENCH_ITERATIONS, BENCH_MESSAGES, BENCH_CONCURRENCY, BENCH_BYTES, BENCH_TIMEOUT: see tests/bench/run.sh.
bench: deps
	@$(MAKE) --no-print-directory build/gateway build/reserve-port build/bench build/bench-mem build/loadgen
	@sh tests/bench/run.sh build

# The submit and receive paths step by step against their floors, and 1 MB sign/verify MB/s and peak
# memory (docs/performance.md, "Receive and submit paths"). BENCH_ITERATIONS to change.
bench-paths: deps
	@$(MAKE) --no-print-directory build/bench-paths
	@build/bench-paths $(BENCH_ITERATIONS)

# The same paths in instructions per message (callgrind; repeatable where wall time is not). PROFILE_N messages.
bench-paths-profile:
	@$(MAKE) --no-print-directory build/bench-paths
	@sh tests/bench/profile-paths.sh $(PROFILE_N)

# Cost of the Merkle tree of the audit log: appends and proofs at 1,000,000 leaves (docs/audit.md 5.6).
# MERKLE_LEAVES to change the size.
bench-merkle:
	@$(MAKE) --no-print-directory build/bench-merkle
	@build/bench-merkle $(MERKLE_LEAVES)

# Allocation-failure tests (docs/notes.md, "Fault injection"): every allocation of the sign, verify and
# receive paths failed in turn, the libraries' included; known library defects are excused only as
# tests/fault/library-defects.txt lists them. About 20 minutes on the shared machine.
# FAULT_PATH=sign|verify|receive runs one path.
fault:
	@$(MAKE) --no-print-directory build-asan/fault-tests
	@build-asan/fault-tests $(FAULT_PATH)

# Cost of the digest in every audit entry: hashes, bytes per entry, verify (docs/audit.md 2.3).
# AUDIT_ENTRIES to change the number of entries written.
bench-audit:
	@$(MAKE) --no-print-directory build/bench-audit
	@build/bench-audit $(AUDIT_ENTRIES)

# Crash, outage, disk, connection and identity faults, one table of counts (docs/security.md, "Reliability");
# about four minutes, needs root for the small file system. RELIABILITY_KILLS, PEER_DOWN_SECONDS to change.
reliability: all
	@GATEWAY=$(CURDIR)/build/gateway BUILD=build sh tests/reliability/run.sh

valgrind: all
	@sh tests/run.sh --valgrind build

# Coverage-guided fuzzing with libFuzzer (clang). FUZZ_SECONDS per target; crashes land in build-fuzz/.
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS := -O1 -g $(WARN) -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer
# The HTTP target's store grows SQLite's caches, so nearly every input would trigger libFuzzer's leak check
# (25 times slower); its leaks are found by the corpus replay under ASan in `make test` instead.
FUZZ_HTTP_OPTS := -detect_leaks=0
# fuzz_http's store fsyncs every commit: in a tmpfs that costs nothing
FUZZ_TMPDIR ?= /dev/shm
fuzz:
	@mkdir -p build-fuzz
	@for t in $(FUZZ_TARGETS); do \
	  lib="$(LIB_SRCS)"; opts=; [ $$t != http ] || { lib="$(FUZZ_HTTP_LIB_SRCS)"; opts=$(FUZZ_HTTP_OPTS); }; \
	  clang -std=c17 -D_GNU_SOURCE -Iinclude $(PKG_CFLAGS) -pthread $(FUZZ_CFLAGS) -o build-fuzz/fuzz-$$t \
	    $$lib tests/fuzz/common.c tests/fuzz/fuzz_$$t.c $(PKG_LIBS) || exit 1; \
	  mkdir -p build-fuzz/corpus-$$t && cp tests/fuzz/corpus/$$t/* build-fuzz/corpus-$$t/; \
	  TMPDIR=$(FUZZ_TMPDIR) build-fuzz/fuzz-$$t -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=build-fuzz/ $$opts \
	    build-fuzz/corpus-$$t || exit 1; \
	done

# ---- Lint: banned functions and clang-format over every C file, shellcheck over every shell script ----
LINT_C     := $(wildcard gateway/*.c gateway/*.h include/gw/*.h tests/unit/*.c tests/unit/*.h tests/fuzz/*.[ch] \
                tests/bench/*.c tests/bench/*.h tests/tsa/*.c tests/fault/*.c scripts/*.c)
LINT_SHELL := .ci/run $(wildcard certs-example/*.sh scripts/*.sh tests/*.sh tests/*/*.sh tests/*/*.inc)

lint:
	@! grep -nE '\b(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol|strncpy|sscanf)\s*\(' $(LINT_C) \
	  || { echo "lint: banned function (see STYLE.md)"; exit 1; }
	@clang-format --dry-run --Werror $(LINT_C)
	@shellcheck --external-sources $(LINT_SHELL)

# No file includes a header of a higher layer; the layers are the table in docs/architecture.md section 1.
check-deps:
	@sh scripts/check-deps.sh

# ---- Static analysis: gcc -fanalyzer over each gateway/*.c (any warning fails: -Werror), then cppcheck ----
# cppcheck runs single-job so its whole-program checks (e.g. a NULL passed down a call chain) run too.
# .cppcheck-suppressions lists the confirmed false positives, each with its reason.
ANALYZE_CC   ?= gcc
ANALYZE_OBJS := $(patsubst %.c,build-analyze/%.o,$(SRCS))

build-analyze/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  ANALYZE $<"
	@$(ANALYZE_CC) $(BASEFLAGS) -fanalyzer -c $< -o $@

analyze: $(ANALYZE_OBJS)
	@echo "  CPPCHECK gateway include"
	@cppcheck --quiet --error-exitcode=1 --enable=warning,style,performance,portability --std=c11 \
	  --platform=unix64 --suppressions-list=.cppcheck-suppressions -D_GNU_SOURCE -Iinclude gateway include

-include $(ANALYZE_OBJS:.o=.d)

clean:
	rm -rf build build-asan build-fuzz build-analyze
