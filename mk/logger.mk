# mk/logger.mk — the residue logger library (issue 16): its own archive, install rules,
# pkg-config file, and the programs its tests build.
#
#   make logger-tests     $(BUILD)/logger/logger-test (tests/logger/logger-test.c) and
#                         $(BUILD)/logger/logger-example (docs/examples/logger-example.c)
#   make install          also runs install-logger: libresidue-logger.a, residue_logger.h
#                         (under include/residue, next to the residue headers it includes) and
#                         lib/pkgconfig/residue-logger.pc (Requires: residue rproto libcrypto). A program then
#                         builds with `cc app.c $(pkg-config --cflags --libs residue-logger)`.
#   make uninstall        also removes them.
#
# The logger's objects are in $(BUILD)/libresidue.a too (everything in runtime/residue is);
# libresidue-logger.a holds only them, for the installed, pkg-config-described link line
# (-lresidue-logger -lrproto -pthread): the logger needs threads, the rest of rproto does not.

LOGGER_SRC  := $(filter runtime/residue/residue_logger%.c runtime/residue/residue_backlog.c \
                        runtime/residue/residue_net.c,$(RESIDUE_SRC))
LOGGER_OBJ  := $(LOGGER_SRC:%.c=$(BUILD)/obj/%.o)
LIBLOGGER   := $(BUILD)/libresidue-logger.a
LOGGER_DIR  := $(BUILD)/logger
LOGGER_LIBS := -Wl,--start-group $(LIBGENERATED) $(LIBRPROTO) -Wl,--end-group $(LIBS_RT) -pthread

.PHONY: logger-tests install-logger uninstall-logger

all: $(LIBLOGGER)

$(LIBLOGGER): $(LOGGER_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

# The tools link libresidue.a; residue-client uses the logger, hence threads.
$(BUILD)/residue-client: LDFLAGS += -pthread

logger-tests: $(LOGGER_DIR)/logger-test $(LOGGER_DIR)/logger-example

$(LOGGER_DIR)/obj/%.o: tests/logger/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

# The example is compiled as a user would: only the installed header directory's files.
$(LOGGER_DIR)/obj/logger-example.o: docs/examples/logger-example.c
	@mkdir -p $(dir $@)
	$(CC) $(RT_INC) -Iruntime/residue -Igenerated $(CFLAGS) -MMD -MP -c -o $@ $<

$(LOGGER_DIR)/logger-test: $(LOGGER_DIR)/obj/logger-test.o $(LIBGENERATED) $(LIBRPROTO)
	$(CC) $(LDFLAGS) -o $@ $< $(LOGGER_LIBS)

$(LOGGER_DIR)/logger-example: $(LOGGER_DIR)/obj/logger-example.o $(LIBGENERATED) $(LIBRPROTO)
	$(CC) $(LDFLAGS) -o $@ $< $(LOGGER_LIBS)

-include $(wildcard $(LOGGER_DIR)/obj/*.d)

# ---- install ------------------------------------------------------------------------------
LOGGER_PREFIX  = $(or $(PREFIX),/usr/local)
LOGGER_LIBDIR  = $(DESTDIR)$(LOGGER_PREFIX)/lib
LOGGER_INCDIR  = $(DESTDIR)$(LOGGER_PREFIX)/include/residue
LOGGER_PCDIR   = $(LOGGER_LIBDIR)/pkgconfig
LOGGER_VERSION = $(shell sed -n 's/^\#define RPROTOC_VERSION "\(.*\)"/\1/p' generator/version.h)

install: install-logger
uninstall: uninstall-logger

install-logger: $(LIBLOGGER)
	install -d $(LOGGER_LIBDIR) $(LOGGER_INCDIR) $(LOGGER_PCDIR)
	install -m 644 $(LIBLOGGER) $(LOGGER_LIBDIR)/libresidue-logger.a
	install -m 644 runtime/residue/residue_logger.h $(LOGGER_INCDIR)/residue_logger.h
	printf '%s\n' 'prefix=$(LOGGER_PREFIX)' 'exec_prefix=$${prefix}' 'libdir=$${exec_prefix}/lib' \
	  'includedir=$${prefix}/include' '' 'Name: residue-logger' \
	  'Description: residue logging client library for C (rproto)' \
	  'Version: $(LOGGER_VERSION)' 'Requires: residue rproto libcrypto' \
	  'Cflags: -I$${includedir}/residue -I$${includedir}/rproto' 'Libs: -L$${libdir} -lresidue-logger -pthread' \
	  > $(LOGGER_PCDIR)/residue-logger.pc

uninstall-logger:
	rm -f $(LOGGER_LIBDIR)/libresidue-logger.a $(LOGGER_INCDIR)/residue_logger.h \
	  $(LOGGER_PCDIR)/residue-logger.pc

# The integration test once more under ThreadSanitizer (tests/scripts/logger.sh runs the
# threaded scenarios with it): one compiler run over the sources, cached by make.
LOGGER_TSAN_SRC := $(RUNTIME_SRC) $(RESIDUE_SRC) $(GENERATED_SRC) tests/logger/logger-test.c
$(LOGGER_DIR)/logger-test-tsan: $(LOGGER_TSAN_SRC) $(wildcard runtime/*/*.h generated/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) -O1 -g $(WARN) -fsanitize=thread $(RT_INC) -Iruntime/residue -Igenerated \
	  -o $@ $(LOGGER_TSAN_SRC) $(LIBS_RT) -pthread

logger-tests-tsan: $(LOGGER_DIR)/logger-test-tsan
.PHONY: logger-tests-tsan
