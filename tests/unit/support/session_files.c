/* RSA keys and captured packets of ../shared/vectors for the session suites; see
 * session_files.h. */
#include "session_files.h"

#include <check.h>
#include <string.h>

#include "vec_support.h"

rp_rsa_key *load_private_key(const char *path)
{
    rp_rsa_key *k = NULL;
    rp_error e;
    ck_assert_msg(rp_rsa_key_load_private_file(path, NULL, &k, &e) == 0, "%s: %s", path, e.message);
    return k;
}

rp_rsa_key *load_public_key(const char *path)
{
    rp_rsa_key *k = NULL;
    rp_error e;
    ck_assert_msg(rp_rsa_key_load_public_file(path, &k, &e) == 0, "%s: %s", path, e.message);
    return k;
}

char *read_captured_packet(const char *path, size_t *len)
{
    char *t = vec_read_file(path, len);
    ck_assert_msg(t != NULL, "cannot read %s", path);
    ck_assert_msg(*len >= 4 && memcmp(t + *len - 4, "\r\n\r\n", 4) == 0,
                  "%s does not end in the delimiter", path);
    *len -= 4;
    t[*len] = '\0';
    return t;
}
