# Gateway build. `make` builds build/gateway; `make test` runs every suite on the normal and the
# sanitizer build; `make demo` runs the main job; `make deps` installs missing Debian packages.

PKGS      := xmlsec1-openssl libxml-2.0 openssl libcurl libevent_openssl libevent_pthreads sqlite3
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null | sed 's/-I/-isystem /g')
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CC        ?= cc
WARN      := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
             -Wpointer-arith -Wcast-qual -Wwrite-strings -Wvla
BASEFLAGS := -std=c17 -g $(WARN) -D_GNU_SOURCE -Iinclude $(PKG_CFLAGS) -MMD -MP -pthread
CFLAGS_RELEASE := -O2 -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
CFLAGS_ASAN    := -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS_RELEASE := -pie -Wl,-z,relro,-z,now
LDFLAGS_ASAN    := -fsanitize=address,undefined

SRCS      := $(wildcard gateway/*.c)
LIB_SRCS  := $(filter-out gateway/main.c,$(SRCS))
UNIT_SRCS := $(wildcard tests/unit/*.c)
FUZZ_SRCS := $(wildcard tests/fuzz/*.c) tests/bench/bench.c

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

$(1)/bench: $$(patsubst %.c,$(1)/obj/%.o,$$(LIB_SRCS) tests/bench/bench.c)
	@echo "  LD $$@"
	@$$(CC) $(3) -pthread -o $$@ $$^ $$(PKG_LIBS)

# scripts/gateways.sh takes its free ports from this helper (tests and the demo)
$(1)/reserve-port: $(1)/obj/scripts/reserve-port.o
	@echo "  LD $$@"
	@$$(CC) $(3) -o $$@ $$^

$(1)/fuzz-verify: $$(patsubst %.c,$(1)/obj/%.o,$$(LIB_SRCS) tests/fuzz/fuzz_verify.c tests/fuzz/replay.c)
	@echo "  LD $$@"
	@$$(CC) $(3) -pthread -o $$@ $$^ $$(PKG_LIBS)

$(1)/fuzz-config: $$(patsubst %.c,$(1)/obj/%.o,$$(LIB_SRCS) tests/fuzz/fuzz_config.c tests/fuzz/replay.c)
	@echo "  LD $$@"
	@$$(CC) $(3) -pthread -o $$@ $$^ $$(PKG_LIBS)

-include $$(patsubst %.c,$(1)/obj/%.d,$$(SRCS) $$(UNIT_SRCS) $$(FUZZ_SRCS) scripts/reserve-port.c)
endef

$(eval $(call build_rules,build,$(CFLAGS_RELEASE),$(LDFLAGS_RELEASE)))
$(eval $(call build_rules,build-asan,$(CFLAGS_ASAN),$(LDFLAGS_ASAN)))

.PHONY: all asan deps test test-quick demo bench valgrind lint check-deps fuzz clean

all: build/gateway build/unit-tests build/fuzz-verify build/fuzz-config build/reserve-port

asan: build-asan/gateway build-asan/unit-tests build-asan/fuzz-verify build-asan/fuzz-config build-asan/reserve-port

deps:
	@sh scripts/install-deps.sh

# The whole suite on both builds; ends with "N passed, N failed".
test: deps
	@$(MAKE) --no-print-directory all asan
	@sh tests/run.sh build build-asan

# One build only, for a quick edit-test loop.
test-quick: all
	@sh tests/run.sh build

demo: deps
	@$(MAKE) --no-print-directory build/gateway build/reserve-port
	@sh scripts/demo.sh

# Cost of one message against raw OpenSSL in the same run (DESIGN §9). BENCH_ITERATIONS to change.
bench: deps
	@$(MAKE) --no-print-directory build/bench
	@build/bench $(BENCH_ITERATIONS)

valgrind: all
	@sh tests/run.sh --valgrind build

# Coverage-guided fuzzing with libFuzzer (clang). FUZZ_SECONDS per target; crashes land in build-fuzz/.
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS := -O1 -g -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer
fuzz:
	@mkdir -p build-fuzz
	@for t in verify config; do \
	  clang -std=c17 -D_GNU_SOURCE -Iinclude $(PKG_CFLAGS) -pthread $(FUZZ_CFLAGS) -o build-fuzz/fuzz-$$t \
	    $(LIB_SRCS) tests/fuzz/fuzz_$$t.c $(PKG_LIBS) || exit 1; \
	  mkdir -p build-fuzz/corpus-$$t && cp tests/fuzz/corpus/$$t/* build-fuzz/corpus-$$t/; \
	  build-fuzz/fuzz-$$t -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=build-fuzz/ build-fuzz/corpus-$$t \
	    || exit 1; \
	done

lint:
	@! grep -nE '\b(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol|strncpy|sscanf)\s*\(' gateway/*.c include/gw/*.h \
	  || { echo "lint: banned function (see STYLE.md)"; exit 1; }
	@clang-format --dry-run --Werror gateway/*.c include/gw/*.h tests/unit/*.c tests/unit/*.h tests/fuzz/*.c \
	  tests/bench/*.c

# No file includes a header of a higher layer; the layers are the table in docs/architecture.md section 1.
check-deps:
	@sh scripts/check-deps.sh

clean:
	rm -rf build build-asan build-fuzz
