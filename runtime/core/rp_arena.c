/* rp_arena: bump allocation over caller memory (see rp_arena.h). */
#include "rp_arena.h"

#include <string.h>

void rp_arena_init(rp_arena *a, void *buf, size_t cap)
{
    a->base = (uint8_t *)buf;
    a->cap = buf == NULL ? 0 : cap;
    a->used = 0;
}

void rp_arena_reset(rp_arena *a)
{
    if (a != NULL) a->used = 0;
}

void *rp_arena_alloc(rp_arena *a, size_t size, size_t align)
{
    if (a == NULL || a->base == NULL) return NULL;
    if (align == 0) align = 1;
    if ((align & (align - 1)) != 0) return NULL;
    /* Align the address, not just the offset: the caller's buffer may be unaligned. */
    uintptr_t at = (uintptr_t)(a->base + a->used);
    size_t pad = (size_t)((align - (at & (align - 1))) & (align - 1));
    size_t left = a->cap - a->used;
    if (pad > left || size > left - pad) return NULL;
    void *p = a->base + a->used + pad;
    a->used += pad + size;
    return p;
}

int rp_arena_alloc_err(rp_arena *a, size_t size, size_t align, size_t offset, void **out,
                       rp_error *err)
{
    if (out == NULL || a == NULL) {
        if (out != NULL) *out = NULL;
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_NONE, offset, "no storage given");
    }
    *out = rp_arena_alloc(a, size, align);
    if (*out == NULL) {
        return rp_error_set(err, RP_E_OVERFLOW, RP_LAYER_NONE, offset,
                            "%zu bytes do not fit the decode storage (%zu of %zu left)", size,
                            rp_arena_remaining(a), a->cap);
    }
    return 0;
}

int rp_arena_strdup(rp_arena *a, const char *s, size_t len, rp_str *out, rp_error *err)
{
    if (out == NULL || (s == NULL && len > 0)) {
        return rp_error_set(err, RP_E_ARGUMENT, RP_LAYER_NONE, SIZE_MAX, "no string given");
    }
    if (len == SIZE_MAX) {
        return rp_error_set(err, RP_E_OVERFLOW, RP_LAYER_NONE, SIZE_MAX, "string too long");
    }
    void *p;
    int rc = rp_arena_alloc_err(a, len + 1, 1, SIZE_MAX, &p, err);
    if (rc < 0) return rc;
    char *dst = (char *)p;
    if (len > 0) memcpy(dst, s, len);
    dst[len] = '\0';
    out->ptr = dst;
    out->len = len;
    return 0;
}

size_t rp_arena_remaining(const rp_arena *a)
{
    return a == NULL ? 0 : a->cap - a->used;
}

size_t rp_arena_mark(const rp_arena *a)
{
    return a == NULL ? 0 : a->used;
}

void rp_arena_rewind(rp_arena *a, size_t mark)
{
    if (a != NULL && mark <= a->used) a->used = mark;
}

rp_str rp_str_from_cstr(const char *s)
{
    rp_str r = {s, s == NULL ? 0 : strlen(s)};
    return r;
}

int rp_str_eq(rp_str s, const char *lit, size_t len)
{
    if (s.len != len) return 0;
    if (len == 0) return 1;
    return s.ptr != NULL && lit != NULL && memcmp(s.ptr, lit, len) == 0;
}
