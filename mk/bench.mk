# mk/bench.mk — `make bench` (issue 6): benchmarks side by side with the peers.
#
#   make bench                 full run (a few minutes)
#   make bench BENCH_QUICK=1   short run (< 60 s), same lines, fewer repetitions
#
# Installs the peers if missing (bench/ensure-peers.sh), builds the bench programs at -O2
# without sanitizers against $(BUILD)/librproto.a and $(BUILD)/libresidue.a, builds the
# runtime and generated code once more at -Os for `size`, then runs bench/run.sh.
# docs/performance.md describes the method and records a run.

BENCH_QUICK ?=
BENCH_DIR   := $(BUILD)/bench
BENCH_FLAGS := $(CSTD) -O2 -g $(WARN)
BENCH_INC   := -Ibench $(RT_INC) -Iruntime/residue -Igenerated
BENCH_OURS  := $(if $(wildcard generated/residue.h),-DBENCH_HAVE_OURS,)
BENCH_PEER_LIBS := -lcjson -ljansson -ljson-c -lm
# librproto (rp_session) and libresidue call each other: link them as a group.
# -lm: the harness takes floor() of its timings (gcc inlines it at -O2, clang calls libm).
BENCH_LIBS  := -Wl,--start-group $(LIBGENERATED) $(LIBRPROTO) -Wl,--end-group $(LIBS_RT) -lm

BENCH_HARNESS := $(BENCH_DIR)/obj/harness.o
BENCH_CODEC_OBJ := $(BENCH_HARNESS) $(addprefix $(BENCH_DIR)/obj/,peer_util.o peer_cjson.o \
                   peer_jansson.o peer_jsonc.o floor_encode.o peer_simdjson.o bench_codec.o)
# The simdjson peer is C++ (g++, warnings as errors). When it does not build (no
# libsimdjson-dev, no g++), peer_simdjson_none.c is compiled into the same object instead and
# bench_codec reports the peer as SKIPPED; the link flags it needs are kept beside it. The
# stand-in is dated 1970 so the next make tries the real peer again (say, once installed).
CXX         ?= g++
BENCH_CXXFLAGS := -std=c++17 -O2 -g -Wall -Wextra -Wpedantic -Werror
BENCH_SIMDJSON_LIBS := $(BENCH_DIR)/obj/peer_simdjson.libs

BENCH_BINS := $(BENCH_DIR)/bench_codec $(BENCH_DIR)/bench_envelope $(BENCH_DIR)/bench_load \
              $(BENCH_DIR)/bench_logger $(BENCH_DIR)/bench_server $(BENCH_DIR)/socket_floor

# -Os copies of the runtime and the generated code, only for `size`; one function or
# object per section so the size probe can drop what it does not use.
BENCH_OS_FLAGS := $(CSTD) -Os -ffunction-sections -fdata-sections
BENCH_OS_OBJ := $(RUNTIME_SRC:%.c=$(BENCH_DIR)/os/%.o) $(GENERATED_SRC:%.c=$(BENCH_DIR)/os/%.o)
BENCH_PROBES := $(BENCH_DIR)/size_probe $(BENCH_DIR)/size_probe_empty $(BENCH_DIR)/size_probe_small
# Issue 13 target 2: residue generated with --optimize size, at -Os, and the codec core it
# calls (the table engine without its fast lanes, JSON, base64/hex, errors, arena).
BENCH_SMALL_DIR := $(BENCH_DIR)/small
BENCH_SMALL_CORE := $(filter-out %/rp_schema_fast.o %/rp_lane.o %/rp_lane_write.o %/rp_clock.o,\
                    $(patsubst runtime/core/%.c,$(BENCH_DIR)/os/runtime/core/%.o,$(wildcard runtime/core/*.c)))

.PHONY: bench bench-build bench-peers

bench:
	@if [ "$(SAN)" = "1" ]; then echo "make bench: benchmarks build at -O2 without sanitizers; drop SAN=1" >&2; exit 1; fi
	@bench/ensure-peers.sh
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory -k bench-build || echo "make bench: some bench programs did not build; run.sh reports those parts as SKIPPED" >&2
	@BENCH_QUICK=$(BENCH_QUICK) CC=$(CC) bench/run.sh $(BUILD)

bench-peers:
	@bench/ensure-peers.sh

bench-build: $(BENCH_BINS) $(BENCH_OS_OBJ) $(BENCH_PROBES)

$(BENCH_DIR)/obj/%.o: bench/%.c
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_FLAGS) $(BENCH_OURS) $(BENCH_INC) -MMD -MP -c -o $@ $<

$(BENCH_DIR)/obj/peer_simdjson.o: bench/peer_simdjson.cc bench/peers.h bench/peer_util.h
	@mkdir -p $(dir $@)
	@if $(CXX) $(BENCH_CXXFLAGS) $(BENCH_INC) -MMD -MP -c -o $@ $<; then \
	    echo "$(CXX) $(BENCH_CXXFLAGS) -c -o $@ $<"; echo "-lsimdjson -lstdc++" > $(BENCH_SIMDJSON_LIBS); \
	else \
	    echo "make bench: bench/peer_simdjson.cc did not build; the simdjson peer will be SKIPPED" >&2; \
	    $(CC) $(BENCH_FLAGS) $(BENCH_OURS) $(BENCH_INC) -c -o $@ bench/peer_simdjson_none.c && : > $(BENCH_SIMDJSON_LIBS) \
	        && touch -t 197001010000 $@; \
	fi

$(BENCH_DIR)/bench_codec: $(BENCH_CODEC_OBJ) $(LIBGENERATED) $(LIBRPROTO)
	$(CC) -o $@ $(BENCH_CODEC_OBJ) $(BENCH_LIBS) $(BENCH_PEER_LIBS) $$(cat $(BENCH_SIMDJSON_LIBS))

$(BENCH_DIR)/bench_envelope: $(BENCH_HARNESS) $(BENCH_DIR)/obj/bench_envelope.o $(LIBGENERATED) $(LIBRPROTO)
	$(CC) -o $@ $(BENCH_HARNESS) $(BENCH_DIR)/obj/bench_envelope.o $(BENCH_LIBS)

$(BENCH_DIR)/bench_load: $(BENCH_HARNESS) $(BENCH_DIR)/obj/bench_records.o $(BENCH_DIR)/obj/bench_load.o $(LIBGENERATED) $(LIBRPROTO)
	$(CC) -o $@ $(BENCH_HARNESS) $(BENCH_DIR)/obj/bench_records.o $(BENCH_DIR)/obj/bench_load.o $(BENCH_LIBS)

# The loopback socket floor (no protocol work, no libraries): docs/performance.md.
$(BENCH_DIR)/socket_floor: $(BENCH_DIR)/obj/socket_floor.o
	$(CC) -o $@ $^

$(BENCH_DIR)/bench_server: $(BENCH_HARNESS) $(BENCH_DIR)/obj/bench_records.o $(BENCH_DIR)/obj/bench_server.o $(LIBGENERATED) $(LIBRPROTO)
	$(CC) -o $@ $(BENCH_HARNESS) $(BENCH_DIR)/obj/bench_records.o $(BENCH_DIR)/obj/bench_server.o $(BENCH_LIBS)

# The residue logger library (issue 16): threads, so -pthread.
$(BENCH_DIR)/bench_logger: $(BENCH_DIR)/obj/bench_logger.o $(LIBGENERATED) $(LIBRPROTO)
	$(CC) -o $@ $(BENCH_DIR)/obj/bench_logger.o $(BENCH_LIBS) -pthread

$(BENCH_DIR)/os/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_OS_FLAGS) $(CPPFLAGS) -MMD -MP -c -o $@ $<

# The size probe: every generated codec plus what it pulls from the runtime, linked with
# --gc-sections; the _empty twin is the same program without codecs (bench/size_probe.c).
$(BENCH_DIR)/size_probe: $(BENCH_DIR)/os/bench/size_probe.o $(BENCH_OS_OBJ)
	$(CC) -Os -Wl,--gc-sections -o $@ $^ $(LIBS_RT)

$(BENCH_SMALL_DIR)/residue.c: spec/residue.rproto $(BUILD)/rprotoc
	@mkdir -p $(dir $@)
	$(BUILD)/rprotoc $< -o $(dir $@) --optimize size

$(BENCH_SMALL_DIR)/residue.o: $(BENCH_SMALL_DIR)/residue.c
	$(CC) $(BENCH_OS_FLAGS) -Iruntime/core -I$(BENCH_SMALL_DIR) -MMD -MP -c -o $@ $<

$(BENCH_SMALL_DIR)/size_probe.o: bench/size_probe.c $(BENCH_SMALL_DIR)/residue.c
	$(CC) $(BENCH_OS_FLAGS) -Iruntime/core -I$(BENCH_SMALL_DIR) -MMD -MP -c -o $@ $<

# The same probe over the --optimize size codec: what target 2 costs a program, linked.
$(BENCH_DIR)/size_probe_small: $(BENCH_SMALL_DIR)/size_probe.o $(BENCH_SMALL_DIR)/residue.o $(BENCH_SMALL_CORE)
	$(CC) -Os -Wl,--gc-sections -o $@ $^

$(BENCH_DIR)/size_probe_empty: bench/size_probe.c
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_OS_FLAGS) $(WARN) -DSIZE_PROBE_EMPTY -Wl,--gc-sections -o $@ $<

-include $(wildcard $(BENCH_DIR)/obj/*.d) $(BENCH_OS_OBJ:.o=.d) $(wildcard $(BENCH_SMALL_DIR)/*.d)
