# mk/docs.mk — generated documentation (issue 15):
#
#   make docs     rewrites docs/residue-reference.md from spec/residue.rproto
#                 (`rprotoc --emit docs`); tests/scripts/docs-fresh.sh checks it is current
.PHONY: docs
docs: $(BUILD)/rprotoc
	$(BUILD)/rprotoc --emit docs spec/residue.rproto -o docs
