/* rs_stdfds.c: see rs_stdfds.h. */
#include "rs_stdfds.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int rs_stdfds_ensure(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF) continue;
        /* the lowest free number is fd itself: 0..fd-1 are open by now */
        int got = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
        if (got < 0) return -1;
        if (got != fd) { /* cannot happen; keep the numbers right all the same */
            int e = dup2(got, fd) < 0 ? errno : 0;
            close(got);
            if (e != 0) { errno = e; return -1; }
        }
    }
    return 0;
}
