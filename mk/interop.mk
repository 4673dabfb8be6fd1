# Live interop with the real Node client residue@2.0.1 (issue 5). `make check` already runs it
# through tests/scripts/node-interop.sh; this target runs it alone.
.PHONY: check-interop
check-interop: all
	@tests/scripts/node-interop.sh $(BUILD)
