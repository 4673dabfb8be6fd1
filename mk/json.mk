# rp_json / rp_error / rp_arena unit tests, buildable on their own (without the generator
# or generated code): `make check-json` (add SAN=1 or CC=clang BUILD=... as usual).
JSON_CORE_SRC := runtime/rp_error.c runtime/rp_arena.c $(wildcard runtime/rp_json_*.c)
JSON_CORE_OBJ := $(JSON_CORE_SRC:%.c=$(BUILD)/obj/%.o)
JSON_TEST_NAMES := $(notdir $(basename $(wildcard tests/unit/test_json*.c tests/unit/test_error.c)))
JSON_TEST_BIN := $(JSON_TEST_NAMES:%=$(BUILD)/json-tests/%)

$(BUILD)/json-tests/%: $(BUILD)/obj/tests/unit/%.o $(JSON_CORE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_CHECK)

.PHONY: check-json
check-json: $(JSON_TEST_BIN)
	@tests/run-unit.sh $(BUILD) $(JSON_TEST_BIN)
