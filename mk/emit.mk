# mk/emit.mk — the C emitter's extras (issue 3):
#
#   rprotoc --vendor     the runtime sources are embedded into rprotoc at build time
#   make vendor          VENDOR_DIR=dir (default build/vendor): generated residue pair +
#                        runtime sources; builds alone with `cc *.c -lcrypto -lz`
#   make install         PREFIX (default /usr/local), DESTDIR: rprotoc, librproto.a and
#                        librproto.so (runtime + generated residue codec), headers under
#                        include/rproto, lib/pkgconfig/rproto.pc
#   make regenerate      (Makefile) rewrites generated/ from spec/residue.rproto

# ---- runtime sources embedded for --vendor -------------------------------------------------
EMBED_FILES := $(sort $(wildcard runtime/*/*.c runtime/*/*.h))

$(BUILD)/gen/runtime_files.c: generator/embed-runtime.sh $(EMBED_FILES)
	@mkdir -p $(dir $@)
	sh generator/embed-runtime.sh $(EMBED_FILES) > $@.tmp && mv $@.tmp $@

$(BUILD)/rprotoc: $(BUILD)/obj/gen/runtime_files.o

# ---- make vendor ----------------------------------------------------------------------------
VENDOR_DIR ?= $(BUILD)/vendor

.PHONY: vendor install uninstall shared

vendor: $(BUILD)/rprotoc
	$(BUILD)/rprotoc --vendor $(VENDOR_DIR) spec/residue.rproto
	@echo "vendor: $(VENDOR_DIR) builds with: cc -I. *.c your_program.c -lcrypto -lz"

# ---- shared library (position-independent objects, built separately) ------------------------
PIC_OBJ := $(RUNTIME_SRC:%.c=$(BUILD)/pic/%.o) $(GENERATED_SRC:%.c=$(BUILD)/pic/%.o) $(RESIDUE_SRC:%.c=$(BUILD)/pic/%.o)
LIBSHARED := $(BUILD)/librproto.so
SONAME := librproto.so.0

$(BUILD)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fPIC -MMD -MP -c -o $@ $<

# Their header dependencies too (the Makefile's own -include covers $(BUILD)/obj only): a
# changed struct in a header must rebuild every PIC object that lays it out.
-include $(shell find $(BUILD)/pic -name '*.d' 2>/dev/null)

$(LIBSHARED): $(PIC_OBJ)
	$(CC) $(LDFLAGS) -shared -Wl,-soname,$(SONAME) -o $@ $^ $(LIBS_RT)

# The installed static library holds the runtime and the generated residue codec together
# (rp_session uses the codec), so users link one library.
$(BUILD)/install/librproto.a: $(RUNTIME_OBJ) $(GENERATED_OBJ)
	@mkdir -p $(dir $@)
	@rm -f $@
	$(AR) rcs $@ $^

shared: $(LIBSHARED)

# ---- make install ---------------------------------------------------------------------------
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR := $(DESTDIR)$(PREFIX)/bin
LIBDIR := $(DESTDIR)$(PREFIX)/lib
INCDIR := $(DESTDIR)$(PREFIX)/include/rproto
PCDIR  := $(LIBDIR)/pkgconfig
INSTALL_HEADERS := $(filter-out %_internal.h,$(wildcard runtime/*/*.h)) $(wildcard generated/*.h)
RPROTO_VERSION_TEXT = $(shell sed -n 's/^\#define RPROTOC_VERSION "\(.*\)"/\1/p' generator/version.h)

install: $(BUILD)/rprotoc $(BUILD)/install/librproto.a $(LIBSHARED)
	install -d $(BINDIR) $(LIBDIR) $(INCDIR) $(PCDIR)
	install -m 755 $(BUILD)/rprotoc $(BINDIR)/rprotoc
	install -m 644 $(BUILD)/install/librproto.a $(LIBDIR)/librproto.a
	install -m 755 $(LIBSHARED) $(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(LIBDIR)/librproto.so
	install -m 644 $(INSTALL_HEADERS) $(INCDIR)/
	printf '%s\n' 'prefix=$(PREFIX)' 'exec_prefix=$${prefix}' 'libdir=$${exec_prefix}/lib' \
	  'includedir=$${prefix}/include' '' 'Name: rproto' \
	  'Description: residue protocol runtime and generated codec (rproto)' \
	  'Version: $(RPROTO_VERSION_TEXT)' 'Requires.private: libcrypto zlib' \
	  'Cflags: -I$${includedir}/rproto' 'Libs: -L$${libdir} -lrproto' > $(PCDIR)/rproto.pc

uninstall:
	rm -f $(BINDIR)/rprotoc $(LIBDIR)/librproto.a $(LIBDIR)/librproto.so $(LIBDIR)/$(SONAME) $(PCDIR)/rproto.pc
	rm -rf $(INCDIR)
