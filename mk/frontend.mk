# rprotoc front end (issue 2): extra rules.
#
# The flex/bison objects are compiled without -MMD, so make would not rebuild them when a
# front-end header changes (ast.h struct layouts are baked into parser.o): depend on all.
$(BUILD)/obj/gen/lexer.o $(BUILD)/obj/gen/parser.o: $(wildcard generator/*.h)
