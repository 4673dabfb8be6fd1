# Fuzzing (issue 7). Included by the top-level Makefile.
#
#   make fuzz FUZZ_SECONDS=N [FUZZ_JOBS=2] [FUZZ_TARGETS="frame json"]
#        builds every tests/fuzz/fuzz_<target>.c with clang -fsanitize=fuzzer,address,undefined
#        into build/fuzz/ and runs each for N seconds (default 60), at most FUZZ_JOBS at a time,
#        on a growing corpus build/fuzz/corpus/<target>/ seeded from ../shared/vectors, spec/
#        and the regression inputs. Summary (execs/s, coverage): build/fuzz/summary.txt.
#   make fuzz-build      just the libFuzzer binaries
#   make fuzz-replay     the same harnesses with a plain main (tests/fuzz/replay_main.c) built
#                        with $(CC) into $(BUILD)/fuzz-replay/, for replaying regression inputs
#                        without libFuzzer (gcc works; SAN=1 gives ASan+UBSan)
#   make fuzz-seeds      regenerate build/fuzz/seeds/<target>/
#
# libFuzzer comes with clang's runtime: Debian 12 needs clang and libclang-rt-14-dev
# (tests/fuzz/ensure-fuzz-deps.sh installs them when missing and we are root).

FUZZ_CC       ?= clang
FUZZ_BUILD    ?= build/fuzz
FUZZ_SECONDS  ?= 60
FUZZ_JOBS     ?= 1
FUZZ_ALL      := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_TARGETS  ?= $(FUZZ_ALL)
# Libraries are instrumented for coverage (fuzzer-no-link) and sanitizers; only the harness
# link pulls in libFuzzer's main.
FUZZ_LIBSAN    = -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
FUZZ_SAN       = -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
FUZZ_LIBS      = $(FUZZ_BUILD)/libresidue.a $(FUZZ_BUILD)/librprotoc.a $(FUZZ_BUILD)/librproto.a
FUZZ_HDRS     := $(wildcard tests/fuzz/*.h)
FUZZ_BIN       = $(FUZZ_ALL:%=$(FUZZ_BUILD)/fuzz_%)
REPLAY_BIN     = $(FUZZ_ALL:%=$(BUILD)/fuzz-replay/fuzz_%)

.PHONY: fuzz fuzz-build fuzz-libs fuzz-replay fuzz-seeds fuzz-deps

fuzz-deps:
	@tests/fuzz/ensure-fuzz-deps.sh

# The instrumented libraries come from the main Makefile's own rules, run with clang into
# build/fuzz (recursive make, so nothing here duplicates how the libraries are built).
FUZZ_SUBMAKE = $(MAKE) --no-print-directory CC=$(FUZZ_CC) BUILD=$(FUZZ_BUILD) OPT="-O1 -g" \
	    SANFLAGS="$(FUZZ_LIBSAN)"
fuzz-libs: fuzz-deps
	+@$(FUZZ_SUBMAKE) $(FUZZ_LIBS)

# The libraries are a link group: rp_session (runtime) calls the generated codecs, which call
# the runtime.
# Each harness is relinked when the libraries change (fuzz-libs is re-run by fuzz-build).
$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_HDRS) $(FUZZ_LIBS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CSTD) -O1 -g $(WARN) $(FUZZ_SAN) $(RT_INC) -Iruntime/residue -Igenerated -Igenerator \
	    -I$(FUZZ_BUILD)/gen -Itests/fuzz -o $@ $< -Wl,--start-group $(FUZZ_LIBS) -Wl,--end-group $(LIBS_RT)

fuzz-build: fuzz-deps
	+@$(FUZZ_SUBMAKE) $(FUZZ_LIBS) $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

fuzz-seeds:
	@tests/fuzz/make-seeds.sh $(FUZZ_BUILD)/seeds

fuzz: fuzz-build fuzz-seeds
	@FUZZ_BUILD=$(FUZZ_BUILD) tests/fuzz/run-fuzz.sh $(FUZZ_SECONDS) $(FUZZ_JOBS) $(FUZZ_TARGETS)

# Replay build: same harness sources, plain main, the project's normal compiler and flags.
$(BUILD)/obj/tests/fuzz/%.o: tests/fuzz/%.c $(FUZZ_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/fuzz $(CFLAGS) -c -o $@ $<

$(BUILD)/fuzz-replay/fuzz_%: $(BUILD)/obj/tests/fuzz/fuzz_%.o $(BUILD)/obj/tests/fuzz/replay_main.o \
        $(LIBGENERATED) $(LIBGEN) $(LIBRPROTO)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) -Wl,--start-group $(filter %.a,$^) -Wl,--end-group $(LIBS_RT)

fuzz-replay: $(REPLAY_BIN)

# Line coverage per harness over its corpus (clang source-based coverage): tests/fuzz/coverage.sh
.PHONY: fuzz-coverage
fuzz-coverage:
	@FUZZ_BUILD=$(FUZZ_BUILD) tests/fuzz/coverage.sh

# fuzz_encode_lanes includes the generated source (for its static descriptions) and the
# unit tests' message filler.
$(FUZZ_BUILD)/fuzz_encode_lanes $(BUILD)/obj/tests/fuzz/fuzz_encode_lanes.o: generated/residue.c \
    tests/unit/support/lane_fill.h
