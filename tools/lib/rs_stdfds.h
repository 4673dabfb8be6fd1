/* rs_stdfds: descriptors 0, 1 and 2 exist before a program opens anything.
 *
 * A program started with stdin, stdout or stderr closed (by a supervisor, `>&-`) would get
 * that number for the first file it opens: residue-server's log file on descriptor 1 took its
 * ports line, on descriptor 2 every diagnostic, as if they were records. Each closed one is
 * opened on /dev/null instead, so what goes there is dropped, never mixed into a file.
 */
#ifndef RS_STDFDS_H
#define RS_STDFDS_H

/* Opens /dev/null on each of 0, 1, 2 that is not open. 0, or -1 (errno set) when one could
 * not be opened: the program should stop then, before it opens anything. */
int rs_stdfds_ensure(void);

#endif /* RS_STDFDS_H */
