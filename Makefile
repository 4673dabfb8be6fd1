# rproto — top-level build. GNU make, no autotools.
#
#   make            build rprotoc, the runtime library, generated code and tools into build/
#   make check      install missing build deps, build, run every test (plain and ASan+UBSan)
#   make demo       run our client against our server on loopback and print the transcript
#
# Variables: CC (gcc or clang), BUILD (output dir), SAN=1 (sanitizer build into build/san).

CC      ?= cc
SAN     ?=
ifeq ($(SAN),1)
BUILD   ?= build/san
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else
BUILD   ?= build
SANFLAGS =
endif

WARN     = -Wall -Wextra -Wpedantic -Werror
OPT     ?= -O2 -g
CSTD     = -std=c11 -D_POSIX_C_SOURCE=200809L
CFLAGS  += $(CSTD) $(OPT) $(WARN) $(SANFLAGS)
# The runtime is built in layers (docs/interfaces.md §2). Each layer's objects are compiled
# with the include paths of that layer and the layers below it only, so an include that
# runs upward (core -> crypto, anything generic -> residue) is a build error, not a habit.
RT_LAYERS     := core crypto zlib frame envelope session
RT_INC        := $(RT_LAYERS:%=-Iruntime/%)
CPPFLAGS += $(RT_INC) -Iruntime/residue -Igenerated -Igenerator -I$(BUILD)/gen
LDFLAGS += $(SANFLAGS)
PKGS     = libcrypto zlib
LIBS_RT  = $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lcrypto -lz)
LIBS_CHECK = $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lm -lrt -lpthread)

# ---- sources (discovered, so adding a file needs no Makefile edit) ----------------------
RUNTIME_SRC   := $(foreach l,$(RT_LAYERS),$(wildcard runtime/$(l)/*.c))
RESIDUE_SRC   := $(wildcard runtime/residue/*.c)
GEN_SRC       := $(filter-out generator/rprotoc.c,$(wildcard generator/*.c))
GENERATED_SRC := $(wildcard generated/*.c)
TOOL_SRC      := $(wildcard tools/*.c)
UNIT_SRC      := $(wildcard tests/unit/test_*.c)
TEST_SUPPORT  := $(wildcard tests/unit/support/*.c)

RUNTIME_OBJ   := $(RUNTIME_SRC:%.c=$(BUILD)/obj/%.o)
GEN_OBJ       := $(GEN_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/lexer.o $(BUILD)/obj/gen/parser.o
GENERATED_OBJ := $(GENERATED_SRC:%.c=$(BUILD)/obj/%.o) $(RESIDUE_SRC:%.c=$(BUILD)/obj/%.o)
SUPPORT_OBJ   := $(TEST_SUPPORT:%.c=$(BUILD)/obj/%.o)
UNIT_BIN      := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_BIN      := $(TOOL_SRC:tools/%.c=$(BUILD)/%)

LIBRPROTO     := $(BUILD)/librproto.a
LIBGEN        := $(BUILD)/librprotoc.a
LIBGENERATED  := $(BUILD)/libresidue.a   # residue's generated codec + the residue layer

.PHONY: all deps check check-unit check-san check-clang check-scripts check-os demo clean update-golden bench fuzz regenerate diagrams
.DEFAULT_GOAL := all
# Keep object files of test and tool programs (they are intermediate to make).
.SECONDARY:

all: $(BUILD)/rprotoc $(LIBRPROTO) $(LIBGENERATED) $(TOOL_BIN)

deps:
	@tools/ensure-deps.sh

# ---- generator --------------------------------------------------------------------------
$(BUILD)/gen/lexer.c $(BUILD)/gen/lexer.h &: generator/lexer.l
	@mkdir -p $(BUILD)/gen
	flex --header-file=$(BUILD)/gen/lexer.h -o $(BUILD)/gen/lexer.c $<

$(BUILD)/gen/parser.c $(BUILD)/gen/parser.h &: generator/parser.y
	@mkdir -p $(BUILD)/gen
	bison -Wall -Werror --defines=$(BUILD)/gen/parser.h -o $(BUILD)/gen/parser.c $<

# flex/bison output is not ours: keep warnings on but drop the ones their templates trip.
$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c $(BUILD)/gen/parser.h $(BUILD)/gen/lexer.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-unused-function -Wno-unused-parameter -Wno-sign-compare -c -o $@ $<

$(GEN_SRC:%.c=$(BUILD)/obj/%.o): $(BUILD)/gen/parser.h $(BUILD)/gen/lexer.h

$(LIBGEN): $(GEN_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/rprotoc: $(BUILD)/obj/generator/rprotoc.o $(LIBGEN) $(LIBRPROTO)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_RT)

# ---- runtime and generated code --------------------------------------------------------
$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(or $(LAYER_INC),$(CPPFLAGS)) $(CFLAGS) -MMD -MP -c -o $@ $<

# Which headers each runtime layer may see (itself and what lies below it).
$(BUILD)/obj/runtime/core/%.o:     private LAYER_INC = -Iruntime/core
$(BUILD)/obj/runtime/crypto/%.o:   private LAYER_INC = -Iruntime/core -Iruntime/crypto
$(BUILD)/obj/runtime/zlib/%.o:     private LAYER_INC = -Iruntime/core -Iruntime/zlib
$(BUILD)/obj/runtime/frame/%.o:    private LAYER_INC = -Iruntime/core -Iruntime/frame
$(BUILD)/obj/runtime/envelope/%.o: private LAYER_INC = -Iruntime/core -Iruntime/crypto -Iruntime/zlib -Iruntime/frame -Iruntime/envelope
$(BUILD)/obj/runtime/session/%.o:  private LAYER_INC = -Iruntime/core -Iruntime/session
$(BUILD)/obj/runtime/residue/%.o:  private LAYER_INC = $(RT_INC) -Iruntime/residue -Igenerated
$(BUILD)/obj/generated/%.o:        private LAYER_INC = $(RT_INC) -Igenerated

$(LIBRPROTO): $(RUNTIME_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(LIBGENERATED): $(GENERATED_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

# ---- tools (one .c file each under tools/, plus shared tools/lib/*.c) -------------------
TOOL_LIB_SRC := $(wildcard tools/lib/*.c)
TOOL_LIB_OBJ := $(TOOL_LIB_SRC:%.c=$(BUILD)/obj/%.o)
$(BUILD)/%: $(BUILD)/obj/tools/%.o $(TOOL_LIB_OBJ) $(LIBGENERATED) $(LIBRPROTO)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_RT)

# ---- tests ------------------------------------------------------------------------------
$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(SUPPORT_OBJ) $(LIBGENERATED) $(LIBGEN) $(LIBRPROTO)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_RT) $(LIBS_CHECK)

# Tests read ../shared and tests/ data relative to the project root; run them from here.
check-unit: $(UNIT_BIN) all
	@tests/run-unit.sh $(BUILD) $(UNIT_BIN)

check-scripts: all
	@tests/run-scripts.sh $(BUILD)

check-san:
	$(MAKE) SAN=1 check-unit

# At -Os the codec core leaves some fast paths to the careful code beside them
# (__OPTIMIZE_SIZE__ in runtime/core): the codec's tests built at -Os run those variants.
OS_UNITS := test_codec test_error test_json test_json_suite test_types test_schema test_generated \
            test_generated_every test_generated_orders test_encode_lanes_every
check-os:
	$(MAKE) OPT="-Os -g" BUILD=build/os $(OS_UNITS:%=build/os/tests/%)
	@tests/run-unit.sh build/os $(OS_UNITS:%=build/os/tests/%)

# Warnings are errors under both compilers: build everything, tests included, with clang too.
check-clang:
	$(MAKE) CC=clang BUILD=build/clang all $(UNIT_SRC:tests/unit/%.c=build/clang/tests/%)

# Each runner appends its counts to build/check-summary.txt; the last line of `make check`
# is the total, "check: N passed, N failed".
check: deps
	@mkdir -p build && rm -f build/check-summary.txt
	$(MAKE) all
	$(MAKE) check-clang
	$(MAKE) check-unit
	$(MAKE) check-scripts
	$(MAKE) check-san
	$(MAKE) check-os
	@tests/summarize.sh build/check-summary.txt

regenerate: $(BUILD)/rprotoc diagrams
	$(BUILD)/rprotoc spec/residue.rproto -o generated

# The session diagrams of residue's machines (docs/residue-session.md and its SVGs).
diagrams: $(BUILD)/rprotoc
	$(BUILD)/rprotoc --emit diagram spec/residue.rproto -o docs

demo: deps all
	@tools/demo.sh $(BUILD)

update-golden: $(BUILD)/rprotoc
	@tests/update-golden.sh $(BUILD)

clean:
	rm -rf build

-include $(wildcard mk/*.mk)
-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
