/* wire: a small, independent residue client toolkit for the hostile-wire suite and the load
 * test. It deliberately does NOT use the rproto runtime: it speaks the protocol with OpenSSL
 * EVP and zlib directly, so a bug in rp_* cannot hide itself by being on both ends.
 *
 * Everything here is test code: it favours clarity over speed, allocates freely (callers free
 * what a function documents as theirs) and talks to 127.0.0.1 only.
 */
#ifndef HW_WIRE_H
#define HW_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#define HW_DELIM "\r\n\r\n"
#define HW_DELIM_LEN 4u
/* Largest reply we read; protocol replies are a few hundred bytes. */
#define HW_REPLY_MAX 65536u

/* Outcome of hw_read_packet. */
typedef enum hw_read_status {
    HW_GOT = 0,       /* a whole packet (delimiter stripped) is in the buffer */
    HW_CLOSED = -1,   /* peer closed cleanly (EOF) before a whole packet */
    HW_TIMEOUT = -2,  /* nothing complete within the timeout */
    HW_IOERR = -3,    /* reset or another socket error */
    HW_TOOBIG = -4    /* more than HW_REPLY_MAX bytes without a delimiter */
} hw_read_status;

/* A TCP connection with its unread bytes. */
typedef struct hw_conn {
    int fd;
    size_t have;                 /* bytes in buf not yet returned */
    char buf[HW_REPLY_MAX];      /* received, not yet returned */
    char pkt[HW_REPLY_MAX + 1];  /* the packet last returned by hw_read_packet */
} hw_conn;

/* Opens a TCP connection to 127.0.0.1:port (blocking, with a 5 s connect timeout).
 * Returns a heap connection the caller closes with hw_close, or NULL (errno set). */
hw_conn *hw_connect(uint16_t port);
/* Closes and frees; NULL ignored. */
void hw_close(hw_conn *c);
/* Closes with SO_LINGER 0 so the peer sees a reset; frees. */
void hw_reset(hw_conn *c);

/* Writes all of buf within timeout_ms in total. 0 on success, -1 when the peer closed or
 * reset (EPIPE/ECONNRESET) or the time ran out. SIGPIPE must be ignored by the caller. */
int hw_send_all(hw_conn *c, const void *buf, size_t len, int timeout_ms);

/* Reads one delimiter-terminated packet within timeout_ms. On HW_GOT, *out points into c->pkt
 * (valid until the next call), NUL-terminated, *out_len is its length without the delimiter. */
hw_read_status hw_read_packet(hw_conn *c, const char **out, size_t *out_len, int timeout_ms);

/* ---- encodings ------------------------------------------------------------------------- */
/* Standard padded base64 without line breaks; returns malloc'd NUL-terminated text. */
char *hw_b64(const uint8_t *in, size_t len, size_t *out_len);
/* Decodes base64 (whitespace skipped); returns malloc'd bytes or NULL when invalid. */
uint8_t *hw_unb64(const char *in, size_t len, size_t *out_len);
/* Lower-case hex of len bytes into out (2*len+1 bytes). */
void hw_hex(const uint8_t *in, size_t len, char *out);
/* Hex (either case) to bytes; returns the byte count or -1. */
int hw_unhex(const char *in, size_t len, uint8_t *out, size_t cap);

/* ---- crypto ---------------------------------------------------------------------------- */
/* Loads a PEM key file (private when is_private). NULL on failure. */
EVP_PKEY *hw_load_key(const char *path, int is_private);
/* Reads a whole file; malloc'd, NUL-terminated; NULL on failure. */
char *hw_read_file(const char *path, size_t *len);
/* AES-CBC with PKCS#7 (enc != 0 encrypts); key length picks 128/192/256. malloc'd result or
 * NULL when OpenSSL fails (bad padding on decrypt). */
uint8_t *hw_aes(int enc, const uint8_t *key, size_t key_len, const uint8_t iv[16],
                const uint8_t *in, size_t len, size_t *out_len);
/* RSAES-PKCS1-v1_5 with the public key / the private key. malloc'd or NULL. */
uint8_t *hw_rsa_encrypt(EVP_PKEY *pub, const uint8_t *in, size_t len, size_t *out_len);
uint8_t *hw_rsa_decrypt(EVP_PKEY *priv, const uint8_t *in, size_t len, size_t *out_len);
/* zlib (RFC 1950) compress at level 6; malloc'd. */
uint8_t *hw_zlib(const uint8_t *in, size_t len, size_t *out_len);

/* ---- tiny JSON field readers for the replies we expect (not a JSON parser) ------------- */
/* Copies the string value of "key" into out; 0 or -1 when absent/not a string/too long. */
int hw_json_str(const char *json, const char *key, char *out, size_t cap);
/* Reads the unsigned integer value of "key"; 0 or -1. */
int hw_json_u64(const char *json, const char *key, uint64_t *out);

/* ---- a client session ------------------------------------------------------------------ */
typedef struct hw_client {
    uint16_t connect_port;
    EVP_PKEY *priv;          /* client private key (decrypts hellos) */
    char *pub_b64;           /* base64 of the client public key PEM file (CONNECT field) */
    EVP_PKEY *server_pub;    /* optional: for RSA-encrypted CONNECTs */
} hw_client;

typedef struct hw_session {
    char client_id[130];
    uint8_t key[32];
    size_t key_len;
    uint16_t logging_port;
    uint64_t flags;
    uint64_t max_bulk;
} hw_session;

/* Loads the client pair (and optionally the server public key; NULL path = none).
 * 0 or -1 with a message on stderr. */
int hw_client_init(hw_client *cl, uint16_t connect_port, const char *client_priv_pem,
                   const char *client_pub_pem, const char *server_pub_pem);
void hw_client_free(hw_client *cl);

/* Builds "ivhex:client_id:base64(AES(key, plain))\r\n\r\n" with a random IV (or iv when
 * non-NULL). malloc'd, *len set. */
char *hw_seal(const hw_session *s, const char *envelope_id, const uint8_t *iv,
              const uint8_t *plain, size_t plain_len, size_t *len);
/* Opens a server->client "ivhex:base64" envelope with the session key; malloc'd plaintext
 * (NUL-terminated) or NULL. */
char *hw_open(const hw_session *s, const char *pkt, size_t len);
/* Decrypts a base64 RSA reply with the client private key; malloc'd NUL-terminated or NULL. */
char *hw_open_rsa(const hw_client *cl, const char *pkt, size_t len);

/* Plain unmanaged CONNECT (key_size 0 = absent) on c; fills client_id and key from the
 * hello. 0 or -1 with why in err. */
int hw_connect_step(const hw_client *cl, hw_conn *c, hw_session *s, unsigned key_size,
                    char *err, size_t errcap);
/* ACKNOWLEDGEMENT on c; fills logging_port, flags and max_bulk from the reply. */
int hw_ack_step(hw_conn *c, hw_session *s, char *err, size_t errcap);
/* CONNECT then ACK on a fresh connection that is closed afterwards. */
int hw_handshake(const hw_client *cl, hw_session *s, char *err, size_t errcap);

/* Sends one log packet (already-built JSON text, compressed when compress != 0) on the
 * logging connection and returns the reply's r value (0, 1, ...) or -1 on I/O trouble. */
int hw_log(hw_conn *lc, const hw_session *s, const char *json, size_t len, int compress,
           int timeout_ms);

/* Seconds since the epoch. */
uint64_t hw_now(void);

#endif /* HW_WIRE_H */
