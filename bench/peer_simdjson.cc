// peer_simdjson.cc: simdjson 3 On-Demand as a user after speed would use it: no DOM; one
// parser kept for the whole run (it allocates on the first parse only); each object walked
// once, its keys unescaped and dispatched by length and bytes, each value read as the type
// the spec wants and checked against exactly the spec's rules (the same as peer_msgs.inc:
// ranges, consts, one_of, enum values, flag bits, lengths, charsets, required keys, unknown
// keys ignored, a key twice refused), strings copied into the caller's storage, hex and
// base64 decoded by the runtime's rp_hex_decode / rp_base64_decode (peer_util.c).
//
// Decode only: simdjson 3.0 has no writer. The input needs SIMDJSON_PADDING readable bytes
// after the text, which bench_codec provides (PEER_INPUT_PADDING). simdjson validates the
// UTF-8 of the whole input up front; values of unknown keys are skipped without full
// validation (On-Demand's contract), and 3.0 offers no check for text after the root object.
#include <simdjson.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "peers.h"

static_assert(PEER_INPUT_PADDING >= simdjson::SIMDJSON_PADDING, "simdjson needs its padding");

namespace {

using simdjson::ondemand::object;
using simdjson::ondemand::value;
using std::string_view;

simdjson::ondemand::parser &the_parser()
{
    static simdjson::ondemand::parser p;
    return p;
}

bool is(string_view k, const char *lit, size_t n) { return k.size() == n && std::memcmp(k.data(), lit, n) == 0; }
#define IS(k, lit) is((k), (lit), sizeof(lit) - 1)

// Each returns true when the value is present, of the right type and within the rules.
bool u64(value v, uint64_t lo, uint64_t hi, uint64_t &out)
{
    uint64_t x;
    if (v.get_uint64().get(x) != simdjson::SUCCESS || x < lo || x > hi)
        return false;
    out = x;
    return true;
}

bool str(value v, size_t lo, size_t hi, bool (*cs)(const char *, size_t), peer_store *st, rp_str &dst)
{
    string_view s;
    if (v.get_string().get(s) != simdjson::SUCCESS || s.size() < lo || s.size() > hi)
        return false;
    if (cs != nullptr && !cs(s.data(), s.size()))
        return false;
    return peer_copy_str(st, s.data(), s.size(), &dst) == 0;
}

// hex whose decoded length is one of a, b, c
bool hex(value v, size_t a, size_t b, size_t c, peer_store *st, rp_bytes &dst)
{
    string_view s;
    if (v.get_string().get(s) != simdjson::SUCCESS)
        return false;
    size_t l = s.size() / 2;
    if (l != a && l != b && l != c)
        return false;
    uint8_t *d = peer_reserve(st, l);
    if (d == nullptr || peer_hex_decode(s.data(), s.size(), d, l) != static_cast<long>(l))
        return false;
    dst.ptr = d;
    dst.len = l;
    return true;
}

bool b64(value v, size_t lo, size_t hi, peer_store *st, rp_bytes &dst)
{
    string_view s;
    if (v.get_string().get(s) != simdjson::SUCCESS)
        return false;
    size_t cap = s.size() / 4 * 3;
    uint8_t *d = peer_reserve(st, cap);
    long l = d == nullptr ? -1 : peer_base64_decode(s.data(), s.size(), d, cap);
    if (l < static_cast<long>(lo) || l > static_cast<long>(hi))
        return false;
    dst.ptr = d;
    dst.len = static_cast<size_t>(l);
    return true;
}

// A key seen twice is refused (as ours does without a duplicate_keys profile).
#define ONCE(has) \
    if (has)      \
        return -1; \
    has = true

int fill_connect(object o, residue_connect *m, peer_store *st)
{
    std::memset(m, 0, sizeof *m);
    for (auto f : o) {
        string_view k;
        value v;
        if (f.unescaped_key().get(k) != simdjson::SUCCESS || f.value().get(v) != simdjson::SUCCESS)
            return -1;
        uint64_t x;
        if (IS(k, "_t")) {
            ONCE(m->has_timestamp);
            if (!u64(v, 1, UINT64_MAX, m->timestamp))
                return -1;
        } else if (IS(k, "type")) {
            ONCE(m->has_type);
            if (!u64(v, 1, 1, x))
                return -1;
            m->type = static_cast<residue_request_type>(x);
        } else if (IS(k, "key_size")) {
            ONCE(m->has_key_size);
            if (!u64(v, 0, 65535, x) || (x != 128 && x != 192 && x != 256))
                return -1;
            m->key_size = static_cast<uint16_t>(x);
        } else if (IS(k, "client_id")) {
            ONCE(m->has_client_id);
            if (!str(v, 1, 128, peer_charset_client_id, st, m->client_id))
                return -1;
        } else if (IS(k, "rsa_public_key")) {
            ONCE(m->has_rsa_public_key);
            if (!b64(v, 1, 4096, st, m->rsa_public_key))
                return -1;
        }
    }
    return m->has_timestamp && m->has_type ? 0 : -1;
}

int fill_server_info(object o, residue_server_info *m, peer_store *st)
{
    for (auto f : o) {
        string_view k;
        value v;
        if (f.unescaped_key().get(k) != simdjson::SUCCESS || f.value().get(v) != simdjson::SUCCESS)
            return -1;
        if (IS(k, "version")) {
            ONCE(m->has_version);
            if (!str(v, 1, 32, peer_charset_version, st, m->version))
                return -1;
        } else if (IS(k, "licensee")) {
            ONCE(m->has_licensee);
            if (!str(v, 0, 256, nullptr, st, m->licensee))
                return -1;
        } else if (IS(k, "license_expiry")) {
            ONCE(m->has_license_expiry);
            if (!str(v, 0, 64, nullptr, st, m->license_expiry))
                return -1;
        } else if (IS(k, "licensing_authority")) {
            ONCE(m->has_licensing_authority);
            if (!str(v, 0, 256, nullptr, st, m->licensing_authority))
                return -1;
        }
    }
    return m->has_version ? 0 : -1;
}

int fill_established(object o, residue_established *m, peer_store *st)
{
    std::memset(m, 0, sizeof *m);
    for (auto f : o) {
        string_view k;
        value v;
        if (f.unescaped_key().get(k) != simdjson::SUCCESS || f.value().get(v) != simdjson::SUCCESS)
            return -1;
        uint64_t x;
        switch (k.size()) {
        case 3:
            if (IS(k, "ack")) {
                ONCE(m->has_ack);
                if (!u64(v, 1, 1, x))
                    return -1;
                m->ack = static_cast<residue_ack_state>(x);
            } else if (IS(k, "key")) {
                ONCE(m->has_key);
                if (!hex(v, 16, 24, 32, st, m->key))
                    return -1;
            } else if (IS(k, "age")) {
                ONCE(m->has_age);
                if (!u64(v, 0, UINT32_MAX, x))
                    return -1;
                m->age = static_cast<uint32_t>(x);
            }
            break;
        case 5:
            if (IS(k, "flags")) {
                ONCE(m->has_flags);
                if (!u64(v, 0, UINT32_MAX, x) || (x & ~static_cast<uint64_t>(PEER_SERVER_FLAGS_ALL)) != 0)
                    return -1;
                m->flags = static_cast<residue_server_flags>(x);
            } else if (IS(k, "token")) {
                ONCE(m->has_token);
                if (!hex(v, 16, 16, 16, st, m->token))
                    return -1;
            }
            break;
        case 6:
            if (IS(k, "status")) {
                ONCE(m->has_status);
                if (!u64(v, 0, 0, x))
                    return -1;
                m->status = static_cast<residue_response_status>(x);
            }
            break;
        case 8:
            if (IS(k, "licensee")) {
                ONCE(m->has_licensee);
                if (!str(v, 0, 256, nullptr, st, m->licensee))
                    return -1;
            }
            break;
        case 9:
            if (IS(k, "client_id")) {
                ONCE(m->has_client_id);
                if (!str(v, 1, 128, peer_charset_client_id, st, m->client_id))
                    return -1;
            }
            break;
        case 10:
            if (IS(k, "token_port")) {
                ONCE(m->has_token_port);
                if (!u64(v, 1, 65535, x))
                    return -1;
                m->token_port = static_cast<uint16_t>(x);
            }
            break;
        case 11:
            if (IS(k, "server_info")) {
                ONCE(m->has_server_info);
                object si;
                if (v.get_object().get(si) != simdjson::SUCCESS
                    || fill_server_info(si, &m->server_info, st) != 0)
                    return -1;
            }
            break;
        case 12:
            if (IS(k, "logging_port")) {
                ONCE(m->has_logging_port);
                if (!u64(v, 1, 65535, x))
                    return -1;
                m->logging_port = static_cast<uint16_t>(x);
            } else if (IS(k, "date_created")) {
                ONCE(m->has_date_created);
                if (!u64(v, 0, UINT64_MAX, m->date_created))
                    return -1;
            }
            break;
        case 13:
            if (IS(k, "max_bulk_size")) {
                ONCE(m->has_max_bulk_size);
                if (!u64(v, 1, 10000, x))
                    return -1;
                m->max_bulk_size = static_cast<uint32_t>(x);
            }
            break;
        default:
            break;
        }
    }
    return m->has_status && m->has_ack && m->has_flags && m->has_max_bulk_size && m->has_key
                   && m->has_client_id && m->has_logging_port
               ? 0
               : -1;
}

int fill_log_request(object o, residue_log_request *m, peer_store *st)
{
    std::memset(m, 0, sizeof *m);
    m->vlevel = 9; // spec default
    for (auto f : o) {
        string_view k;
        value v;
        if (f.unescaped_key().get(k) != simdjson::SUCCESS || f.value().get(v) != simdjson::SUCCESS)
            return -1;
        uint64_t x;
        switch (k.size()) {
        case 2:
            if (IS(k, "_t")) {
                ONCE(m->has_timestamp);
                if (!u64(v, 1, UINT64_MAX, m->timestamp))
                    return -1;
            }
            break;
        case 3:
            if (IS(k, "msg")) {
                ONCE(m->has_msg);
                if (!str(v, 1, 1073741824, nullptr, st, m->msg))
                    return -1;
            } else if (IS(k, "app")) {
                ONCE(m->has_app);
                if (!str(v, 0, 256, nullptr, st, m->app))
                    return -1;
            }
            break;
        case 4:
            if (IS(k, "file")) {
                ONCE(m->has_file);
                if (!str(v, 0, 1024, nullptr, st, m->file))
                    return -1;
            } else if (IS(k, "line")) {
                ONCE(m->has_line);
                if (!u64(v, 0, UINT32_MAX, x))
                    return -1;
                m->line = static_cast<uint32_t>(x);
            } else if (IS(k, "func")) {
                ONCE(m->has_func);
                if (!str(v, 0, 1024, nullptr, st, m->func))
                    return -1;
            }
            break;
        case 5:
            if (IS(k, "level")) {
                ONCE(m->has_level);
                if (!u64(v, 1, 128, x) || !peer_level_ok(static_cast<int64_t>(x)))
                    return -1;
                m->level = static_cast<residue_level>(x);
            } else if (IS(k, "token")) {
                ONCE(m->has_token);
                if (!str(v, 0, 64, nullptr, st, m->token))
                    return -1;
            }
            break;
        case 6:
            if (IS(k, "logger")) {
                ONCE(m->has_logger);
                if (!str(v, 1, 128, nullptr, st, m->logger))
                    return -1;
            } else if (IS(k, "vlevel")) {
                ONCE(m->has_vlevel);
                if (!u64(v, 0, 9, x))
                    return -1;
                m->vlevel = static_cast<uint8_t>(x);
            } else if (IS(k, "thread")) {
                ONCE(m->has_thread);
                if (!str(v, 0, 256, nullptr, st, m->thread))
                    return -1;
            }
            break;
        case 8:
            if (IS(k, "datetime")) {
                ONCE(m->has_datetime);
                if (!u64(v, 1, UINT64_MAX, m->datetime))
                    return -1;
            }
            break;
        case 9:
            if (IS(k, "client_id")) {
                ONCE(m->has_client_id);
                if (!str(v, 0, 128, nullptr, st, m->client_id))
                    return -1;
            }
            break;
        default:
            break;
        }
    }
    if (!m->has_logger) {
        m->logger.ptr = "default"; // spec default
        m->logger.len = 7;
    }
    return m->has_timestamp && m->has_datetime && m->has_msg && m->has_level ? 0 : -1;
}

template <typename T, int (*Fill)(object, T *, peer_store *)>
int decode(const char *json, size_t len, T *m, peer_store *st)
{
    simdjson::ondemand::document doc;
    if (the_parser().iterate(json, len, len + PEER_INPUT_PADDING).get(doc) != simdjson::SUCCESS)
        return -1;
    object o;
    if (doc.get_object().get(o) != simdjson::SUCCESS)
        return -1;
    return Fill(o, m, st);
}

const peer_codec simdjson_codec = {
    "simdjson",
    decode<residue_connect, fill_connect>,
    decode<residue_established, fill_established>,
    decode<residue_log_request, fill_log_request>,
    nullptr, nullptr, nullptr,
};

} // namespace

extern "C" {
const peer_codec *const peer_simdjson = &simdjson_codec;
const char *const peer_simdjson_skipped = "";

// simdjson picks its kernel at run time from the CPU (under valgrind: from what valgrind
// emulates, so instruction counts and times may come from different kernels).
const char *peer_simdjson_kernel(void)
{
    static char text[160];
    const simdjson::implementation *impl = simdjson::get_active_implementation();
#define PEER_STR2(x) #x
#define PEER_STR(x) PEER_STR2(x)
    std::snprintf(text, sizeof text, "%s (%s), simdjson %s", impl->name().c_str(),
                  impl->description().c_str(), PEER_STR(SIMDJSON_VERSION));
    return text;
}
}
