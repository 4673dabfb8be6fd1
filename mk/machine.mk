# mk/machine.mk — the spec-driven test of generated session machines (issue 14, "Show").
#
# build/gen-bindings (tests/machine/gen_bindings.c, on the front end) writes, for each spec
# below, typed handlers and untyped wrappers around its generated machines (tests/machine/mt.h);
# tests/unit/test_machine_spec.c walks every machine from the spec's own AST through them.
# residue's machines come from the committed generated/residue_machines.[ch] (in libresidue.a);
# telemetry's and all-constructs' codec and machines pairs are generated here by this build's
# rprotoc.

MT_DIR     := $(BUILD)/gen/machine
MT_OBJDIR  := $(BUILD)/obj/machine
MT_FLAGS    = $(RT_INC) -Igenerated -I$(MT_DIR) -Itests/machine
MT_OBJ     := $(MT_OBJDIR)/bind_residue.o $(MT_OBJDIR)/bind_telemetry.o $(MT_OBJDIR)/bind_every.o \
              $(MT_OBJDIR)/telemetry.o $(MT_OBJDIR)/telemetry_machines.o \
              $(MT_OBJDIR)/every.o $(MT_OBJDIR)/every_machines.o

$(BUILD)/gen-bindings: $(BUILD)/obj/tests/machine/gen_bindings.o $(LIBGEN) $(LIBRPROTO)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_RT)

$(MT_DIR)/telemetry.c $(MT_DIR)/telemetry.h $(MT_DIR)/telemetry_machines.c $(MT_DIR)/telemetry_machines.h &: $(BUILD)/rprotoc tests/specs/valid/telemetry.rproto
	@mkdir -p $(MT_DIR)
	$(BUILD)/rprotoc tests/specs/valid/telemetry.rproto -o $(MT_DIR)

$(MT_DIR)/every.c $(MT_DIR)/every.h $(MT_DIR)/every_machines.c $(MT_DIR)/every_machines.h &: $(BUILD)/rprotoc tests/specs/valid/all-constructs.rproto \
                                      $(wildcard tests/specs/valid/lib/*.rproto)
	@mkdir -p $(MT_DIR)
	$(BUILD)/rprotoc tests/specs/valid/all-constructs.rproto -o $(MT_DIR)

$(MT_DIR)/bind_residue.c: $(BUILD)/gen-bindings spec/residue.rproto
	@mkdir -p $(MT_DIR)
	$(BUILD)/gen-bindings spec/residue.rproto > $@.tmp && mv $@.tmp $@
$(MT_DIR)/bind_telemetry.c: $(BUILD)/gen-bindings tests/specs/valid/telemetry.rproto
	@mkdir -p $(MT_DIR)
	$(BUILD)/gen-bindings tests/specs/valid/telemetry.rproto > $@.tmp && mv $@.tmp $@
$(MT_DIR)/bind_every.c: $(BUILD)/gen-bindings tests/specs/valid/all-constructs.rproto \
                        $(wildcard tests/specs/valid/lib/*.rproto)
	@mkdir -p $(MT_DIR)
	$(BUILD)/gen-bindings tests/specs/valid/all-constructs.rproto > $@.tmp && mv $@.tmp $@

$(MT_OBJDIR)/%.o: $(MT_DIR)/%.c
	@mkdir -p $(dir $@)
	$(CC) $(MT_FLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(MT_OBJDIR)/bind_telemetry.o: $(MT_DIR)/telemetry.h $(MT_DIR)/telemetry_machines.h
$(MT_OBJDIR)/bind_every.o: $(MT_DIR)/every.h $(MT_DIR)/every_machines.h

$(BUILD)/tests/test_machine_spec: $(BUILD)/obj/tests/unit/test_machine_spec.o $(MT_OBJ) $(SUPPORT_OBJ) \
                                  $(LIBGENERATED) $(LIBGEN) $(LIBRPROTO)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_RT) $(LIBS_CHECK)
