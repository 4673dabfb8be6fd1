# mk/faults.mk — allocation-failure fault injection (tests/scripts/alloc-faults.sh).
#
#   $(BUILD)/hostile/failalloc.so      LD_PRELOAD shim: the Nth allocation fails
#                                      (tests/hostile/failalloc.c says how)
#   $(BUILD)/hostile/session-faults    the residue client and server sessions in one
#                                      process, handshake + log request, every error
#                                      checked (tests/hostile/session-faults.c)
#   make alloc-faults                  runs the sweep
#   $(BUILD)/hostile/slowsync.so       LD_PRELOAD shim: fsync/fdatasync sleep RP_SLOW_FSYNC_MS
#                                      (tests/hostile/slowsync.c; server-durability.sh §9)
#
# The shim is never built with sanitizers: it sits below ASan's allocator (LD_PRELOAD with
# ASAN_OPTIONS=verify_asan_link_order=0) and must not be instrumented by it. Nor is slowsync.so.
FAULTS_SHIM   := $(BUILD)/hostile/failalloc.so
SLOWSYNC_SHIM := $(BUILD)/hostile/slowsync.so
FAULTS_DRIVER := $(BUILD)/hostile/session-faults

.PHONY: alloc-faults fault-tools

$(FAULTS_SHIM): tests/hostile/failalloc.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(OPT) $(WARN) -shared -fPIC -o $@ $< -ldl

$(SLOWSYNC_SHIM): tests/hostile/slowsync.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(OPT) $(WARN) -shared -fPIC -o $@ $< -ldl

$(FAULTS_DRIVER): $(BUILD)/obj/tests/hostile/session-faults.o $(LIBGENERATED) $(LIBRPROTO)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< -Wl,--start-group $(LIBGENERATED) $(LIBRPROTO) -Wl,--end-group $(LIBS_RT)

fault-tools: $(FAULTS_SHIM) $(FAULTS_DRIVER) $(SLOWSYNC_SHIM)

alloc-faults: all fault-tools
	@bash tests/scripts/alloc-faults.sh $(BUILD)
