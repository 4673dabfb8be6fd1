/* rp_pem: finds the PEM armour around a key and decodes its body — the text part only, no
 * OpenSSL (rp_crypto parses the DER it yields).
 *
 * Tolerant the way Crypto++'s PEM reader is, because real clients of servers built on it send
 * what it accepts: text before the BEGIN line and after the END line is ignored; the body
 * is everything between the two lines, decoded with the lenient base64 of rp_codec, so
 * blank lines (some Java clients put one before END), CR/LF line ends, any line width
 * (Java's 76 columns) and other whitespace inside it are skipped. Header lines such as
 * "Proc-Type:" are NOT understood (they would decode as garbage); encrypted private keys go
 * through OpenSSL's own PEM reader in rp_crypto instead.
 *
 * No allocation, no globals.
 */
#ifndef RP_PEM_H
#define RP_PEM_H

#include <stddef.h>

#include "rp_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What is wrong with the armour (RP_PEM_OK when a block was found). */
typedef enum rp_pem_fault {
    RP_PEM_OK = 0,
    RP_PEM_EMPTY,       /* nothing but whitespace */
    RP_PEM_NO_BEGIN,    /* no "-----BEGIN <label>-----" line */
    RP_PEM_NO_END,      /* no "-----END <label>-----" line after it */
    RP_PEM_END_LABEL    /* the END line names another label than the BEGIN line */
} rp_pem_fault;

/* One armour block: pointers into the text given to rp_pem_find. */
typedef struct rp_pem_block {
    const char *label;  /* e.g. "RSA PUBLIC KEY", not NUL-terminated */
    size_t label_len;
    const char *body;   /* from after the BEGIN line to the start of the END line */
    size_t body_len;
} rp_pem_block;

/* Finds the first block in text[0..len) (text may be NULL only when len is 0). On success
 * *out describes it and *fault is RP_PEM_OK. On failure the result is RP_E_KEY, *fault
 * (when non-NULL) says why and err names it with the offset where it was noticed; after
 * RP_PEM_NO_END and RP_PEM_END_LABEL out->label still names the BEGIN line's label (the
 * body is unset). A label must be 1..64 printable characters on the BEGIN line. */
RP_CHECK_RESULT int rp_pem_find(const char *text, size_t len, rp_pem_block *out,
                                rp_pem_fault *fault, rp_error *err);

/* True when the block's label is exactly the NUL-terminated string label. */
int rp_pem_label_is(const rp_pem_block *block, const char *label);

#ifdef __cplusplus
}
#endif

#endif /* RP_PEM_H */
