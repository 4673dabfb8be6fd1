/* floor_encode.c: the encode floor of `make bench` (issue 13): a hand-written writer for
 * CONNECT, connection-established and a log request, as a person would write it for these
 * three structs and nothing else. Fixed key literals (with their commas) copied by
 * constant-size memcpy; integers from a two-digits-per-step table; hex from a byte-pair
 * table; base64 from a 12-bit letter-pair table; a string copied as is after one table scan
 * unless it has something to escape or non-ASCII bytes (then escaped and its UTF-8 checked).
 * Before writing, the same checks ours makes before it encodes: required presence, ranges,
 * consts, one_of sets, enum values, flag bits, byte lengths, charsets, UTF-8 of strings.
 * It makes the same bytes as residue_*_encode (bench_codec checks that on the vectors).
 *
 * Not part of the runtime; it is the yardstick for "encode <= 1.2x a floor writer". */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "peers.h"

typedef struct fw {
    char *p;
    char *end;
} fw;

static inline bool room(const fw *w, size_t n) { return (size_t)(w->end - w->p) >= n; }

/* A key literal (with its leading comma) or any fixed text. */
#define LIT(w, s) put_lit((w), (s), sizeof(s) - 1)
static inline bool put_lit(fw *w, const char *s, size_t n)
{
    if (!room(w, n))
        return false;
    memcpy(w->p, s, n);
    w->p += n;
    return true;
}

static const char digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* Decimal of v: digits built right-aligned in a scratch buffer, then one fixed 20-byte copy
 * (only the digits count; near the end of the buffer, a copy of just the digits). */
static inline bool put_u64(fw *w, uint64_t v)
{
    char tmp[40];
    char *e = tmp + 20, *q = e;
    while (v >= 100) {
        unsigned r = (unsigned)(v % 100u);
        v /= 100u;
        q -= 2;
        memcpy(q, digit_pairs + 2 * r, 2);
    }
    if (v >= 10) {
        q -= 2;
        memcpy(q, digit_pairs + 2 * v, 2);
    } else {
        *--q = (char)('0' + v);
    }
    size_t n = (size_t)(e - q);
    if (room(w, 20))
        memcpy(w->p, q, 20);
    else if (room(w, n))
        memcpy(w->p, q, n); /* the last bytes of the buffer */
    else
        return false;
    w->p += n;
    return true;
}

/* 0: copied as is; 1: escaped; 2: first byte of a UTF-8 sequence (or a stray byte). */
static const uint8_t str_class[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};

/* Length of the well-formed UTF-8 sequence at s[0..n) (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF), 0 when it is not one. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t k;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) k = 2;
    else if (c >= 0xE0 && c <= 0xEF) { k = 3; if (c == 0xE0) lo = 0xA0; if (c == 0xED) hi = 0x9F; }
    else if (c >= 0xF0 && c <= 0xF4) { k = 4; if (c == 0xF0) lo = 0x90; if (c == 0xF4) hi = 0x8F; }
    else return 0;
    if (n < k || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < k; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return k;
}

/* The rare path: escapes (as ours does: \" \\ \b \f \n \r \t, else \u00XX) and checks
 * UTF-8. */
static bool put_str_slow(fw *w, const unsigned char *s, size_t n)
{
    static const char hexd[] = "0123456789ABCDEF";
    if (!put_lit(w, "\"", 1))
        return false;
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        if (str_class[c] == 0) {
            if (!put_lit(w, (const char *)s + i, 1))
                return false;
            i++;
            continue;
        }
        if (str_class[c] == 2) {
            size_t k = utf8_seq(s + i, n - i);
            if (k == 0 || !put_lit(w, (const char *)s + i, k))
                return false;
            i += k;
            continue;
        }
        char esc[6] = { '\\', 0, '0', '0', hexd[c >> 4], hexd[c & 15] };
        size_t k = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default: esc[1] = 'u'; k = 6; break;
        }
        if (!put_lit(w, esc, k))
            return false;
        i++;
    }
    return put_lit(w, "\"", 1);
}

/* Non-zero when one of the 8 bytes at p is below 0x20, '"', '\\' or 0x80 and above (the
 * usual SWAR tests: a byte's high bit survives only where the byte matched). */
static inline uint64_t swar_special(const unsigned char *p)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    uint64_t x;
    memcpy(&x, p, 8);
    uint64_t lt20 = (x - ones * 0x20) & ~x;
    uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
    uint64_t eq = ((q - ones) & ~q) | ((b - ones) & ~b);
    return (lt20 | eq | x) & highs;
}

/* A JSON string: one scan (8 bytes a step, then a table), then a plain copy unless
 * something needs work. */
static inline bool put_str(fw *w, rp_str s)
{
    const unsigned char *u = (const unsigned char *)s.ptr;
    size_t i = 0;
    while (s.len - i >= 8 && swar_special(u + i) == 0)
        i += 8;
    while (i < s.len && str_class[u[i]] == 0)
        i++;
    if (i < s.len)
        return put_str_slow(w, u, s.len);
    if (!room(w, s.len + 2))
        return false;
    w->p[0] = '"';
    memcpy(w->p + 1, s.ptr, s.len);
    w->p[s.len + 1] = '"';
    w->p += s.len + 2;
    return true;
}

static const char hex_pairs[513] =
    "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"
    "202122232425262728292A2B2C2D2E2F303132333435363738393A3B3C3D3E3F"
    "404142434445464748494A4B4C4D4E4F505152535455565758595A5B5C5D5E5F"
    "606162636465666768696A6B6C6D6E6F707172737475767778797A7B7C7D7E7F"
    "808182838485868788898A8B8C8D8E8F909192939495969798999A9B9C9D9E9F"
    "A0A1A2A3A4A5A6A7A8A9AAABACADAEAFB0B1B2B3B4B5B6B7B8B9BABBBCBDBEBF"
    "C0C1C2C3C4C5C6C7C8C9CACBCCCDCECFD0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF"
    "E0E1E2E3E4E5E6E7E8E9EAEBECEDEEEFF0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF";

/* Uppercase hex in quotes, one table copy per byte. */
static inline bool put_hex(fw *w, rp_bytes b)
{
    if (!room(w, 2 * b.len + 2))
        return false;
    char *d = w->p;
    *d++ = '"';
    for (size_t i = 0; i < b.len; i++, d += 2)
        memcpy(d, hex_pairs + 2 * b.ptr[i], 2);
    *d++ = '"';
    w->p = d;
    return true;
}

/* Entry v (0..4095) holds the two base64 letters of the 12 bits v: 3 bytes, 2 copies. */
static char b64_pairs[8192];
static bool b64_ready;

static void b64_init(void)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (unsigned v = 0; v < 4096; v++) {
        b64_pairs[2 * v] = abc[v >> 6];
        b64_pairs[2 * v + 1] = abc[v & 63];
    }
    b64_ready = true;
}

/* Padded standard base64 in quotes: twelve bytes a step from two big-endian 8-byte loads
 * (six bytes used of each), then three at a time. */
static bool put_base64(fw *w, rp_bytes b)
{
    size_t n = (b.len + 2) / 3 * 4;
    if (!room(w, n + 2))
        return false;
    if (!b64_ready)
        b64_init();
    const uint8_t *in = b.ptr;
    char *d = w->p;
    *d++ = '"';
    size_t i = 0;
    for (; b.len - i >= 14; i += 12, d += 16) {
        uint64_t x, y;
        memcpy(&x, in + i, 8);
        memcpy(&y, in + i + 6, 8);
        x = __builtin_bswap64(x);
        y = __builtin_bswap64(y);
        memcpy(d, b64_pairs + 2 * (x >> 52), 2);
        memcpy(d + 2, b64_pairs + 2 * ((x >> 40) & 4095u), 2);
        memcpy(d + 4, b64_pairs + 2 * ((x >> 28) & 4095u), 2);
        memcpy(d + 6, b64_pairs + 2 * ((x >> 16) & 4095u), 2);
        memcpy(d + 8, b64_pairs + 2 * (y >> 52), 2);
        memcpy(d + 10, b64_pairs + 2 * ((y >> 40) & 4095u), 2);
        memcpy(d + 12, b64_pairs + 2 * ((y >> 28) & 4095u), 2);
        memcpy(d + 14, b64_pairs + 2 * ((y >> 16) & 4095u), 2);
    }
    for (; b.len - i >= 3; i += 3, d += 4) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        memcpy(d, b64_pairs + 2 * (v >> 12), 2);
        memcpy(d + 2, b64_pairs + 2 * (v & 4095u), 2);
    }
    if (b.len - i == 1) {
        uint32_t v = (uint32_t)in[i] << 4;
        memcpy(d, b64_pairs + 2 * v, 2);
        d[2] = '=';
        d[3] = '=';
        d += 4;
    } else if (b.len - i == 2) {
        uint32_t v = (uint32_t)in[i] << 10 | (uint32_t)in[i + 1] << 2;
        memcpy(d, b64_pairs + 2 * (v >> 6), 2);
        d[2] = b64_pairs[2 * (v & 63u) + 1];
        d[3] = '=';
        d += 4;
    }
    *d++ = '"';
    w->p = d;
    return true;
}

/* ---- the checks (spec/residue.rproto) ------------------------------------------------- */

enum { CS_CLIENT_ID = 1, CS_VERSION = 2 };
static uint8_t charset[256];
static bool charset_ready;

static void charset_init(void)
{
    for (int c = 0; c < 256; c++) {
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        charset[c] = (uint8_t)((alnum || c == '_' || c == '@' || c == '#' || c == '.' || c == '-'
                                ? CS_CLIENT_ID : 0)
                               | (alnum || c == '.' || c == '-' ? CS_VERSION : 0));
    }
    charset_ready = true;
}

static inline bool str_ok(rp_str s, size_t lo, size_t hi, unsigned cs)
{
    if (s.len < lo || s.len > hi || (s.ptr == NULL && s.len > 0))
        return false;
    if (cs == 0)
        return true; /* UTF-8 is checked while writing */
    if (!charset_ready)
        charset_init();
    const unsigned char *u = (const unsigned char *)s.ptr;
    for (size_t i = 0; i < s.len; i++)
        if ((charset[u[i]] & cs) == 0)
            return false;
    return true;
}

static inline bool bytes_ok(rp_bytes b) { return b.ptr != NULL || b.len == 0; }

/* ---- the three messages ----------------------------------------------------------------- */

#define TRY(x)                                                                                     \
    do {                                                                                           \
        if (!(x))                                                                                  \
            return -1;                                                                             \
    } while (0)

static int floor_encode_connect(const residue_connect *m, char *buf, size_t cap, size_t *len)
{
    TRY(m->has_timestamp && m->timestamp >= 1);
    TRY(m->has_type && m->type == RESIDUE_REQUEST_TYPE_CONNECT);
    TRY(!m->has_key_size || m->key_size == 128 || m->key_size == 192 || m->key_size == 256);
    TRY(!m->has_client_id || str_ok(m->client_id, 1, 128, CS_CLIENT_ID));
    TRY(!m->has_rsa_public_key
        || (bytes_ok(m->rsa_public_key) && m->rsa_public_key.len >= 1
            && m->rsa_public_key.len <= 4096));
    fw w = { buf, buf + cap };
    TRY(LIT(&w, "{\"_t\":") && put_u64(&w, m->timestamp));
    TRY(LIT(&w, ",\"type\":1"));
    if (m->has_key_size)
        TRY(LIT(&w, ",\"key_size\":") && put_u64(&w, m->key_size));
    if (m->has_client_id)
        TRY(LIT(&w, ",\"client_id\":") && put_str(&w, m->client_id));
    if (m->has_rsa_public_key)
        TRY(LIT(&w, ",\"rsa_public_key\":") && put_base64(&w, m->rsa_public_key));
    TRY(LIT(&w, "}"));
    *len = (size_t)(w.p - buf);
    return 0;
}

static int floor_encode_established(const residue_established *m, char *buf, size_t cap,
                                    size_t *len)
{
    const residue_server_info *si = &m->server_info;
    TRY(m->has_status && m->status == RESIDUE_RESPONSE_STATUS_OK);
    TRY(m->has_ack && m->ack == RESIDUE_ACK_STATE_ACKNOWLEDGED);
    TRY(m->has_flags && ((uint64_t)m->flags & ~(uint64_t)PEER_SERVER_FLAGS_ALL) == 0);
    TRY(m->has_max_bulk_size && m->max_bulk_size >= 1 && m->max_bulk_size <= 10000);
    TRY(!m->has_licensee || str_ok(m->licensee, 0, 256, 0));
    TRY(!m->has_server_info
        || (si->has_version && str_ok(si->version, 1, 32, CS_VERSION)
            && (!si->has_licensee || str_ok(si->licensee, 0, 256, 0))
            && (!si->has_license_expiry || str_ok(si->license_expiry, 0, 64, 0))
            && (!si->has_licensing_authority || str_ok(si->licensing_authority, 0, 256, 0))));
    TRY(m->has_key && bytes_ok(m->key)
        && (m->key.len == 16 || m->key.len == 24 || m->key.len == 32));
    TRY(m->has_client_id && str_ok(m->client_id, 1, 128, CS_CLIENT_ID));
    TRY(!m->has_token || (bytes_ok(m->token) && m->token.len == 16));
    TRY(!m->has_token_port || m->token_port >= 1);
    TRY(m->has_logging_port && m->logging_port >= 1);
    fw w = { buf, buf + cap };
    TRY(LIT(&w, "{\"status\":0,\"ack\":1,\"flags\":") && put_u64(&w, m->flags));
    TRY(LIT(&w, ",\"max_bulk_size\":") && put_u64(&w, m->max_bulk_size));
    if (m->has_licensee)
        TRY(LIT(&w, ",\"licensee\":") && put_str(&w, m->licensee));
    if (m->has_server_info) {
        TRY(LIT(&w, ",\"server_info\":{\"version\":") && put_str(&w, si->version));
        if (si->has_licensee)
            TRY(LIT(&w, ",\"licensee\":") && put_str(&w, si->licensee));
        if (si->has_license_expiry)
            TRY(LIT(&w, ",\"license_expiry\":") && put_str(&w, si->license_expiry));
        if (si->has_licensing_authority)
            TRY(LIT(&w, ",\"licensing_authority\":") && put_str(&w, si->licensing_authority));
        TRY(LIT(&w, "}"));
    }
    TRY(LIT(&w, ",\"key\":") && put_hex(&w, m->key));
    TRY(LIT(&w, ",\"client_id\":") && put_str(&w, m->client_id));
    if (m->has_token)
        TRY(LIT(&w, ",\"token\":") && put_hex(&w, m->token));
    if (m->has_token_port)
        TRY(LIT(&w, ",\"token_port\":") && put_u64(&w, m->token_port));
    TRY(LIT(&w, ",\"logging_port\":") && put_u64(&w, m->logging_port));
    if (m->has_age)
        TRY(LIT(&w, ",\"age\":") && put_u64(&w, m->age));
    if (m->has_date_created)
        TRY(LIT(&w, ",\"date_created\":") && put_u64(&w, m->date_created));
    TRY(LIT(&w, "}"));
    *len = (size_t)(w.p - buf);
    return 0;
}

static int floor_encode_log_request(const residue_log_request *m, char *buf, size_t cap,
                                    size_t *len)
{
    TRY(m->has_timestamp && m->timestamp >= 1);
    TRY(m->has_datetime && m->datetime >= 1);
    TRY(!m->has_logger || str_ok(m->logger, 1, 128, 0));
    TRY(m->has_msg && str_ok(m->msg, 1, 1073741824, 0));
    TRY(!m->has_file || str_ok(m->file, 0, 1024, 0));
    TRY(!m->has_func || str_ok(m->func, 0, 1024, 0));
    TRY(!m->has_app || str_ok(m->app, 0, 256, 0));
    TRY(m->has_level && peer_level_ok((int64_t)m->level));
    TRY(!m->has_vlevel || m->vlevel <= 9);
    TRY(!m->has_thread || str_ok(m->thread, 0, 256, 0));
    TRY(!m->has_client_id || str_ok(m->client_id, 0, 128, 0));
    TRY(!m->has_token || str_ok(m->token, 0, 64, 0));
    fw w = { buf, buf + cap };
    TRY(LIT(&w, "{\"_t\":") && put_u64(&w, m->timestamp));
    TRY(LIT(&w, ",\"datetime\":") && put_u64(&w, m->datetime));
    if (m->has_logger)
        TRY(LIT(&w, ",\"logger\":") && put_str(&w, m->logger));
    TRY(LIT(&w, ",\"msg\":") && put_str(&w, m->msg));
    if (m->has_file)
        TRY(LIT(&w, ",\"file\":") && put_str(&w, m->file));
    if (m->has_line)
        TRY(LIT(&w, ",\"line\":") && put_u64(&w, m->line));
    if (m->has_func)
        TRY(LIT(&w, ",\"func\":") && put_str(&w, m->func));
    if (m->has_app)
        TRY(LIT(&w, ",\"app\":") && put_str(&w, m->app));
    TRY(LIT(&w, ",\"level\":") && put_u64(&w, (uint64_t)m->level));
    if (m->has_vlevel)
        TRY(LIT(&w, ",\"vlevel\":") && put_u64(&w, m->vlevel));
    if (m->has_thread)
        TRY(LIT(&w, ",\"thread\":") && put_str(&w, m->thread));
    if (m->has_client_id)
        TRY(LIT(&w, ",\"client_id\":") && put_str(&w, m->client_id));
    if (m->has_token)
        TRY(LIT(&w, ",\"token\":") && put_str(&w, m->token));
    TRY(LIT(&w, "}"));
    *len = (size_t)(w.p - buf);
    return 0;
}

/* Encode only: the floor has no decoder. */
const peer_codec peer_floor = {
    "floor",
    NULL, NULL, NULL,
    floor_encode_connect, floor_encode_established, floor_encode_log_request,
};
