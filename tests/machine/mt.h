/* mt.h — what the machine bindings give the spec-driven test of generated session machines.
 *
 * tests/machine/gen_bindings.c reads a spec and writes, for each of its machines, typed
 * handlers (each one reports its transition through mt_record) and untyped wrappers around
 * the generated functions, so one test (tests/unit/test_machine_spec.c) can drive every
 * machine of every spec from what the spec says, through the generated C. Test code only.
 */
#ifndef MT_H
#define MT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rp_error.h"
#include "rp_machine.h"

/* What a binding returns for a message its machine's peer has no send function for. */
#define MT_NO_API 1

typedef struct mt_calls mt_calls;

/* The record of the handler calls of one run; the test owns it and passes it as ctx. */
struct mt_calls {
    size_t count;            /* handler calls so far */
    int transition;          /* the transition (generated enum value) of the last call */
    const void *machine;     /* the machine the last handler got */
    const void *msg;         /* the message it got (NULL for a timer) */
    int envelope;            /* the envelope it got (-1 for a timer) */
    int timer;               /* the timer it got (-1 for a message) */
    int verdict;             /* what every handler returns */
    /* Called inside the handler (may be NULL): the test's checks of what a handler may and
     * may not do with its machine. */
    void (*hook)(mt_calls *calls, void *machine);
    void *hook_ctx;          /* for the hook */
};

/* Records one handler call into ctx (an mt_calls) and returns its verdict. Defined by the
 * test. */
int mt_record(void *ctx, void *machine, int transition, const void *msg, int envelope, int timer);

/* One generated machine, untyped. `calls` NULL passes NULL handlers. */
typedef struct mt_machine {
    const char *name;                                  /* the machine's spec name */
    void *(*fresh)(void);                              /* its (static) instance, just _init'ed */
    const void *payload;                               /* &any.u of the <p>_any the bindings pass:
                                                          where every handler's msg must point */
    /* _receive of a message with this id (the <p>_any's id) */
    int (*receive)(void *m, uint64_t now, int envelope, int id, mt_calls *calls, rp_error *err);
    /* _send_<msg> of the message with this id; MT_NO_API when there is none */
    int (*send)(void *m, uint64_t now, int envelope, int id, mt_calls *calls, rp_error *err);
    /* _tick, _set_timer, _next_deadline; NULL when the machine has no timers */
    int (*tick)(void *m, uint64_t now, mt_calls *calls, bool *fired, rp_error *err);
    int (*set_timer)(void *m, int timer, uint64_t seconds, rp_error *err);
    bool (*next_deadline)(const void *m, uint64_t *at);
    int (*current)(const void *m);
    const char *(*state_name)(const void *m);
    bool (*has_key)(const void *m, int key);           /* NULL when the spec has no keys */
    const rp_machine *(*core)(const void *m);          /* the engine's instance inside it */
} mt_machine;

/* A name and the generated constant for it. */
typedef struct mt_id {
    const char *name;
    int id;
} mt_id;

/* One spec's bindings. */
typedef struct mt_spec {
    const char *path;                 /* the spec, from the project root */
    const mt_machine *machines;       /* spec order */
    size_t machine_count;
    const mt_id *messages;            /* every routed message: spec name, <P>_MSG_<NAME> */
    size_t message_count;
    const mt_id *envelopes;           /* every envelope: spec name, <P>_ENVELOPE_<NAME> */
    size_t envelope_count;
    const mt_id *keys;                /* every key: spec name, <P>_KEY_<NAME> */
    size_t key_count;
} mt_spec;

extern const mt_spec mt_spec_residue;
extern const mt_spec mt_spec_telemetry;
extern const mt_spec mt_spec_every;

#endif /* MT_H */
