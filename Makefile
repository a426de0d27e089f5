# rr: a small application server for PHP workers.  See README.md.
#
#   make          build ./rr
#   make test     build and run every test (ends with "N passed, N failed")
#   make check    the same tests, everything built with ASan and UBSan
#   make fuzz     bounded libFuzzer runs (FUZZ_SECONDS each, clang)
#   make bench    performance figures (not part of test)

CC	?= cc
CFLAGS	?= -O2 -g
WARN	 = -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wpointer-arith -Wformat=2
VERSION	 = 0.1.0
CPPFLAGS += -D_GNU_SOURCE -DRR_VERSION='"$(VERSION)"'
LDLIBS	 = -lyaml

ifeq ($(SAN),1)
O	 = build-san
RR	 = build-san/rr
XFLAGS	 = -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=all
else
O	 = build
RR	 = rr
XFLAGS	 =
endif

LIB	 = buf config keys tree parse cron tz next schedules goridge log worker pool oninit launch ticker listen rpc json services notify cluster ctl relay http status hist expo metrics redis
LIBOBJ	 = $(LIB:%=$(O)/%.o)
HDRS	 = $(wildcard *.h)
UNITS	 = $(patsubst tests/%.c,$(O)/tests/%,$(wildcard tests/unit_*.c))
WORKERS	 = $(patsubst tests/workers/%.c,$(O)/tests/workers/%,\
	   $(filter-out tests/workers/tw.c,$(wildcard tests/workers/*.c)))

FUZZ_SECONDS ?= 60
FUZZERS	 = $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))

all: $(RR)

# Code that runs at start or when an operator asks, never per tick, frame
# or call: small rather than fast.  rr's peak memory is mostly the pages
# of code it touches (its own and libc's, mapped by fault-around).
COLD	 = config keys tree parse next ctl listen notify relay json status
$(COLD:%=$(O)/%.o): CFLAGS += -Os

$(RR): $(O)/rr.o $(LIBOBJ)
	$(CC) $(CFLAGS) $(XFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(O)/%.o: %.c $(HDRS) Makefile
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(XFLAGS) -c -o $@ $<

$(O)/tests/unit_%: tests/unit_%.c tests/unit.h tests/unit_time.h $(LIBOBJ)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -I. $(WARN) $(CFLAGS) $(XFLAGS) -o $@ $< $(LIBOBJ) $(LDLIBS)

$(O)/tests/workers/%: tests/workers/%.c tests/workers/tw.c tests/workers/tw.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(XFLAGS) -o $@ $< tests/workers/tw.c

build-tests: $(RR) $(UNITS) $(WORKERS)

test: build-tests
	RR=$(RR) O=$(O) $(if $(RELAYS),RELAYS="$(RELAYS)") tests/run

# under the sanitizers, every file once (pipes; t_relay covers the socket
# relays' own code): the reruns on a relay add time, not code
check:
	$(MAKE) SAN=1 RELAYS= test

soak: build-tests
	RR=$(RR) O=$(O) tests/soak/run

# libFuzzer targets: tests/fuzz/fuzz_NAME.c, seeded from tests/fuzz/seed_NAME/
# (the Goridge vectors and the configs the tests use).  rr's files are
# compiled once for all of them, instrumented for coverage.
FUZZFLAGS = -I. -std=c11 -g -O1 -fsanitize=address,undefined
FUZZOBJ	 = $(LIB:%=build-fuzz/lib/%.o)
.SECONDARY: $(FUZZOBJ)

build-fuzz/lib/%.o: %.c $(HDRS) Makefile
	@mkdir -p $(@D)
	clang $(CPPFLAGS) $(FUZZFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

build-fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h $(FUZZOBJ)
	@mkdir -p $(@D)
	clang $(CPPFLAGS) $(FUZZFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZOBJ) \
	    $(LDLIBS)

fuzz: $(FUZZERS:%=build-fuzz/%)
	tests/fuzz/run $(FUZZ_SECONDS) $(FUZZERS)

bench: $(RR)
	$(MAKE) -C bench run

clean:
	rm -rf build build-san build-fuzz rr

.PHONY: all test check fuzz bench clean build-tests
