# Hostile-wire suite and load test (issue 7). Included by the top-level Makefile.
#
#   make hostile-tools   builds $(BUILD)/hostile/hostile-wire, load-client and fake-server
#                        (independent residue clients: OpenSSL + zlib, not the rproto runtime)
#   make hostile         runs tests/scripts/hostile-wire.sh against $(BUILD)/residue-server
#   make load            the full load test: 200 clients x 500 lines (LOAD_CLIENTS, LOAD_LINES)
#   make memcheck        valgrind memcheck over every unit test binary (tests/scripts/memcheck.sh)
HOSTILE_SRC := tests/hostile/wire.c
HOSTILE_HDR := tests/hostile/wire.h
HOSTILE_BIN := $(BUILD)/hostile/hostile-wire $(BUILD)/hostile/load-client $(BUILD)/hostile/fake-server \
              $(BUILD)/hostile/pressure

.PHONY: hostile-tools hostile load memcheck

$(BUILD)/hostile/%: tests/hostile/%.c $(HOSTILE_SRC) $(HOSTILE_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(OPT) $(WARN) $(SANFLAGS) -Itests/hostile -o $@ $< $(HOSTILE_SRC) $(LIBS_RT) -lpthread

hostile-tools: $(HOSTILE_BIN)

hostile: all hostile-tools
	@bash tests/scripts/hostile-wire.sh $(BUILD)

load: all hostile-tools
	@LOAD_CLIENTS=$${LOAD_CLIENTS:-200} LOAD_LINES=$${LOAD_LINES:-500} bash tests/scripts/load.sh $(BUILD)

memcheck: all $(UNIT_BIN)
	@bash tests/scripts/memcheck.sh $(BUILD)
