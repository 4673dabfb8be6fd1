/* rp_codec: base64 and hex. See rp_codec.h. */
#include "rp_codec.h"

#include <stdbool.h>
#include <string.h>

#include "rp_codec_internal.h"

static const char b64_alphabet[64] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Why the decode tables: classifying each character with range tests cost ~40 instructions
 * per base64 character, and decoding a CONNECT message (a ~600-character RSA key) spent 85%
 * of its time there. A table is one load per character, and because every non-value entry
 * has a high bit set, OR-ing the four entries of a group checks the whole group at once.
 * The tables are built at compile time from the character rules below (ASCII), so they
 * cannot drift from the alphabet by a typo in 256 hand-written numbers. */
enum {
    B64_PAD = 0x40, /* '=' (its own class: strict mode reports it differently) */
    B64_BAD = 0x80, /* any other byte outside the 64-letter alphabet */
    B64_CLASS = B64_PAD | B64_BAD,
    HEX_BAD = 0x80  /* not a hex digit */
};

/* The (uint8_t) casts only quiet clang, which range-checks the branches a byte never takes. */
#define RP_B64_ENTRY(c)                                                                            \
    (uint8_t)((c) >= 'A' && (c) <= 'Z'   ? (c) - 'A'                                               \
              : (c) >= 'a' && (c) <= 'z' ? (c) - 'a' + 26                                          \
              : (c) >= '0' && (c) <= '9' ? (c) - '0' + 52                                          \
              : (c) == '+'               ? 62                                                      \
              : (c) == '/'               ? 63                                                      \
              : (c) == '='               ? B64_PAD                                                 \
                                         : B64_BAD)
#define RP_HEX_ENTRY(c)                                                                            \
    (uint8_t)((c) >= '0' && (c) <= '9'   ? (c) - '0'                                               \
              : (c) >= 'a' && (c) <= 'f' ? (c) - 'a' + 10                                          \
              : (c) >= 'A' && (c) <= 'F' ? (c) - 'A' + 10                                          \
                                         : HEX_BAD)
/* E(0), E(1), ..., E(255) */
#define RP_TAB4(E, b) E(b), E((b) + 1), E((b) + 2), E((b) + 3)
#define RP_TAB16(E, b)                                                                             \
    RP_TAB4(E, b), RP_TAB4(E, (b) + 4), RP_TAB4(E, (b) + 8), RP_TAB4(E, (b) + 12)
#define RP_TAB64(E, b)                                                                             \
    RP_TAB16(E, b), RP_TAB16(E, (b) + 16), RP_TAB16(E, (b) + 32), RP_TAB16(E, (b) + 48)
#define RP_TAB256(E) RP_TAB64(E, 0), RP_TAB64(E, 64), RP_TAB64(E, 128), RP_TAB64(E, 192)

/* byte -> 0..63, B64_PAD or B64_BAD */
static const uint8_t b64_table[256] = {RP_TAB256(RP_B64_ENTRY)};
/* Why four more tables: the fast path below spent most of an AES envelope open shifting and
 * checking each letter. These hold a letter's value already shifted to its place in the
 * group's 24 bits, or B64_GROUP_BAD for anything else ('=' included), so a group is four
 * loads OR-ed together and one test. Not at -Os (4 KiB): there b64_table and shifts do it. */
#if !defined(__OPTIMIZE_SIZE__)
#define RP_CODEC_GROUP_TABLES 1
#define B64_GROUP_BAD 0x80000000u
#define RP_B64_SHIFTED(c, s)                                                                       \
    ((RP_B64_ENTRY(c) & B64_CLASS) ? B64_GROUP_BAD : (uint32_t)RP_B64_ENTRY(c) << (s))
#define RP_B64_AT18(c) RP_B64_SHIFTED(c, 18)
#define RP_B64_AT12(c) RP_B64_SHIFTED(c, 12)
#define RP_B64_AT6(c) RP_B64_SHIFTED(c, 6)
#define RP_B64_AT0(c) RP_B64_SHIFTED(c, 0)
static const uint32_t b64_at18[256] = {RP_TAB256(RP_B64_AT18)};
static const uint32_t b64_at12[256] = {RP_TAB256(RP_B64_AT12)};
static const uint32_t b64_at6[256] = {RP_TAB256(RP_B64_AT6)};
static const uint32_t b64_at0[256] = {RP_TAB256(RP_B64_AT0)};
#undef RP_B64_AT0
#undef RP_B64_AT6
#undef RP_B64_AT12
#undef RP_B64_AT18
#undef RP_B64_SHIFTED
#else
#define RP_CODEC_GROUP_TABLES 0
#endif
/* byte -> 0..15 or HEX_BAD (either case) */
static const uint8_t hex_table[256] = {RP_TAB256(RP_HEX_ENTRY)};

#undef RP_TAB256
#undef RP_TAB64
#undef RP_TAB16
#undef RP_TAB4
#undef RP_HEX_ENTRY
#undef RP_B64_ENTRY

static void set_len(size_t *out_len, size_t v)
{
    if (out_len) *out_len = v;
}

/* The errors below are shared by several call sites each: out of line, they cost a call
 * there instead of a copy of their arguments and branches. */
#if defined(__GNUC__) || defined(__clang__)
#define RP_CODEC_COLD __attribute__((cold, noinline))
#else
#define RP_CODEC_COLD
#endif

/* True when a NULL buffer comes with a non-zero length (then the caller reports it). */
static bool null_buffers(const void *in, size_t len, const void *out, size_t cap)
{
    return (in == NULL && len > 0) || (out == NULL && cap > 0);
}

/* "<what>: NULL buffer" (what: "base64 encode", "hex decode", ...). */
static RP_CODEC_COLD int null_buffer_error(rp_error *err, rp_layer layer, const char *what)
{
    return rp_error_set(err, RP_E_ARGUMENT, layer, SIZE_MAX, "%s: NULL buffer", what);
}

/* "<what>: output needs N bytes, buffer has M". */
static RP_CODEC_COLD int needs_error(rp_error *err, rp_layer layer, const char *what, size_t need,
                                     size_t cap)
{
    return rp_error_set(err, RP_E_OVERFLOW, layer, SIZE_MAX,
                        "%s: output needs %zu bytes, buffer has %zu", what, need, cap);
}

/* A byte outside the alphabet at offset at: shown as 'c' when printable, else as 0xNN. */
static RP_CODEC_COLD int bad_char_error(rp_error *err, bool hex, unsigned char c, size_t at)
{
    rp_status code = hex ? RP_E_HEX : RP_E_BASE64;
    rp_layer layer = hex ? RP_LAYER_HEX : RP_LAYER_BASE64;
    const char *what = hex ? "hex" : "base64";
    if (c >= 0x20 && c < 0x7f)
        return rp_error_set(err, code, layer, at, "%s: invalid character '%c' at offset %zu",
                            what, c, at);
    return rp_error_set(err, code, layer, at, "%s: invalid byte 0x%02x at offset %zu", what, c,
                        at);
}

/* "base64: <what> at offset N": the strict mode's complaints about '=' and its bits. */
static RP_CODEC_COLD int b64_strict_error(rp_error *err, const char *what, size_t at)
{
    return rp_error_set(err, RP_E_BASE64, RP_LAYER_BASE64, at, "base64: %s at offset %zu", what,
                        at);
}

static RP_CODEC_COLD int b64_small_error(rp_error *err, size_t at, size_t cap)
{
    return rp_error_set(err, RP_E_OVERFLOW, RP_LAYER_BASE64, at,
                        "base64 decode: output buffer of %zu bytes is too small", cap);
}

int rp_base64_encode(const uint8_t *in, size_t len, char *out, size_t cap, size_t *out_len,
                     rp_error *err)
{
    set_len(out_len, 0);
    if (null_buffers(in, len, out, cap))
        return null_buffer_error(err, RP_LAYER_BASE64, "base64 encode");
    /* (len + 2) / 3 * 4 would overflow for absurd sizes; refuse before computing it. */
    if (len > (SIZE_MAX / 4u) * 3u - 3u)
        return rp_error_set(err, RP_E_OVERFLOW, RP_LAYER_BASE64, SIZE_MAX,
                            "base64 encode: input of %zu bytes is too large", len);
    size_t need = RP_BASE64_ENCODED_LEN(len);
    if (cap < need + 1) return needs_error(err, RP_LAYER_BASE64, "base64 encode", need + 1, cap);
    size_t i = 0, o = 0;
#if defined(__OPTIMIZE_SIZE__)
    /* One loop with the padding folded in: the same letters in less code. */
    for (; i < len; i += 3, o += 4) {
        size_t r = len - i;
        uint32_t v = (uint32_t)in[i] << 16;
        if (r > 1) v |= (uint32_t)in[i + 1] << 8;
        if (r > 2) v |= in[i + 2];
        out[o] = b64_alphabet[v >> 18];
        out[o + 1] = b64_alphabet[(v >> 12) & 63];
        out[o + 2] = r > 1 ? b64_alphabet[(v >> 6) & 63] : '=';
        out[o + 3] = r > 2 ? b64_alphabet[v & 63] : '=';
    }
#else
    size_t whole = len - len % 3;
    for (; i < whole; i += 3, o += 4) { /* 3 bytes -> 4 letters */
        uint32_t v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8) | in[i + 2];
        out[o] = b64_alphabet[v >> 18];
        out[o + 1] = b64_alphabet[(v >> 12) & 63];
        out[o + 2] = b64_alphabet[(v >> 6) & 63];
        out[o + 3] = b64_alphabet[v & 63];
    }
    if (len % 3 != 0) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (len % 3 == 2) v |= (uint32_t)in[i + 1] << 8;
        out[o] = b64_alphabet[v >> 18];
        out[o + 1] = b64_alphabet[(v >> 12) & 63];
        out[o + 2] = len % 3 == 2 ? b64_alphabet[(v >> 6) & 63] : '=';
        out[o + 3] = '=';
        o += 4;
    }
#endif
    out[o] = '\0';
    set_len(out_len, o);
    return RP_OK;
}



/* Decodes whole groups of four alphabet letters from in[i..) into out[*o..) while at least
 * four characters remain and three bytes fit; stops before the first group that holds '='
 * or any non-alphabet byte. Returns the offset where it stopped and advances *o. This is the
 * common case of both modes; the callers continue with their careful code from there, so
 * whatever is unusual ('=', whitespace, foreign bytes, a full buffer) is handled only there.
 * At -Os it decodes nothing: the careful code decodes plain groups too, to the same bytes
 * and errors, as if it started at offset 0 (which is what it does then). */
static inline size_t b64_decode_groups(const char *in, size_t len, size_t i, uint8_t *out,
                                       size_t cap, size_t *o)
{
#if defined(__OPTIMIZE_SIZE__)
    (void)in, (void)len, (void)out, (void)cap, (void)o;
    return i;
#else
    size_t groups = (len - i) / 4, room = (cap - *o) / 3;
    if (groups > room) groups = room;
    if (groups == 0) return i; /* also keeps NULL buffers (len or cap 0) out of reach */
    const unsigned char *p = (const unsigned char *)in + i, *end = p + groups * 4;
    uint8_t *q = out + *o;
#if RP_CODEC_AVX2
    if (end - p >= 32 && rp_block_have_avx2())
        for (; end - p >= 32; p += 32, q += 24)
            if (!rp_block_b64x32(p, q)) break;
#endif
    for (; p != end; p += 4, q += 3) {
#if RP_CODEC_GROUP_TABLES
        uint32_t w = b64_at18[p[0]] | b64_at12[p[1]] | b64_at6[p[2]] | b64_at0[p[3]];
        if (w & B64_GROUP_BAD) break;
#else
        uint32_t a = b64_table[p[0]], b = b64_table[p[1]], c = b64_table[p[2]],
                 d = b64_table[p[3]];
        if ((a | b | c | d) & B64_CLASS) break;
        uint32_t w = (a << 18) | (b << 12) | (c << 6) | d;
#endif
        q[0] = (uint8_t)(w >> 16);
        q[1] = (uint8_t)(w >> 8);
        q[2] = (uint8_t)w;
    }
    *o = (size_t)(q - out);
    return (size_t)(p - (const unsigned char *)in);
#endif
}

/* Crypto++ BaseN_Decoder semantics: skip non-alphabet bytes, emit every completed byte,
 * drop the trailing bits that do not complete one. Decoding the letters four at a time is
 * the same bit stream as one at a time: four letters are exactly three bytes. */
static int b64_decode_lenient(const char *in, size_t len, uint8_t *out, size_t cap,
                              size_t *out_len, rp_error *err)
{
    size_t o = 0, i = 0;
    bool fast = true;
    for (;;) {
        if (fast) i = b64_decode_groups(in, len, i, out, cap, &o);
        /* The careful way: gather the next four letters wherever they are, skipping the rest.
         * Only four adjacent letters (a line break before them is fine) make the fast path
         * worth another try, so junk inside every group does not pay for a failed try each. */
        uint32_t w = 0;
        size_t at[4]; /* offsets of the letters gathered */
        unsigned n = 0;
        while (i < len && n < 4) {
            uint32_t v = b64_table[(unsigned char)in[i++]];
            if (v < 64) {
                w = (w << 6) | v;
                at[n++] = i - 1;
            }
        }
        w <<= 6 * (4 - n);
        fast = n == 4 && at[3] - at[0] == 3;
#if !defined(__OPTIMIZE_SIZE__) /* at -Os the loop below writes these three as well */
        if (n == 4 && cap - o >= 3) { /* the usual outcome, spelled out */
            out[o] = (uint8_t)(w >> 16);
            out[o + 1] = (uint8_t)(w >> 8);
            out[o + 2] = (uint8_t)w;
            o += 3;
            continue;
        }
#endif
        /* n letters complete n - 1 bytes; byte k is completed by letter k + 1, which is the
         * offset an overflow names. Bits of a last, incomplete byte are dropped. */
        for (unsigned k = 0; k + 1 < n; k++) {
            if (o >= cap) return b64_small_error(err, at[k + 1], cap);
            out[o++] = (uint8_t)(w >> (16 - 8 * k));
        }
        if (n < 4) break; /* the input is used up */
    }
    set_len(out_len, o);
    return RP_OK;
}

static int b64_decode_strict(const char *in, size_t len, uint8_t *out, size_t cap,
                             size_t *out_len, rp_error *err)
{
    size_t o = 0;
    /* Plain letters first. What is left from `start` on is checked below exactly as if from
     * offset 0: everything before it was letters, in whole groups, and fitted. */
    size_t start = b64_decode_groups(in, len, 0, out, cap, &o);
    /* A foreign byte is the more useful report than a length that is off because of it. */
    for (size_t i = start; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (b64_table[c] != B64_BAD) continue;
        return bad_char_error(err, false, c, i);
    }
    if (len % 4 != 0)
        return rp_error_set(err, RP_E_BASE64, RP_LAYER_BASE64, len,
                            "base64: length %zu is not a multiple of 4", len);
    /* From here on every byte is a letter or '=' (b64_table: 0..63 or B64_PAD). */
    for (size_t i = start; i < len; i += 4) {
        bool last = (i + 4 == len);
        uint32_t w = 0;
        unsigned pad = 0;
        for (size_t k = 0; k < 4; k++) {
            uint32_t v = b64_table[(unsigned char)in[i + k]];
            if (v == B64_PAD && last && k >= 2) {
                /* '=' only in the final group, only at positions 3 and 4, and "x=y" is
                 * not allowed: once padding starts, it continues to the end. */
                pad++;
                w <<= 6;
                continue;
            }
            if (pad > 0) return b64_strict_error(err, "data after padding", i + k);
            if (v == B64_PAD) return b64_strict_error(err, "misplaced padding '='", i + k);
            w = (w << 6) | v;
        }
        /* Canonical form: the bits a padded group leaves unused must be zero. */
        if ((pad == 1 && (w & 0xffu) != 0) || (pad == 2 && (w & 0xffffu) != 0))
            return b64_strict_error(err, "non-zero padding bits", i + 3 - pad);
        if (cap - o < 3 - pad) return b64_small_error(err, i, cap);
        out[o++] = (uint8_t)(w >> 16);
        if (pad < 2) out[o++] = (uint8_t)(w >> 8);
        if (pad < 1) out[o++] = (uint8_t)w;
    }
    set_len(out_len, o);
    return RP_OK;
}
int rp_base64_decode(const char *in, size_t len, rp_base64_mode mode, uint8_t *out, size_t cap,
                     size_t *out_len, rp_error *err)
{
    set_len(out_len, 0);
    if (null_buffers(in, len, out, cap))
        return null_buffer_error(err, RP_LAYER_BASE64, "base64 decode");
    int rc = mode == RP_BASE64_LENIENT ? b64_decode_lenient(in, len, out, cap, out_len, err)
                                       : b64_decode_strict(in, len, out, cap, out_len, err);
    if (rc != RP_OK) set_len(out_len, 0);
    return rc;
}

const char rp_hex_pairs[513] =
    "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"
    "202122232425262728292A2B2C2D2E2F303132333435363738393A3B3C3D3E3F"
    "404142434445464748494A4B4C4D4E4F505152535455565758595A5B5C5D5E5F"
    "606162636465666768696A6B6C6D6E6F707172737475767778797A7B7C7D7E7F"
    "808182838485868788898A8B8C8D8E8F909192939495969798999A9B9C9D9E9F"
    "A0A1A2A3A4A5A6A7A8A9AAABACADAEAFB0B1B2B3B4B5B6B7B8B9BABBBCBDBEBF"
    "C0C1C2C3C4C5C6C7C8C9CACBCCCDCECFD0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF"
    "E0E1E2E3E4E5E6E7E8E9EAEBECEDEEEFF0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF";

int rp_hex_encode(const uint8_t *in, size_t len, rp_hex_case hcase, char *out, size_t cap,
                  size_t *out_len, rp_error *err)
{
    static const char lower[] = "0123456789abcdef";
    static const char upper[] = "0123456789ABCDEF";
    set_len(out_len, 0);
    if (null_buffers(in, len, out, cap)) return null_buffer_error(err, RP_LAYER_HEX, "hex encode");
    if (len > (SIZE_MAX - 1) / 2 || cap < len * 2 + 1)
        return needs_error(err, RP_LAYER_HEX, "hex encode",
                           len > (SIZE_MAX - 1) / 2 ? SIZE_MAX : len * 2 + 1, cap);
    const char *digits = hcase == RP_HEX_UPPER ? upper : lower;
    for (size_t i = 0; i < len; i++) {
        uint8_t b = in[i]; /* one load: the stores below could alias `in` as far as C knows */
        out[2 * i] = digits[b >> 4];
        out[2 * i + 1] = digits[b & 15];
    }
    out[2 * len] = '\0';
    set_len(out_len, 2 * len);
    return RP_OK;
}

int rp_hex_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *out_len,
                  rp_error *err)
{
    set_len(out_len, 0);
    if (null_buffers(in, len, out, cap)) return null_buffer_error(err, RP_LAYER_HEX, "hex decode");
    const unsigned char *s = (const unsigned char *)in;
    size_t i = 0;
    /* Common case, when the whole result fits: check and decode pairs in one pass. It stops
     * at the first pair holding a non-digit, or before an odd last digit; the checks below
     * then run from there, which is as if from offset 0, since all before it were digits. */
    if (cap >= len / 2) {
        size_t j = 0;
#if RP_CODEC_SSE2
        for (; len / 2 - j >= 8; j += 8)
            if (!rp_block_hex16(s + 2 * j, out + j)) break;
#endif
        for (; j < len / 2; j++) {
            unsigned hi = hex_table[s[2 * j]], lo = hex_table[s[2 * j + 1]];
            if ((hi | lo) & HEX_BAD) break;
            out[j] = (uint8_t)((hi << 4) | lo);
        }
        i = 2 * j;
    }
    for (size_t k = i; k < len; k++) {
        unsigned char c = s[k];
        if (hex_table[c] == HEX_BAD) return bad_char_error(err, true, c, k);
    }
    if (len % 2 != 0)
        return rp_error_set(err, RP_E_HEX, RP_LAYER_HEX, len,
                            "hex: odd length %zu (a digit is missing at the end)", len);
    if (cap < len / 2) return needs_error(err, RP_LAYER_HEX, "hex decode", len / 2, cap);
    /* Here the pass above ran (cap suffices) and reached the end: all of out is written. */
    set_len(out_len, len / 2);
    return RP_OK;
}

#if RP_CODEC_B64_PAIRS
/* Little-endian with the GNU builtins: eight bytes loaded and byte-swapped at once. */
#if (defined(__GNUC__) || defined(__clang__)) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define RP_CODEC_SWAR64 1
#else
#define RP_CODEC_SWAR64 0
#endif

/* Base64 letter pairs: entry v (0..4095) is the two letters of the 12 bits v, so three
 * bytes become four letters with two lookups. Why: encoding the ~440-byte RSA key of a
 * CONNECT one letter at a time (rp_base64_encode) was 80% of the encode; this table (8 KiB,
 * built by the compiler from the alphabet rule) halves that. */
#define B64_LETTER(x)                                                                              \
    (char)((x) < 26 ? 'A' + (x) : (x) < 52 ? 'a' + ((x) - 26) : (x) < 62 ? '0' + ((x) - 52)        \
           : (x) == 62 ? '+' : '/')
#define B64_PAIR(v) B64_LETTER((v) >> 6), B64_LETTER((v) & 63)
#define B64_P4(v) B64_PAIR(v), B64_PAIR((v) + 1), B64_PAIR((v) + 2), B64_PAIR((v) + 3)
#define B64_P16(v) B64_P4(v), B64_P4((v) + 4), B64_P4((v) + 8), B64_P4((v) + 12)
#define B64_P64(v) B64_P16(v), B64_P16((v) + 16), B64_P16((v) + 32), B64_P16((v) + 48)
#define B64_P256(v) B64_P64(v), B64_P64((v) + 64), B64_P64((v) + 128), B64_P64((v) + 192)
#define B64_P1024(v) B64_P256(v), B64_P256((v) + 256), B64_P256((v) + 512), B64_P256((v) + 768)
static const char b64_pairs[8192] = {
    B64_P1024(0), B64_P1024(1024), B64_P1024(2048), B64_P1024(3072)
};
#undef B64_P1024
#undef B64_P256
#undef B64_P64
#undef B64_P16
#undef B64_P4
#undef B64_PAIR
#undef B64_LETTER

void rp_base64_encode_pairs(const uint8_t *in, size_t len, char *out)
{
    size_t i = 0;
#if RP_CODEC_SWAR64
    /* Six bytes per 8-byte big-endian load (two bytes are read ahead), twelve per step. */
    for (; len - i >= 14; i += 12, out += 16) {
        uint64_t x, y;
        memcpy(&x, in + i, 8);
        memcpy(&y, in + i + 6, 8);
        x = __builtin_bswap64(x);
        y = __builtin_bswap64(y);
        memcpy(out, b64_pairs + 2 * (x >> 52), 2);
        memcpy(out + 2, b64_pairs + 2 * ((x >> 40) & 4095u), 2);
        memcpy(out + 4, b64_pairs + 2 * ((x >> 28) & 4095u), 2);
        memcpy(out + 6, b64_pairs + 2 * ((x >> 16) & 4095u), 2);
        memcpy(out + 8, b64_pairs + 2 * (y >> 52), 2);
        memcpy(out + 10, b64_pairs + 2 * ((y >> 40) & 4095u), 2);
        memcpy(out + 12, b64_pairs + 2 * ((y >> 28) & 4095u), 2);
        memcpy(out + 14, b64_pairs + 2 * ((y >> 16) & 4095u), 2);
    }
#endif
    for (; len - i >= 3; i += 3, out += 4) {
        uint32_t v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8) | in[i + 2];
        memcpy(out, b64_pairs + 2 * (v >> 12), 2);
        memcpy(out + 2, b64_pairs + 2 * (v & 4095u), 2);
    }
    if (len - i == 1) {
        uint32_t v = (uint32_t)in[i] << 4;
        memcpy(out, b64_pairs + 2 * v, 2);
        out[2] = '=';
        out[3] = '=';
    } else if (len - i == 2) {
        uint32_t v = ((uint32_t)in[i] << 10) | ((uint32_t)in[i + 1] << 2);
        memcpy(out, b64_pairs + 2 * (v >> 6), 2);
        memcpy(out + 2, b64_pairs + 2 * (v & 63u) + 1, 1);
        out[3] = '=';
    }
}
#endif
