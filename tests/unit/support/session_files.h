/* Test support for the session suites: the files they take from ../shared/vectors (the
 * capture's RSA keys and packets), each read or the test fails there, with the path in the
 * message. Test code only. */
#ifndef SESSION_FILES_H
#define SESSION_FILES_H

#include <stddef.h>

#include "rp_crypto.h"

/* An RSA key from a PEM file (private: not encrypted). The caller frees it. */
rp_rsa_key *load_private_key(const char *path);
rp_rsa_key *load_public_key(const char *path);

/* A captured packet (a .bin: the wire bytes and their "\r\n\r\n" delimiter) without the
 * delimiter, NUL-terminated where it stood; *len its length. The caller frees. */
char *read_captured_packet(const char *path, size_t *len);

#endif /* SESSION_FILES_H */
