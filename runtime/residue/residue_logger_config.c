/* residue_logger_config: defaults and residue-cpp's client JSON file. See residue_logger.h.
 *
 * residue-cpp (src/residue.cc, loadConfigurationFromJson_) reads: url (required, HOST:PORT),
 * client_id + client_private_key (+ client_key_secret, hex), server_public_key,
 * application_id, utc_time, time_offset, rsa_key_size (2048/4096/8192), dispatch_delay,
 * main_thread_id, internal_logging_level; it ignores other keys and replaces the first
 * "$RESIDUE_HOME" of each key path. Same here, with errors that name the key.
 */
#include "residue_logger_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "rp_json.h"

#define CONFIG_MAX_SIZE (1024u * 1024u)

/* Strings a loaded file owns (cfg->owned_). */
typedef struct owned_strings {
    char *url, *application_id, *client_id, *client_private_key, *client_key_secret;
    char *server_public_key, *main_thread_id;
} owned_strings;

void residue_logger_config_init(residue_logger_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->rsa_key_size = 2048;
    cfg->dispatch_delay = 1;
    cfg->internal_logging_level = 5;
    cfg->backlog_lines = RESIDUE_LOGGER_DEFAULT_BACKLOG_LINES;
    cfg->backlog_bytes = RESIDUE_LOGGER_DEFAULT_BACKLOG_BYTES;
    cfg->policy = RESIDUE_LOGGER_DROP_OLDEST;
    cfg->block_timeout_ms = 1000;
    cfg->max_line_size = RESIDUE_LOGGER_DEFAULT_MAX_LINE;
    cfg->compression = true;
    cfg->max_request_bytes = 1024u * 1024u;
    cfg->connect_timeout_ms = 10000;
    cfg->reply_timeout_ms = 30000;
    cfg->reconnect_min_ms = 100;
    cfg->reconnect_max_ms = 10000;
    cfg->close_timeout_ms = 10000;
    cfg->touch_margin_s = RESIDUE_CLIENT_TOUCH_MARGIN;
}

static void free_secret(char *s)
{
    if (s != NULL) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

void residue_logger_config_release(residue_logger_config *cfg)
{
    if (cfg == NULL || cfg->owned_ == NULL) {
        return;
    }
    owned_strings *o = cfg->owned_;
#define FORGET(f) do { if (cfg->f == o->f) cfg->f = NULL; } while (0)
    FORGET(url);
    FORGET(application_id);
    FORGET(client_id);
    FORGET(client_private_key);
    FORGET(client_key_secret);
    FORGET(server_public_key);
    FORGET(main_thread_id);
#undef FORGET
    free(o->url);
    free(o->application_id);
    free(o->client_id);
    free(o->client_private_key);
    free_secret(o->client_key_secret);
    free(o->server_public_key);
    free(o->main_thread_id);
    free(o);
    cfg->owned_ = NULL;
}

int residue_logger_expand_home(const char *raw, const char *home, const char *config_path,
                               char *out, size_t cap, rp_error *err)
{
    static const char var[] = "$RESIDUE_HOME";
    const char *p = strstr(raw, var);
    if (p == NULL) {
        if (strlen(raw) >= cap) {
            return rp_error_set(err, RP_E_LIMIT, RP_LAYER_IO, SIZE_MAX, "path longer than %zu bytes",
                                cap - 1u);
        }
        memcpy(out, raw, strlen(raw) + 1u);
        return 0;
    }
    char dir[RESIDUE_LOGGER_PATH_MAX];
    if (home == NULL || *home == '\0') {
        home = getenv("RESIDUE_HOME");
    }
    if (home == NULL || *home == '\0') {
        if (config_path == NULL) {
            return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_IO, SIZE_MAX,
                                "'%.200s' uses $RESIDUE_HOME but it is not set (environment or "
                                "residue_home)", raw);
        }
        snprintf(dir, sizeof dir, "%s", config_path);
        char *slash = strrchr(dir, '/');
        if (slash == NULL) {
            strcpy(dir, ".");
        } else if (slash == dir) {
            dir[1] = '\0';
        } else {
            *slash = '\0';
        }
        home = dir;
    }
    int n = snprintf(out, cap, "%.*s%s%s", (int)(p - raw), raw, home, p + sizeof var - 1u);
    if (n < 0 || (size_t)n >= cap) {
        return rp_error_set(err, RP_E_LIMIT, RP_LAYER_IO, SIZE_MAX, "path longer than %zu bytes",
                            cap - 1u);
    }
    return 0;
}

static int read_file(const char *path, char **out, size_t *out_len, rp_error *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return rp_error_set(err, RP_E_IO, RP_LAYER_IO, SIZE_MAX, "%.200s: %s", path,
                            strerror(errno));
    }
    char *buf = malloc(CONFIG_MAX_SIZE + 1u);
    if (buf == NULL) {
        fclose(f);
        return rp_error_set(err, RP_E_NOMEM, RP_LAYER_IO, SIZE_MAX, "out of memory");
    }
    size_t n = fread(buf, 1, CONFIG_MAX_SIZE + 1u, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || n > CONFIG_MAX_SIZE) {
        free(buf);
        return rp_error_set(err, bad ? RP_E_IO : RP_E_LIMIT, RP_LAYER_IO, SIZE_MAX,
                            bad ? "%.200s: read error" : "%.200s: larger than 1 MiB", path);
    }
    buf[n] = '\0';
    *out = buf;
    *out_len = n;
    return 0;
}

typedef struct parser {
    rp_json_scanner sc;
    rp_json_path path;
    const char *file;
    const char *home;
    owned_strings *own;
} parser;

/* Every error of the file: prefixed with the file name, with the JSON path. */
static int fail_here(parser *p, int rc, rp_error *err)
{
    if (err != NULL && rc < 0) {
        rp_json_path_to_error(&p->path, err);
        residue_logger_prefix_error(err, p->file);
    }
    return rc;
}

static int range_error(parser *p, const char *what, rp_error *err)
{
    return rp_error_set(err, RP_E_SCHEMA_RANGE, RP_LAYER_SCHEMA, rp_json_value_offset(&p->sc),
                        "%s", what);
}

/* Reads a string value into a fresh heap copy (*slot, freeing what was there). */
static int read_string(parser *p, char **slot, size_t max, rp_error *err)
{
    rp_json_str v;
    int rc = rp_json_read_string_view(&p->sc, &v, err);
    if (rc < 0) return rc;
    size_t n = rp_json_str_len(&v);
    if (n > max) {
        return rp_error_set(err, RP_E_SCHEMA_LENGTH, RP_LAYER_SCHEMA, v.offset,
                            "string of %zu bytes is longer than %zu", n, max);
    }
    char *s = malloc(n + 1u);
    if (s == NULL) {
        return rp_error_set(err, RP_E_NOMEM, RP_LAYER_IO, SIZE_MAX, "out of memory");
    }
    rc = rp_json_unescape(&v, s, n + 1u, NULL, err);
    if (rc == 0 && strlen(s) != n) {
        rc = rp_error_set(err, RP_E_SCHEMA_CHARSET, RP_LAYER_SCHEMA, v.offset,
                          "the string contains a NUL character");
    }
    if (rc < 0) {
        OPENSSL_cleanse(s, n + 1u);
        free(s);
        return rc;
    }
    if (slot == &p->own->client_key_secret) {
        free_secret(*slot);
    } else {
        free(*slot);
    }
    *slot = s;
    return 0;
}

/* A path value: read, then $RESIDUE_HOME expanded. */
static int read_path(parser *p, char **slot, rp_error *err)
{
    char *raw = NULL;
    int rc = read_string(p, &raw, RESIDUE_LOGGER_PATH_MAX - 1u, err);
    if (rc < 0) return rc;
    char path[RESIDUE_LOGGER_PATH_MAX];
    rc = residue_logger_expand_home(raw, p->home, p->file, path, sizeof path, err);
    free(raw);
    if (rc < 0) return rc;
    char *s = malloc(strlen(path) + 1u);
    if (s == NULL) {
        return rp_error_set(err, RP_E_NOMEM, RP_LAYER_IO, SIZE_MAX, "out of memory");
    }
    memcpy(s, path, strlen(path) + 1u);
    free(*slot);
    *slot = s;
    return 0;
}

static int read_int(parser *p, int64_t min, int64_t max, int64_t *out, rp_error *err)
{
    int64_t v = 0;
    int rc = rp_json_read_i64(&p->sc, &v, err);
    if (rc < 0) return rc;
    if (v < min || v > max) {
        return rp_error_set(err, RP_E_SCHEMA_RANGE, RP_LAYER_SCHEMA, rp_json_value_offset(&p->sc),
                            "%lld is outside %lld..%lld", (long long)v, (long long)min,
                            (long long)max);
    }
    *out = v;
    return 0;
}

static int parse(parser *p, residue_logger_config *cfg, rp_error *err)
{
    owned_strings *o = p->own;
    bool has_url = false;
    int rc = rp_json_expect_object_begin(&p->sc, err);
    while (rc == 0) {
        rp_json_str key;
        bool done = false;
        if ((rc = rp_json_next_key(&p->sc, &key, &done, err)) < 0 || done) break;
        rp_json_path_push_json_key(&p->path, &key);
        int64_t v = 0;
#define KEY(lit) rp_json_str_eq(&key, lit, sizeof lit - 1u)
        if (KEY("url")) {
            if ((rc = read_string(p, &o->url, RESIDUE_LOGGER_PATH_MAX, err)) == 0) {
                char host[RESIDUE_NET_HOST_MAX + 1];
                uint16_t port;
                rc = residue_net_parse_url(o->url, host, sizeof host, &port, err);
                cfg->url = o->url;
                has_url = true;
            }
        } else if (KEY("application_id")) {
            if ((rc = read_string(p, &o->application_id, 256, err)) == 0) {
                cfg->application_id = o->application_id;
            }
        } else if (KEY("client_id")) {
            if ((rc = read_string(p, &o->client_id, 128u /* the codec's client_id bound */, err)) == 0) {
                cfg->client_id = o->client_id;
            }
        } else if (KEY("client_private_key")) {
            if ((rc = read_path(p, &o->client_private_key, err)) == 0) {
                cfg->client_private_key = o->client_private_key;
            }
        } else if (KEY("client_key_secret")) {
            if ((rc = read_string(p, &o->client_key_secret, 2048, err)) == 0) {
                cfg->client_key_secret = o->client_key_secret;
            }
        } else if (KEY("server_public_key")) {
            if ((rc = read_path(p, &o->server_public_key, err)) == 0) {
                cfg->server_public_key = o->server_public_key;
            }
        } else if (KEY("main_thread_id")) {
            if ((rc = read_string(p, &o->main_thread_id, 256, err)) == 0) {
                cfg->main_thread_id = o->main_thread_id;
            }
        } else if (KEY("rsa_key_size")) {
            if ((rc = read_int(p, 0, 16384, &v, err)) == 0) {
                if (v != 2048 && v != 4096 && v != 8192) {
                    rc = range_error(p, "rsa_key_size must be 2048, 4096 or 8192", err);
                } else {
                    cfg->rsa_key_size = (unsigned)v;
                }
            }
        } else if (KEY("utc_time")) {
            rc = rp_json_read_bool(&p->sc, &cfg->utc_time, err);
        } else if (KEY("time_offset")) {
            if ((rc = read_int(p, INT32_MIN, INT32_MAX, &v, err)) == 0) cfg->time_offset = (int32_t)v;
        } else if (KEY("dispatch_delay")) {
            if ((rc = read_int(p, 0, UINT32_MAX, &v, err)) == 0) cfg->dispatch_delay = (uint32_t)v;
        } else if (KEY("internal_logging_level")) {
            if ((rc = read_int(p, 0, 5, &v, err)) == 0) cfg->internal_logging_level = (int)v;
        } else {
            rc = rp_json_skip_value(&p->sc, err); /* residue-cpp ignores unknown keys too */
        }
#undef KEY
        if (rc < 0) {
            return fail_here(p, rc, err);
        }
        rp_json_path_pop(&p->path);
    }
    if (rc == 0) {
        rc = rp_json_finish(&p->sc, err);
    }
    if (rc == 0 && !has_url) {
        rc = rp_error_set(err, RP_E_SCHEMA_MISSING, RP_LAYER_SCHEMA, 0,
                          "\"url\" (HOST:PORT of the server) is required");
    }
    return fail_here(p, rc, err);
}

int residue_logger_config_load(residue_logger_config *cfg, const char *path, rp_error *err)
{
    if (cfg == NULL || path == NULL) {
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_IO, SIZE_MAX,
                            "config and path must not be NULL");
    }
    if (cfg->owned_ == NULL) {
        cfg->owned_ = calloc(1, sizeof(owned_strings));
        if (cfg->owned_ == NULL) {
            return rp_error_set(err, RP_E_NOMEM, RP_LAYER_IO, SIZE_MAX, "out of memory");
        }
    }
    char *text = NULL;
    size_t len = 0;
    int rc = read_file(path, &text, &len, err);
    if (rc < 0) {
        return rc;
    }
    parser *p = calloc(1, sizeof *p);
    if (p == NULL) {
        free(text);
        return rp_error_set(err, RP_E_NOMEM, RP_LAYER_IO, SIZE_MAX, "out of memory");
    }
    p->file = path;
    p->home = cfg->residue_home;
    p->own = cfg->owned_;
    rp_json_path_init(&p->path);
    rp_json_scanner_init(&p->sc, text, len, RP_JSON_STRICT);
    rp_json_scanner_set_path(&p->sc, &p->path);
    rc = parse(p, cfg, err);
    free(p);
    OPENSSL_cleanse(text, len); /* it may hold client_key_secret */
    free(text);
    return rc;
}
