# residue-server under pressure (issue 12). Included by the top-level Makefile.
#
#   make check-heavy     the heavy variants of tests/scripts/server-pressure.sh and
#                        server-durability.sh (more connections, longer floods, bigger files)
#
# The unit suite for the log file writer links the tool-side writer it tests.
$(BUILD)/tests/test_logfile: $(BUILD)/obj/tools/lib/rs_logfile.o

.PHONY: check-heavy
check-heavy: all hostile-tools
	@PRESSURE_HEAVY=1 bash tests/scripts/server-durability.sh $(BUILD)
	@PRESSURE_HEAVY=1 bash tests/scripts/server-pressure.sh $(BUILD)
