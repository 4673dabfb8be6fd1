# Session programs (issue 5): residue-server and residue-client link rp_session, which sits
# in librproto.a but calls the generated codecs in libresidue.a, which the Makefile lists
# first. List both archives once more after them so the linker resolves that back edge.
SESSION_TOOLS := $(BUILD)/residue-server $(BUILD)/residue-client
$(SESSION_TOOLS): LIBS_RT += $(LIBGENERATED) $(LIBRPROTO) $(shell pkg-config --libs libcrypto zlib 2>/dev/null || echo -lcrypto -lz)

.PHONY: check-session
check-session: $(BUILD)/tests/test_session_server $(BUILD)/tests/test_session_client all
	@tests/run-unit.sh $(BUILD) $(BUILD)/tests/test_session_server $(BUILD)/tests/test_session_client
	@bash tests/scripts/client-server.sh $(BUILD)
