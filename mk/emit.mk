# mk/emit.mk — the C emitter's extras (issue 3, issue 11):
#
#   rprotoc --vendor     the runtime sources are embedded into rprotoc at build time, each
#                        with its layer (the runtime/ directory), so --vendor can choose
#   make vendor          VENDOR_DIR=dir (default build/vendor): the generated residue pair,
#                        the runtime files it needs and, explicitly, the residue layer
#                        (sessions, registry); builds alone with `cc *.c -lcrypto -lz`
#   make install         PREFIX (default /usr/local), DESTDIR: rprotoc; the generic runtime
#                        librproto.a/.so with its headers under include/rproto and rproto.pc;
#                        residue's codec and residue layer as libresidue.a/.so with its
#                        headers under include/residue and residue.pc (Requires: rproto)
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
	$(BUILD)/rprotoc --vendor $(VENDOR_DIR) --vendor-with residue spec/residue.rproto
	@echo "vendor: $(VENDOR_DIR) builds with: cc -I. *.c your_program.c -lcrypto -lz"

# ---- shared libraries (position-independent objects, built separately) ----------------------
# librproto.so: the generic runtime. libresidue.so: residue's generated codec and the residue
# layer, linked against librproto.so.
RUNTIME_PIC := $(RUNTIME_SRC:%.c=$(BUILD)/pic/%.o)
RESIDUE_PIC := $(GENERATED_SRC:%.c=$(BUILD)/pic/%.o) $(RESIDUE_SRC:%.c=$(BUILD)/pic/%.o)
LIBSHARED := $(BUILD)/librproto.so
SONAME := librproto.so.0
LIBRESIDUE_SHARED := $(BUILD)/libresidue.so
RESIDUE_SONAME := libresidue.so.0

$(BUILD)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(or $(LAYER_INC),$(CPPFLAGS)) $(CFLAGS) -fPIC -MMD -MP -c -o $@ $<

# Their header dependencies too (the Makefile's own -include covers $(BUILD)/obj only): a
# changed struct in a header must rebuild every PIC object that lays it out.
-include $(shell find $(BUILD)/pic -name '*.d' 2>/dev/null)

# The same include paths per layer as the static build (an upward include fails here too).
$(BUILD)/pic/runtime/core/%.o:     private LAYER_INC = -Iruntime/core
$(BUILD)/pic/runtime/crypto/%.o:   private LAYER_INC = -Iruntime/core -Iruntime/crypto
$(BUILD)/pic/runtime/zlib/%.o:     private LAYER_INC = -Iruntime/core -Iruntime/zlib
$(BUILD)/pic/runtime/frame/%.o:    private LAYER_INC = -Iruntime/core -Iruntime/frame
$(BUILD)/pic/runtime/envelope/%.o: private LAYER_INC = $(RT_INC)
$(BUILD)/pic/runtime/session/%.o:  private LAYER_INC = -Iruntime/core -Iruntime/session
$(BUILD)/pic/runtime/residue/%.o:  private LAYER_INC = $(RT_INC) -Iruntime/residue -Igenerated
$(BUILD)/pic/generated/%.o:        private LAYER_INC = $(RT_INC) -Igenerated

$(LIBSHARED): $(RUNTIME_PIC) mk/librproto.map
	$(CC) $(LDFLAGS) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=mk/librproto.map -o $@ $(RUNTIME_PIC) $(LIBS_RT)

$(LIBRESIDUE_SHARED): $(RESIDUE_PIC) $(LIBSHARED)
	$(CC) $(LDFLAGS) -shared -Wl,-soname,$(RESIDUE_SONAME) -o $@ $(RESIDUE_PIC) -L$(BUILD) -lrproto $(LIBS_RT)

shared: $(LIBSHARED) $(LIBRESIDUE_SHARED)

# ---- make install ---------------------------------------------------------------------------
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR := $(DESTDIR)$(PREFIX)/bin
LIBDIR := $(DESTDIR)$(PREFIX)/lib
INCDIR := $(DESTDIR)$(PREFIX)/include/rproto
RESIDUE_INCDIR := $(DESTDIR)$(PREFIX)/include/residue
PCDIR  := $(LIBDIR)/pkgconfig
INSTALL_HEADERS := $(filter-out %_internal.h,$(foreach l,$(RT_LAYERS),$(wildcard runtime/$(l)/*.h)))
RESIDUE_HEADERS := $(filter-out %_internal.h,$(wildcard generated/*.h) $(wildcard runtime/residue/*.h))
RPROTO_VERSION_TEXT = $(shell sed -n 's/^\#define RPROTOC_VERSION "\(.*\)"/\1/p' generator/version.h)

install: $(BUILD)/rprotoc $(LIBRPROTO) $(LIBGENERATED) $(LIBSHARED) $(LIBRESIDUE_SHARED)
	install -d $(BINDIR) $(LIBDIR) $(INCDIR) $(RESIDUE_INCDIR) $(PCDIR)
	install -m 755 $(BUILD)/rprotoc $(BINDIR)/rprotoc
	install -m 644 $(LIBRPROTO) $(LIBDIR)/librproto.a
	install -m 755 $(LIBSHARED) $(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(LIBDIR)/librproto.so
	install -m 644 $(INSTALL_HEADERS) $(INCDIR)/
	install -m 644 $(LIBGENERATED) $(LIBDIR)/libresidue.a
	install -m 755 $(LIBRESIDUE_SHARED) $(LIBDIR)/$(RESIDUE_SONAME)
	ln -sf $(RESIDUE_SONAME) $(LIBDIR)/libresidue.so
	install -m 644 $(RESIDUE_HEADERS) $(RESIDUE_INCDIR)/
	printf '%s\n' 'prefix=$(PREFIX)' 'exec_prefix=$${prefix}' 'libdir=$${exec_prefix}/lib' \
	  'includedir=$${prefix}/include' '' 'Name: rproto' \
	  'Description: rproto generic runtime: JSON codec core and schema engine, framing, envelopes, crypto and zlib layers' \
	  'Version: $(RPROTO_VERSION_TEXT)' 'Requires.private: libcrypto zlib' \
	  'Cflags: -I$${includedir}/rproto' 'Libs: -L$${libdir} -lrproto' > $(PCDIR)/rproto.pc
	printf '%s\n' 'prefix=$(PREFIX)' 'exec_prefix=$${prefix}' 'libdir=$${exec_prefix}/lib' \
	  'includedir=$${prefix}/include' '' 'Name: residue' \
	  'Description: residue logging protocol: generated codec and client/server sessions (built on rproto)' \
	  'Version: $(RPROTO_VERSION_TEXT)' 'Requires: rproto' \
	  'Cflags: -I$${includedir}/residue' 'Libs: -L$${libdir} -lresidue' > $(PCDIR)/residue.pc

uninstall:
	rm -f $(BINDIR)/rprotoc $(LIBDIR)/librproto.a $(LIBDIR)/librproto.so $(LIBDIR)/$(SONAME) $(PCDIR)/rproto.pc
	rm -f $(LIBDIR)/libresidue.a $(LIBDIR)/libresidue.so $(LIBDIR)/$(RESIDUE_SONAME) $(PCDIR)/residue.pc
	rm -rf $(INCDIR) $(RESIDUE_INCDIR)
