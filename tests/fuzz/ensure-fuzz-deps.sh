#!/usr/bin/env bash
# Makes sure clang and its libFuzzer runtime are there (Debian 12: clang-14 and
# libclang-rt-14-dev). Installs what is missing when run as root; otherwise says what to run.
set -euo pipefail
cc=${FUZZ_CC:-clang}
have_fuzzer() {
    printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n){(void)d;(void)n;return 0;}\n' \
        | "$cc" -x c -fsanitize=fuzzer -o /dev/null - >/dev/null 2>&1
}
if command -v "$cc" >/dev/null 2>&1 && have_fuzzer; then exit 0; fi
missing=(clang libclang-rt-14-dev)
echo "ensure-fuzz-deps: $cc with libFuzzer not usable; need: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
    echo "ensure-fuzz-deps: not root; run: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}"
have_fuzzer || { echo "ensure-fuzz-deps: libFuzzer still not usable" >&2; exit 1; }
echo "ensure-fuzz-deps: installed ${missing[*]}"
