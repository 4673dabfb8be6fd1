/* rs_config: residue-server configuration file. See rs_config.h. */
#include "rs_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "rp_codec.h"
#include "rp_json.h"
#include "rs_logfile.h"

#define CONFIG_MAX_SIZE (1024u * 1024u)
#define PATH_MAX_LEN 4096u

void rs_settings_init(rs_settings *s)
{
    memset(s, 0, sizeof *s);
    residue_server_config_defaults(&s->server);
    s->connect_port = 8777;
    s->logging_port = 8778;
    rs_server_limits_defaults(&s->limits);
}

void rs_server_limits_defaults(rs_server_limits *l)
{
    memset(l, 0, sizeof *l);
    l->durability = RS_DURABILITY_FLUSH;
    l->durability_interval_ms = 1000;
    l->turn_packets = 32;
    l->turn_bytes = 65536;
    l->rsa_turn_ms = 10;
    l->max_output = 256u * 1024u;
    l->output_stall_s = 30;
    l->max_buffered_total = 256u * 1024u * 1024u;
    l->max_packet = 1024u * 1024u;
    l->max_connections = 4096;
}

static void free_strings(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i]);
    }
    free(v);
}

/* The logger keys' strings (rs_settings.logger_ids, blacklist, client_loggers). */
static void free_logger_keys(rs_settings *s)
{
    free_strings(s->logger_ids, s->logger_count);
    free_strings(s->blacklist, s->blacklist_count);
    for (size_t i = 0; s->client_loggers != NULL && i < s->managed_count; i++) {
        /* the strings were allocated here; the struct only lends them out as const */
        free_strings((char **)(void *)s->client_loggers[i].loggers, s->client_loggers[i].logger_count);
        free((void *)s->client_loggers[i].default_logger);
    }
    free(s->client_loggers);
}

void rs_settings_free(rs_settings *s)
{
    if (s == NULL) {
        return;
    }
    rp_rsa_key_free(s->server_private_key);
    rp_rsa_key_free(s->server_public_key);
    for (size_t i = 0; i < s->managed_count; i++) {
        rp_rsa_key_free(s->managed_keys[i]);
        free(s->managed_ids[i]);
    }
    free(s->managed_keys);
    free(s->managed_ids);
    free(s->managed);
    free_logger_keys(s);
    memset(s, 0, sizeof *s);
}

static int read_file(const char *path, char **out, size_t *out_len, rp_error *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX, "%s: %s", path, strerror(errno));
    }
    char *buf = malloc(CONFIG_MAX_SIZE + 1u);
    if (buf == NULL) {
        fclose(f);
        return rp_error_set(err, RP_E_NOMEM, RP_LAYER_IO, SIZE_MAX, "out of memory");
    }
    errno = 0;
    size_t n = fread(buf, 1, CONFIG_MAX_SIZE + 1u, f);
    int bad = ferror(f), read_errno = errno != 0 ? errno : EIO; /* a directory: EISDIR */
    fclose(f);
    if (bad) {
        free(buf);
        return rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX, "read error: %s",
                            strerror(read_errno));
    }
    if (n > CONFIG_MAX_SIZE) {
        free(buf);
        return rp_error_set(err, RP_E_LIMIT, RP_LAYER_IO, SIZE_MAX,
                            "%s: larger than %u bytes", path, CONFIG_MAX_SIZE);
    }
    buf[n] = '\0';
    *out = buf;
    *out_len = n;
    return 0;
}

/* Expands $RESIDUE_HOME in a path (see rs_config.h). */
static int expand_path(const char *raw, const char *config_path, char *out, size_t cap,
                       rp_error *err)
{
    static const char var[] = "$RESIDUE_HOME";
    const char *p = strstr(raw, var);
    if (p == NULL) {
        if (strlen(raw) >= cap) {
            return rp_error_set(err, RP_E_LIMIT, RP_LAYER_IO, SIZE_MAX, "path too long");
        }
        strcpy(out, raw);
        return 0;
    }
    char home[PATH_MAX_LEN];
    const char *env = getenv("RESIDUE_HOME");
    if (env != NULL && *env != '\0') {
        snprintf(home, sizeof home, "%s", env);
    } else {
        snprintf(home, sizeof home, "%s", config_path);
        char *slash = strrchr(home, '/');
        if (slash == NULL) {
            strcpy(home, ".");
        } else if (slash == home) {
            home[1] = '\0';
        } else {
            *slash = '\0';
        }
    }
    int n = snprintf(out, cap, "%.*s%s%s", (int)(p - raw), raw, home, p + sizeof var - 1u);
    if (n < 0 || (size_t)n >= cap) {
        return rp_error_set(err, RP_E_LIMIT, RP_LAYER_IO, SIZE_MAX, "path too long");
    }
    return 0;
}

/* Parsing context: the scanner, the path for errors, a small arena for strings. */
typedef struct cfg_parser {
    rp_json_scanner sc;
    rp_json_path path;
    rp_arena arena;
    uint8_t arena_buf[PATH_MAX_LEN + 64];
    const char *file;
} cfg_parser;

static int read_bool(cfg_parser *p, bool *out, rp_error *err)
{
    return rp_json_read_bool(&p->sc, out, err);
}

static int read_uint(cfg_parser *p, uint64_t max, uint64_t *out, rp_error *err)
{
    uint64_t v = 0;
    int rc = rp_json_read_u64(&p->sc, &v, err);
    if (rc < 0) {
        return rc;
    }
    if (v > max) {
        rc = rp_error_set(err, RP_E_SCHEMA_RANGE, RP_LAYER_SCHEMA, rp_json_value_offset(&p->sc),
                          "%llu is larger than %llu", (unsigned long long)v,
                          (unsigned long long)max);
        rp_json_path_to_error(&p->path, err);
        return rc;
    }
    *out = v;
    return 0;
}

static int read_string(cfg_parser *p, rp_str *out, rp_error *err)
{
    rp_arena_init(&p->arena, p->arena_buf, sizeof p->arena_buf);
    return rp_json_read_string_into(&p->sc, &p->arena, out, err);
}

/* A file name into dst[cap]: refused whole when it does not fit or holds a NUL byte
 * (\u0000), rather than cut into the name of some other file. */
static int read_path(cfg_parser *p, char *dst, size_t cap, rp_error *err)
{
    rp_str v;
    int rc = read_string(p, &v, err);
    if (rc < 0) return rc;
    size_t at = rp_json_value_offset(&p->sc);
    if (v.len >= cap)
        rc = rp_error_set(err, RP_E_LIMIT, RP_LAYER_IO, at,
                          "a file name of %zu bytes is too long (at most %zu)", v.len, cap - 1u);
    else if (memchr(v.ptr, '\0', v.len) != NULL)
        rc = rp_error_set(err, RP_E_LIMIT, RP_LAYER_IO, at, "a file name cannot hold a NUL byte");
    if (rc < 0) {
        rp_json_path_to_error(&p->path, err);
        return rc;
    }
    memcpy(dst, v.ptr, v.len + 1u);
    return 0;
}

static int load_key(cfg_parser *p, const char *raw, bool private_key, const char *passphrase,
                    rp_rsa_key **out, rp_error *err)
{
    char path[PATH_MAX_LEN];
    int rc = expand_path(raw, p->file, path, sizeof path, err);
    if (rc == 0) {
        rc = private_key ? rp_rsa_key_load_private_file(path, passphrase, out, err)
                         : rp_rsa_key_load_public_file(path, out, err);
    }
    if (rc < 0) {
        rp_json_path_to_error(&p->path, err);
    }
    return rc;
}

static int add_managed(rs_settings *s, char *id, rp_rsa_key *key, uint16_t key_size,
                       rp_error *err)
{
    size_t n = s->managed_count + 1u;
    residue_managed_client *m = realloc(s->managed, n * sizeof *m);
    if (m != NULL) s->managed = m;
    rp_rsa_key **k = realloc(s->managed_keys, n * sizeof *k);
    if (k != NULL) s->managed_keys = k;
    char **ids = realloc(s->managed_ids, n * sizeof *ids);
    if (ids != NULL) s->managed_ids = ids;
    if (m == NULL || k == NULL || ids == NULL) {
        return rp_error_set(err, RP_E_NOMEM, RP_LAYER_IO, SIZE_MAX, "out of memory");
    }
    s->managed_keys[s->managed_count] = key;
    s->managed_ids[s->managed_count] = id;
    s->managed[s->managed_count].client_id = id;
    s->managed[s->managed_count].public_key = key;
    s->managed[s->managed_count].key_size = key_size;
    s->managed_count = n;
    return 0;
}

/* A JSON array of strings into a new owned list (*out, *count; empty strings skipped, as the
 * real server skips them). */
static int parse_string_array(cfg_parser *p, char ***out, size_t *count, rp_error *err)
{
    int rc = rp_json_expect_array_begin(&p->sc, err);
    size_t i = 0;
    rp_json_path_push_index(&p->path, 0);
    while (rc == 0) {
        bool done = false;
        if ((rc = rp_json_next_element(&p->sc, &done, err)) < 0 || done) break;
        rp_json_path_set_index(&p->path, i++);
        rp_str v;
        if ((rc = read_string(p, &v, err)) < 0 || v.len == 0) continue;
        char **grown = realloc(*out, (*count + 1u) * sizeof *grown);
        char *copy = malloc(v.len + 1u);
        if (grown != NULL) *out = grown;
        if (grown == NULL || copy == NULL) {
            free(copy);
            rc = rp_error_set(err, RP_E_NOMEM, RP_LAYER_IO, SIZE_MAX, "out of memory");
            break;
        }
        memcpy(copy, v.ptr, v.len + 1u);
        (*out)[(*count)++] = copy;
    }
    rp_json_path_pop(&p->path);
    return rc;
}

/* managed_loggers: [{"logger_id":…, …}] — only the ids matter here (every record goes to
 * --log-file; configuration_file and the other members are read by the real server only). */
static int parse_managed_loggers(cfg_parser *p, rs_settings *s, rp_error *err)
{
    int rc = rp_json_expect_array_begin(&p->sc, err);
    size_t i = 0;
    rp_json_path_push_index(&p->path, 0);
    while (rc == 0) {
        bool done = false;
        if ((rc = rp_json_next_element(&p->sc, &done, err)) < 0 || done) break;
        rp_json_path_set_index(&p->path, i++);
        if ((rc = rp_json_expect_object_begin(&p->sc, err)) < 0) break;
        bool have_id = false;
        while (rc == 0) {
            rp_json_str key;
            bool odone = false;
            if ((rc = rp_json_next_key(&p->sc, &key, &odone, err)) < 0 || odone) break;
            rp_json_path_push_json_key(&p->path, &key);
            if (rp_json_str_eq(&key, "logger_id", 9)) {
                rp_str v;
                if ((rc = read_string(p, &v, err)) == 0 && v.len > 0) {
                    char **grown = realloc(s->logger_ids, (s->logger_count + 1u) * sizeof *grown);
                    char *copy = malloc(v.len + 1u);
                    if (grown != NULL) s->logger_ids = grown;
                    if (grown == NULL || copy == NULL) {
                        free(copy);
                        rc = rp_error_set(err, RP_E_NOMEM, RP_LAYER_IO, SIZE_MAX, "out of memory");
                    } else {
                        memcpy(copy, v.ptr, v.len + 1u);
                        s->logger_ids[s->logger_count++] = copy;
                        have_id = true;
                    }
                }
            } else {
                rc = rp_json_skip_value(&p->sc, err);
            }
            rp_json_path_pop(&p->path);
        }
        if (rc == 0 && !have_id) {
            rc = rp_error_set(err, RP_E_SCHEMA_MISSING, RP_LAYER_SCHEMA, rp_json_offset(&p->sc),
                              "Logger ID not provided in managed_loggers");
            rp_json_path_to_error(&p->path, err);
        }
    }
    rp_json_path_pop(&p->path);
    return rc;
}

/* The top-level keys of the logger rules and the line limit; *handled false = not one. */
static int parse_logger_key(cfg_parser *p, rs_settings *s, const rp_json_str *key,
                            bool *handled, rp_error *err)
{
    *handled = true;
    if (rp_json_str_eq(key, "managed_loggers", 15)) {
        return parse_managed_loggers(p, s, err);
    }
    if (rp_json_str_eq(key, "loggers_blacklist", 17)) {
        return parse_string_array(p, &s->blacklist, &s->blacklist_count, err);
    }
    if (rp_json_str_eq(key, "max_log_line_size", 17)) {
        uint64_t u = 0;
        int rc = read_uint(p, 1u << 30, &u, err);
        if (rc == 0) s->server.max_log_line_size = (size_t)u;
        return rc;
    }
    *handled = false;
    return 0;
}

/* Gives managed client number index (just added) its "loggers" / "default_logger". */
static int add_client_loggers(rs_settings *s, size_t index, char **loggers, size_t count,
                              char *default_logger, rp_error *err)
{
    residue_managed_loggers *m = realloc(s->client_loggers, (index + 1u) * sizeof *m);
    if (m == NULL) {
        return rp_error_set(err, RP_E_NOMEM, RP_LAYER_IO, SIZE_MAX, "out of memory");
    }
    s->client_loggers = m;
    m[index].loggers = (const char *const *)loggers;
    m[index].logger_count = count;
    m[index].default_logger = default_logger;
    return 0;
}

/* One element of managed_clients: {"client_id":…,"public_key":"path.pem","key_size":N}. */
static int parse_managed_client(cfg_parser *p, rs_settings *s, rp_error *err)
{
    int rc = rp_json_expect_object_begin(&p->sc, err);
    char *id = NULL;
    char key_path[PATH_MAX_LEN] = "";
    uint64_t key_size = 0;
    char **loggers = NULL, *default_logger = NULL;
    size_t logger_count = 0;
    while (rc == 0) {
        rp_json_str key;
        bool done = false;
        if ((rc = rp_json_next_key(&p->sc, &key, &done, err)) < 0 || done) break;
        rp_json_path_push_json_key(&p->path, &key);
        rp_str v;
        if (rp_json_str_eq(&key, "client_id", 9)) {
            if ((rc = read_string(p, &v, err)) == 0) {
                free(id);
                id = malloc(v.len + 1u);
                if (id == NULL) {
                    rc = rp_error_set(err, RP_E_NOMEM, RP_LAYER_IO, SIZE_MAX, "out of memory");
                } else {
                    memcpy(id, v.ptr, v.len + 1u);
                }
            }
        } else if (rp_json_str_eq(&key, "public_key", 10)) {
            rc = read_path(p, key_path, sizeof key_path, err);
        } else if (rp_json_str_eq(&key, "key_size", 8)) {
            rc = read_uint(p, 256, &key_size, err);
        } else if (rp_json_str_eq(&key, "loggers", 7)) {
            rc = parse_string_array(p, &loggers, &logger_count, err);
        } else if (rp_json_str_eq(&key, "default_logger", 14)) {
            if ((rc = read_string(p, &v, err)) == 0 && v.len > 0) {
                free(default_logger);
                default_logger = malloc(v.len + 1u);
                if (default_logger == NULL) {
                    rc = rp_error_set(err, RP_E_NOMEM, RP_LAYER_IO, SIZE_MAX, "out of memory");
                } else {
                    memcpy(default_logger, v.ptr, v.len + 1u);
                }
            }
        } else {
            rc = rp_json_skip_value(&p->sc, err);
        }
        rp_json_path_pop(&p->path);
    }
    if (rc == 0 && (id == NULL || *id == '\0' || key_path[0] == '\0')) {
        rc = rp_error_set(err, RP_E_SCHEMA_MISSING, RP_LAYER_SCHEMA, rp_json_offset(&p->sc),
                          "a managed client needs \"client_id\" and \"public_key\"");
        rp_json_path_to_error(&p->path, err);
    }
    rp_rsa_key *pub = NULL;
    if (rc == 0) {
        rp_json_path_push_key(&p->path, "public_key", 10);
        rc = load_key(p, key_path, false, NULL, &pub, err);
        rp_json_path_pop(&p->path);
    }
    if (rc == 0) {
        /* loggers first: add_managed hands id and pub over to s */
        rc = add_client_loggers(s, s->managed_count, loggers, logger_count, default_logger, err);
        if (rc == 0) {
            loggers = NULL;
            default_logger = NULL;
            rc = add_managed(s, id, pub, (uint16_t)key_size, err);
            if (rc == 0) {
                return 0;
            }
            /* the slot stays allocated past managed_count; its strings are freed here */
            free_strings((char **)(void *)s->client_loggers[s->managed_count].loggers,
                         s->client_loggers[s->managed_count].logger_count);
            free((void *)s->client_loggers[s->managed_count].default_logger);
        }
    }
    free_strings(loggers, logger_count);
    free(default_logger);
    rp_rsa_key_free(pub);
    free(id);
    return rc;
}

/* A number that must lie in lo..hi, for the keys of parse_limit_key. */
static int read_bounded(cfg_parser *p, uint64_t lo, uint64_t hi, uint64_t *out, rp_error *err)
{
    size_t at = rp_json_value_offset(&p->sc);
    int rc = read_uint(p, hi, out, err);
    if (rc == 0 && *out < lo) {
        rc = rp_error_set(err, RP_E_SCHEMA_RANGE, RP_LAYER_SCHEMA, at, "%llu is smaller than %llu",
                          (unsigned long long)*out, (unsigned long long)lo);
        rp_json_path_to_error(&p->path, err);
    }
    return rc;
}

/* The keys of residue-server's own bounds (rs_server_limits) and of the session's
 * per-source limits. *known is false for any other key. */
static int parse_limit_key(cfg_parser *p, rs_settings *s, const rp_json_str *key, bool *known,
                           rp_error *err)
{
    rs_server_limits *l = &s->limits;
    residue_server_config *c = &s->server;
    uint64_t u = 0;
    int rc = 0;
    *known = true;
#define LKEY(lit) rp_json_str_eq(key, lit, sizeof lit - 1u)
    if (LKEY("durability")) {
        rp_str v;
        size_t at = rp_json_value_offset(&p->sc);
        rs_durability d;
        if ((rc = read_string(p, &v, err)) == 0 && (rc = rs_durability_parse(v.ptr, &d, err)) < 0) {
            err->offset = at;
            rp_json_path_to_error(&p->path, err);
        }
        if (rc == 0) l->durability = (int)d;
    } else if (LKEY("durability_interval_ms")) {
        if ((rc = read_bounded(p, 1, 3600000, &u, err)) == 0) l->durability_interval_ms = (uint32_t)u;
    } else if (LKEY("turn_packets")) {
        if ((rc = read_bounded(p, 1, 1000000, &u, err)) == 0) l->turn_packets = (uint32_t)u;
    } else if (LKEY("turn_bytes")) {
        if ((rc = read_bounded(p, 64, 1u << 30, &u, err)) == 0) l->turn_bytes = (uint32_t)u;
    } else if (LKEY("rsa_turn_ms")) {
        if ((rc = read_bounded(p, 1, 10000, &u, err)) == 0) l->rsa_turn_ms = (uint32_t)u;
    } else if (LKEY("max_output_per_connection")) {
        if ((rc = read_bounded(p, 2u * RESIDUE_SESSION_PACKET_MAX, 1ull << 32, &u, err)) == 0) l->max_output = u;
    } else if (LKEY("output_stall_timeout")) {
        if ((rc = read_bounded(p, 1, 86400, &u, err)) == 0) l->output_stall_s = (uint32_t)u;
    } else if (LKEY("max_buffered_total")) {
        if ((rc = read_bounded(p, 1u << 20, 1ull << 40, &u, err)) == 0) l->max_buffered_total = u;
    } else if (LKEY("max_packet")) {
        if ((rc = read_bounded(p, 64, 1u << 30, &u, err)) == 0) l->max_packet = u;
    } else if (LKEY("max_connections")) {
        if ((rc = read_bounded(p, 1, 1000000, &u, err)) == 0) l->max_connections = (uint32_t)u;
    } else if (LKEY("max_clients")) {
        if ((rc = read_bounded(p, 1, 100000000, &u, err)) == 0) c->max_clients = (size_t)u;
    } else if (LKEY("source_connect_rate")) {
        if ((rc = read_uint(p, 1000000, &u, err)) == 0) c->source_connect_rate = (uint32_t)u;
    } else if (LKEY("source_connect_burst")) {
        if ((rc = read_uint(p, 100000000, &u, err)) == 0) c->source_connect_burst = (uint32_t)u;
    } else if (LKEY("source_max_unacknowledged")) {
        if ((rc = read_uint(p, 100000000, &u, err)) == 0) c->source_max_unacknowledged = (uint32_t)u;
    } else if (LKEY("max_sources")) {
        if ((rc = read_bounded(p, 1, 100000000, &u, err)) == 0) c->max_sources = (size_t)u;
    } else {
        *known = false;
    }
#undef LKEY
    return rc;
}

static int parse_config(cfg_parser *p, rs_settings *s, rp_error *err)
{
    residue_server_config *c = &s->server;
    char priv_path[PATH_MAX_LEN] = "", pub_path[PATH_MAX_LEN] = "";
    char secret[1024] = "";
    bool has_secret = false;
    int rc = rp_json_expect_object_begin(&p->sc, err);
    while (rc == 0) {
        rp_json_str key;
        bool done = false;
        if ((rc = rp_json_next_key(&p->sc, &key, &done, err)) < 0 || done) break;
        rp_json_path_push_json_key(&p->path, &key);
        uint64_t u = 0;
        rp_str v;
        bool handled = false;
#define KEY(lit) rp_json_str_eq(&key, lit, sizeof lit - 1u)
        if (KEY("connect_port")) {
            if ((rc = read_uint(p, 65535, &u, err)) == 0) s->connect_port = (uint16_t)u;
        } else if (KEY("logging_port")) {
            if ((rc = read_uint(p, 65535, &u, err)) == 0) s->logging_port = (uint16_t)u;
        } else if (KEY("server_rsa_private_key")) {
            rc = read_path(p, priv_path, sizeof priv_path, err);
        } else if (KEY("server_rsa_public_key")) {
            rc = read_path(p, pub_path, sizeof pub_path, err);
        } else if (KEY("server_rsa_secret")) {
            /* Hex-encoded passphrase (reference §0.1). */
            if ((rc = read_string(p, &v, err)) == 0 && v.len > 0) {
                size_t n = 0;
                rp_error hex_err; /* it would show a character of the secret: not passed on */
                rc = rp_hex_decode(v.ptr, v.len, (uint8_t *)secret, sizeof secret - 1u, &n, &hex_err);
                OPENSSL_cleanse(&hex_err, sizeof hex_err);
                if (rc == 0) {
                    secret[n] = '\0';
                    has_secret = true;
                } else {
                    rc = rp_error_set(err, rc, RP_LAYER_IO, rp_json_value_offset(&p->sc),
                                      "not the passphrase in hex (at most %zu bytes)",
                                      sizeof secret - 1u);
                    rp_json_path_to_error(&p->path, err);
                }
            }
        } else if (KEY("allow_insecure_connection")) {
            rc = read_bool(p, &c->allow_insecure_connection, err);
        } else if (KEY("allow_unmanaged_clients")) {
            rc = read_bool(p, &c->allow_unmanaged_clients, err);
        } else if (KEY("allow_unmanaged_loggers")) {
            rc = read_bool(p, &c->allow_unmanaged_loggers, err);
        } else if (KEY("requires_timestamp")) {
            rc = read_bool(p, &c->requires_timestamp, err);
        } else if (KEY("compression")) {
            rc = read_bool(p, &c->compression, err);
        } else if (KEY("allow_bulk_log_request")) {
            rc = read_bool(p, &c->allow_bulk_log_request, err);
        } else if (KEY("immediate_flush")) {
            rc = read_bool(p, &c->immediate_flush, err);
        } else if (KEY("enable_cli")) {
            rc = read_bool(p, &c->enable_cli, err);
        } else if (KEY("enable_dynamic_buffer")) {
            rc = read_bool(p, &c->enable_dynamic_buffer, err);
        } else if (KEY("timestamp_validity")) {
            if ((rc = read_uint(p, UINT32_MAX, &u, err)) == 0) c->timestamp_validity = (uint32_t)u;
        } else if (KEY("max_items_in_bulk")) {
            if ((rc = read_uint(p, UINT32_MAX, &u, err)) == 0) c->max_items_in_bulk = (uint32_t)u;
        } else if (KEY("client_age")) {
            if ((rc = read_uint(p, UINT32_MAX, &u, err)) == 0) c->client_age = (uint32_t)u;
        } else if (KEY("non_acknowledged_client_age")) {
            if ((rc = read_uint(p, UINT32_MAX, &u, err)) == 0) c->non_acknowledged_client_age = (uint32_t)u;
        } else if (KEY("client_integrity_task_interval")) {
            if ((rc = read_uint(p, UINT32_MAX, &u, err)) == 0) c->client_integrity_task_interval = (uint32_t)u;
        } else if (KEY("default_key_size")) {
            if ((rc = read_uint(p, 256, &u, err)) == 0) c->default_key_size = (uint16_t)u;
        } else if (KEY("managed_clients")) {
            rc = rp_json_expect_array_begin(&p->sc, err);
            size_t i = 0;
            rp_json_path_push_index(&p->path, 0);
            while (rc == 0) {
                bool adone = false;
                if ((rc = rp_json_next_element(&p->sc, &adone, err)) < 0 || adone) break;
                rp_json_path_set_index(&p->path, i++);
                rc = parse_managed_client(p, s, err);
            }
            rp_json_path_pop(&p->path);
        } else if ((rc = parse_logger_key(p, s, &key, &handled, err)) < 0 || handled) {
            /* managed_loggers, loggers_blacklist, max_log_line_size */
        } else {
            bool known = false;
            rc = parse_limit_key(p, s, &key, &known, err);
            if (rc == 0 && !known) {
                rc = rp_json_skip_value(&p->sc, err); /* the real server has many more keys */
            }
        }
#undef KEY
        rp_json_path_pop(&p->path);
    }
    if (rc == 0) {
        rc = rp_json_finish(&p->sc, err);
    }
    if (rc == 0 && (priv_path[0] != '\0') != (pub_path[0] != '\0')) {
        rc = rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_IO, SIZE_MAX,
                          "server_rsa_private_key and server_rsa_public_key go together");
    }
    if (rc == 0 && priv_path[0] != '\0') {
        rp_json_path_init(&p->path);
        rp_json_path_push_key(&p->path, "server_rsa_private_key", 22);
        rc = load_key(p, priv_path, true, has_secret ? secret : NULL, &s->server_private_key, err);
        rp_json_path_init(&p->path);
        rp_json_path_push_key(&p->path, "server_rsa_public_key", 21);
        if (rc == 0) {
            rc = load_key(p, pub_path, false, NULL, &s->server_public_key, err);
        }
        if (rc == 0 && !rp_rsa_key_same_public(s->server_private_key, s->server_public_key)) {
            rc = rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_IO, SIZE_MAX,
                              "server_rsa_public_key is not the public half of server_rsa_private_key");
        }
        s->server.server_private_key = s->server_private_key;
    }
    OPENSSL_cleanse(secret, sizeof secret);
    s->server.managed_clients = s->managed;
    s->server.managed_count = s->managed_count;
    s->server.managed_client_loggers = s->managed_count > 0 ? s->client_loggers : NULL;
    s->server.managed_loggers = (const char *const *)s->logger_ids;
    s->server.managed_logger_count = s->logger_count;
    s->server.loggers_blacklist = (const char *const *)s->blacklist;
    s->server.blacklist_count = s->blacklist_count;
    return rc;
}

int rs_settings_load(rs_settings *s, const char *path, rp_error *err)
{
    char *text = NULL;
    size_t len = 0;
    int rc = read_file(path, &text, &len, err);
    if (rc < 0) {
        return rc;
    }
    cfg_parser *p = calloc(1, sizeof *p);
    if (p == NULL) {
        free(text);
        return rp_error_set(err, RP_E_NOMEM, RP_LAYER_IO, SIZE_MAX, "out of memory");
    }
    p->file = path;
    rp_json_path_init(&p->path);
    rp_json_scanner_init(&p->sc, text, len, RP_JSON_STRICT);
    rp_json_scanner_set_path(&p->sc, &p->path);
    rc = parse_config(p, s, err);
    /* The text and the string arena held server_rsa_secret. */
    OPENSSL_cleanse(p, sizeof *p);
    OPENSSL_cleanse(text, len);
    free(p);
    free(text);
    return rc;
}
