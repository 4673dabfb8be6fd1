# mk/lanes.mk — the differential test of generated decode lanes (rprotoc --optimize speed).
#
# tests/unit/test_lanes.c holds residue's committed generated/residue.c to the table walk;
# tests/unit/test_lanes_specs.c does the same for the valid test specs, whose codecs this
# build's rprotoc generates here, with a list of their messages (name, description, decode)
# read off the generated sources.

LANES_DIR   := $(BUILD)/gen/lanes
LANES_SPECS := all-constructs orders telemetry deep-nesting
LANES_GEN   := $(LANES_DIR)/every.c $(LANES_DIR)/orders.c $(LANES_DIR)/telemetry.c $(LANES_DIR)/deep.c \
               $(LANES_DIR)/lead.c

# (tests/specs/lanes/leading-optional.rproto: message shapes only the lanes care about)
$(LANES_GEN) &: $(BUILD)/rprotoc $(LANES_SPECS:%=tests/specs/valid/%.rproto) \
                $(wildcard tests/specs/valid/lib/*.rproto) tests/specs/lanes/leading-optional.rproto
	@mkdir -p $(LANES_DIR)
	for s in $(LANES_SPECS); do $(BUILD)/rprotoc tests/specs/valid/$$s.rproto -o $(LANES_DIR) || exit 1; done
	$(BUILD)/rprotoc tests/specs/lanes/leading-optional.rproto -o $(LANES_DIR)

# One line per message: LANE_CODEC(proto, snake) for every `schema__<snake>` description.
$(LANES_DIR)/lane_cases.h: $(LANES_GEN)
	for f in $(LANES_GEN); do \
	    p=$$(basename $$f .c); \
	    sed -n "s/^static const rp_schema_message schema__\([a-z0-9_]*\) = {/LANE_CODEC($$p, \1)/p" $$f; \
	done > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/tests/unit/test_lanes_specs.o: $(LANES_DIR)/lane_cases.h
$(BUILD)/obj/tests/unit/test_lanes_specs.o: private CPPFLAGS += -I$(LANES_DIR)
