# residue-server under pressure (issue 12). Included by the top-level Makefile.
#
#   make check-heavy     the heavy variants of tests/scripts/server-pressure.sh and
#                        server-durability.sh (more connections, longer floods, bigger files)
#
# The unit suites for the log file writer and the socket helpers link the tool-side code
# they test.
$(BUILD)/tests/test_logfile: $(BUILD)/obj/tools/lib/rs_logfile.o
$(BUILD)/tests/test_net: $(BUILD)/obj/tools/lib/rs_net.o
$(BUILD)/tests/test_net: LIBS_RT += $(LIBRPROTO) # rs_net.o comes after the library in $^

# residue-server fsyncs on a thread of its own (durability group and interval).
$(BUILD)/obj/tools/residue-server.o: CFLAGS += -pthread
$(BUILD)/residue-server: LDFLAGS += -pthread

.PHONY: check-heavy
check-heavy: all hostile-tools
	@PRESSURE_HEAVY=1 bash tests/scripts/server-durability.sh $(BUILD)
	@PRESSURE_HEAVY=1 bash tests/scripts/server-pressure.sh $(BUILD)
# test_server_limits also checks residue-server's eviction rules (rs_net.c).
$(BUILD)/tests/test_server_limits: $(BUILD)/obj/tools/lib/rs_net.o
$(BUILD)/tests/test_server_limits: LIBS_RT += $(LIBRPROTO)
