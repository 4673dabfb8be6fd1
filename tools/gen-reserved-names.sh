#!/usr/bin/env bash
# Writes generator/reserved_names.def: the names a spec may not give a C name or a protocol,
# because the generated C would not compile beside what the C library and the compiler
# define. generator/check_names.c includes the file (X-macro lines):
#
#   RP_RESERVED_PREDEFINED(name, GNU|OTHER)  a macro the compiler predefines in its GNU modes
#                                            (an empty file, `cc -dM -E`), or on other targets
#   RP_RESERVED_DEFINED(name, "assert.h")    NDEBUG: the macro C tells programs to define
#   RP_RESERVED_MACRO(name, "float.h", C11|GNU)  an object-like macro the header brings (with
#                                            -std=c11, or only in the default GNU mode)
#   RP_RESERVED_TYPE(name, "stdlib.h", C11|GNU)  a typedef name the header declares
#   RP_RESERVED_FUNCTION(name, "stdio.h", C11|GNU)  a function the header declares (only
#                                            file-scope names are refused: a member may be
#                                            called `time`)
#   RP_RESERVED_TAG(name, "sched.h", C11|GNU)  a struct, union or enum tag the header defines,
#                                            or an enum constant (file scope only, too)
#   RP_RESERVED_HEADER(name, C11|SYSTEM)     a header <name.h> a protocol would shadow: the
#                                            C11 headers, and every header lying directly in an
#                                            include root that the runtime's system headers reach
#
# The headers looked at: the 29 C11 headers, then the system headers runtime/ includes and
# the generated code includes (string literals of generator/emit_c*.c). A name is attributed
# to the first header that brings it: C11 headers before the runtime's, -std=c11 before GNU
# mode; among those <stddef.h>, <stdarg.h>, <stdint.h>, ... first (NULL is <stddef.h>'s, not
# <stdio.h>'s), then the header that brings the fewest names. Names C reserves anyway (__x,
# _X) are left out: check_names.c refuses them by their form.
# Macros are taken from `printf '#include <H>\n' | cc -dM -E -x c -` minus those of an empty
# file; typedefs, tags and enum constants from a crude scan of `cc -E` (`typedef ... NAME;`,
# `} NAME;`, `struct NAME {`, `enum { NAME = ...`); functions from gcc's -aux-info.
#
# Rerun it (from the top of the checkout: tools/gen-reserved-names.sh) when the compiler, the
# C library or the runtime's #includes change, and commit the result; CC picks the compiler.
set -eu
cd "$(dirname "$0")/.."
cc=${CC:-cc}
command -v gcc > /dev/null || { echo "gen-reserved-names: needs gcc (its -aux-info lists the functions)" >&2; exit 1; }
out=generator/reserved_names.def
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

c11_headers="assert complex ctype errno fenv float inttypes iso646 limits locale math setjmp
signal stdalign stdarg stdatomic stdbool stddef stdint stdio stdlib stdnoreturn string tgmath
threads time uchar wchar wctype"

# The system headers of the runtime and of the generated code, minus the C11 ones.
sys_headers=$( { grep -rhoE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<[^>]+>' runtime/ |
                   sed -E 's/.*<([^>]+)>.*/\1/'
                 grep -hoE '(\\n|")#include <[^>]+>' generator/emit_c*.c | sed -E 's/.*<([^>]+)>.*/\1/'
               } | sort -u | grep -vxE "($(echo $c11_headers | sed 's/ /|/g'))\.h")

# The headers C names as the home of what several headers define (size_t, NULL, va_list, the
# limits): they come first; the others by how few names they bring.
home_headers="stddef stdarg stdint stdbool limits float iso646 errno"

modes="c11 gnu"
flags() { if [ "$1" = c11 ]; then echo "-std=c11"; fi; }

# macros MODE HEADER|"" > names of object-like macros (one per line, sorted)
macros() {
    local src
    if [ -n "$2" ]; then src="#include <$2>"; else src=""; fi
    printf '%s\n' "$src" | $cc $(flags "$1") -dM -E -x c - 2>/dev/null |
        sed -nE 's/^#define ([A-Za-z_][A-Za-z0-9_]*)( .*)?$/\1/p' | sort -u
}

# typedefs MODE HEADER > typedef names of cc -E output (crude: see the top)
typedefs() {
    printf '#include <%s>\n' "$2" | $cc $(flags "$1") -E -P -x c - 2>/dev/null | perl -0777 -ne '
        s/^\s*#.*$//mg;
        1 while s/__attribute__\s*\(\(((?:[^()]|\((?:[^()]|\([^()]*\))*\))*)\)\)//g;
        s/__asm__\s*\([^()]*\)//g;
        my %seen;
        # the name a declarator declares: "*p", "a[3]", "f(int)", "(*fp)(int)", "(f) (int)"
        sub declname {
            my $d = shift;
            $d =~ s/(\s*\[[^\]]*\])+\s*$//;
            if ($d =~ /\)\s*$/) {
                $d =~ s/(\((?:[^()]++|(?1))*\))\s*$//;          # the parameters
                $d =~ s/(\s*\[[^\]]*\])+\s*$//;
                if ($d =~ /\)\s*$/ && $d =~ s/(\((?:[^()]++|(?1))*\))\s*$//) {
                    return declname(substr($1, 1, -1));         # (declarator)(parameters)
                }
            }
            return $d =~ /([A-Za-z_]\w*)\s*$/ ? $1 : undef;
        }
        # each typedef statement: from "typedef" to the ";" at brace depth 0
        while (/\btypedef\b/g) {
            my $start = pos; my $depth = 0; my $i = $start; my $n = length;
            for (; $i < $n; $i++) {
                my $c = substr($_, $i, 1);
                $depth++ if $c eq "{"; $depth-- if $c eq "}";
                last if $c eq ";" && $depth == 0;
            }
            my $t = substr($_, $start, $i - $start);
            pos = $i;
            1 while $t =~ s/\{[^{}]*\}/ /g;      # struct/union/enum bodies
            # split declarators at commas outside parentheses
            my @d; my $cur = ""; my $p = 0;
            for my $c (split //, $t) {
                $p++ if $c eq "("; $p-- if $c eq ")";
                if ($c eq "," && $p == 0) { push @d, $cur; $cur = ""; } else { $cur .= $c; }
            }
            push @d, $cur;
            for my $d (@d) {
                my $name = declname($d);
                print "$name\n" if defined $name && !$seen{$name}++;
            }
        }' | sort -u
}

# functions MODE HEADER > names of the functions the header declares (gcc's -aux-info
# prints one prototype per line; the name is the first word before a "(" that is not "(*").
# Only gcc has -aux-info: it is asked whatever CC is, and its absence is an error.
functions() {
    printf '#include <%s>\n' "$2" |
        gcc $(flags "$1") -aux-info "$tmp/aux" -c -x c - -o /dev/null 2>/dev/null || : > "$tmp/aux"
    perl -ne 'next unless m{^/\* \S+ \*/ (.*)$}; my $d = $1; $d =~ s{/\*.*$}{};
              print "$1\n" if $d =~ /([A-Za-z_]\w*)\s*\((?!\s*\*)/' "$tmp/aux" | sort -u
}

# tags MODE HEADER > the tags of the structs, unions and enums the header defines, and the
# constants of its enums (crude, like typedefs)
tags() {
    printf '#include <%s>\n' "$2" | $cc $(flags "$1") -E -P -x c - 2>/dev/null | perl -0777 -ne '
        s/^\s*#.*$//mg;
        while (/\b(?:struct|union|enum)\s+([A-Za-z_]\w*)\s*\{/g) { print "$1\n" }
        while (/\benum\b\s*(?:[A-Za-z_]\w*\s*)?\{([^{}]*)\}/g) {
            for my $c (split /,/, $1) { print "$1\n" if $c =~ /^\s*([A-Za-z_]\w*)/ }
        }' | sort -u
}

reserved() { grep -vE '^(__|_[A-Z])' || true; }

# ---- collect: one file per (group, mode, header) --------------------------------------------
for m in $modes; do macros "$m" "" > "$tmp/empty.$m"; done
i=0
for h in $c11_headers; do echo "c11 $h.h"; done > "$tmp/headers"
for h in $sys_headers; do echo "sys $h"; done >> "$tmp/headers"
while read -r group h; do
    for m in $modes; do
        i=$((i + 1))
        if ! printf '#include <%s>\n' "$h" | $cc $(flags "$m") -E -x c - > /dev/null 2>&1; then
            echo "gen-reserved-names: <$h> does not preprocess with $cc $(flags "$m"); skipped" >&2
            continue
        fi
        macros "$m" "$h" | comm -23 - "$tmp/empty.$m" | reserved > "$tmp/m.$i"
        typedefs "$m" "$h" | reserved > "$tmp/t.$i"
        functions "$m" "$h" | reserved > "$tmp/f.$i"
        tags "$m" "$h" | reserved > "$tmp/g.$i"
        echo "$group $m $h $i $(wc -l < "$tmp/m.$i") $(wc -l < "$tmp/t.$i") $(wc -l < "$tmp/f.$i")" \
             "$(wc -l < "$tmp/g.$i")" >> "$tmp/index"
    done
done < "$tmp/headers"

# first attribution wins: group (c11 before sys), mode (c11 before gnu), fewest names
{
    echo "NDEBUG	DEFINED	assert.h"
    comm -13 "$tmp/empty.c11" "$tmp/empty.gnu" | reserved | sed 's/$/	PREDEFINED	GNU/'
    for t in i386 sun sparc mips vax unix linux; do echo "$t	PREDEFINED	OTHER"; done
    for kind in m t f g; do
        case $kind in m) col=5; what=MACRO ;; t) col=6; what=TYPE ;; f) col=7; what=FUNCTION ;;
                      g) col=8; what=TAG ;; esac
        awk -v home="$home_headers" '
            BEGIN { n = split(home, h, " "); for (i = 1; i <= n; i++) rank[h[i] ".h"] = i }
            { g = $1 == "c11" ? 0 : 1; md = $2 == "c11" ? 0 : 1; r = ($3 in rank) ? rank[$3] : 99
              print g, md, r, $'$col', $0 }' "$tmp/index" |
            sort -n -k1,1 -k2,2 -k3,3 -k4,4 | cut -d' ' -f5- |
            while read -r group m h idx _; do
                sed "s|\$|	$what	$h	$([ "$m" = c11 ] && echo C11 || echo GNU)|" "$tmp/$kind.$idx"
            done
    done
} | awk -F'\t' '!seen[$1]++' > "$tmp/names"

# headers: the C11 ones, and the reachable files that lie directly in an include root
roots=$($cc -v -E -x c /dev/null 2>&1 | sed -n '/#include <...> search starts here/,/End of search/p' |
        sed -n 's/^ \(\/.*\)$/\1/p')
for h in $sys_headers; do echo "#include <$h>"; done > "$tmp/all.c"
$cc -M -x c "$tmp/all.c" 2>/dev/null | tr ' \\' '\n\n' | grep '\.h$' |
    while read -r f; do
        d=$(cd "$(dirname "$f")" && pwd -P) || continue
        for r in $roots; do
            [ -d "$r" ] || continue
            if [ "$d" = "$(cd "$r" && pwd -P)" ]; then basename "$f" .h; fi
        done
    done | sort -u > "$tmp/reach"
{
    for h in $c11_headers; do echo "$h	HEADER	C11"; done
    sed 's/$/	HEADER	SYSTEM/' "$tmp/reach"
} | awk -F'\t' '!seen[$1]++' > "$tmp/headers.def"

gcc_version=$($cc --version | head -n 1)
libc_version=$(ldd --version 2>/dev/null | head -n 1 || echo "unknown C library")
other_versions=$(printf '#include <zlib.h>\n#include <openssl/opensslv.h>\n' | $cc -dM -E -x c - 2>/dev/null |
                 sed -nE 's/^#define (ZLIB_VERSION|OPENSSL_VERSION_TEXT) "(.*)"$/\1 \2/p' | sort | tr '\n' ';' |
                 sed 's/;$//; s/;/; /g')
{
    echo "/* reserved_names.def — generated by tools/gen-reserved-names.sh; do not edit by hand."
    echo " *"
    echo " * Taken from: $gcc_version"
    echo " *             $libc_version"
    echo " *             ${other_versions:-no zlib or OpenSSL headers}"
    echo " *             $(uname -m), $cc -std=c11 and the default GNU mode"
    echo " * Command:    tools/gen-reserved-names.sh (CC=$cc)"
    echo " * Headers:    the 29 C11 headers; $(echo $sys_headers)"
    echo " *"
    echo " * $(grep -c '	PREDEFINED	' "$tmp/names") predefined, $(grep -c '	DEFINED	' "$tmp/names") defined by programs,"\
         "$(grep -c '	MACRO	' "$tmp/names") macros, $(grep -c '	TYPE	' "$tmp/names") types,"\
         "$(grep -c '	FUNCTION	' "$tmp/names") functions, $(grep -c '	TAG	' "$tmp/names") tags and enum constants,"\
         "$(wc -l < "$tmp/headers.def") headers. See the script for what each line means. */"
    for kind in PREDEFINED DEFINED MACRO TYPE FUNCTION TAG; do
        awk -F'\t' -v k=$kind '$2 == k' "$tmp/names" | LC_ALL=C sort -t'	' -k1,1 |
            awk -F'\t' '{
                if ($2 == "PREDEFINED") printf "RP_RESERVED_PREDEFINED(\"%s\", %s)\n", $1, $3;
                else if ($2 == "DEFINED") printf "RP_RESERVED_DEFINED(\"%s\", \"%s\")\n", $1, $3;
                else printf "RP_RESERVED_%s(\"%s\", \"%s\", %s)\n", $2, $1, $3, $4 }'
    done
    LC_ALL=C sort -t'	' -k1,1 "$tmp/headers.def" | awk -F'\t' '{ printf "RP_RESERVED_HEADER(\"%s\", %s)\n", $1, $3 }'
} > "$out"
echo "gen-reserved-names: wrote $out ($(grep -c '^RP_' "$out") lines)"
