# rp_json / rp_error / rp_arena unit tests, buildable on their own (without the generator
# or generated code): `make check-json` (add SAN=1 or CC=clang BUILD=... as usual).
# The test objects are compiled with -Iruntime/core only: these suites depend on nothing but the
# JSON core (rp_json_*, rp_arena, rp_error), which is what this target proves.
JSON_CORE_SRC := runtime/core/rp_error.c runtime/core/rp_arena.c $(wildcard runtime/core/rp_json_*.c)
JSON_CORE_OBJ := $(JSON_CORE_SRC:%.c=$(BUILD)/obj/%.o)
JSON_TEST_NAMES := $(notdir $(basename $(wildcard tests/unit/test_json*.c tests/unit/test_error.c)))
JSON_TEST_BIN := $(JSON_TEST_NAMES:%=$(BUILD)/json-tests/%)

$(BUILD)/json-tests/obj/%.o: tests/unit/%.c
	@mkdir -p $(dir $@)
	$(CC) -Iruntime/core $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/json-tests/%: $(BUILD)/json-tests/obj/%.o $(JSON_CORE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_CHECK)

.PRECIOUS: $(BUILD)/json-tests/obj/%.o

.PHONY: check-json
check-json: $(JSON_TEST_BIN)
	@tests/run-unit.sh $(BUILD) $(JSON_TEST_BIN)
-include $(wildcard $(BUILD)/json-tests/obj/*.d)
