/* logger-example: logging to a residue server from a C program with the residue logger
 * library (rproto). Copy it, change the lines, keep the shape.
 *
 *   cc logger-example.c $(pkg-config --cflags --libs residue-logger) -o logger-example
 *   ./logger-example client.conf.json
 *
 * client.conf.json is residue-cpp's client configuration file, e.g.
 *   {"url": "localhost:8777", "application_id": "com.example.app",
 *    "main_thread_id": "main", "server_public_key": "$RESIDUE_HOME/keys/server-public.pem"}
 *
 * It logs from the main thread and two workers, waits (at most 10 s) until the server has
 * answered every line, prints the counters and exits 0 only when every line was accepted.
 * log() never waits for the network; errors arrive through the event callback.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <residue_logger.h>

/* Called on the logger's own thread: keep it short, do not call back into the logger. */
static void on_event(void *ctx, const residue_logger_event *ev)
{
    (void)ctx;
    if (ev->kind != RESIDUE_LOGGER_EV_INFO) {
        fprintf(stderr, "logger-example: %s\n", ev->text);
    }
}

static void *worker(void *arg)
{
    residue_logger *lg = arg;
    rp_error err;
    /* the "thread" field of this thread's lines */
    if (residue_logger_set_thread_name(lg, "worker", &err) < 0) {
        fprintf(stderr, "logger-example: %s\n", err.message);
    }
    for (int i = 0; i < 5; i++) {
        RESIDUE_LOG(lg, RESIDUE_LEVEL_DEBUG, "default", "worker step %d of 5", i + 1);
    }
    RESIDUE_VLOG(lg, 2, "default", "worker done (verbose level 2)");
    if (residue_logger_set_thread_name(lg, NULL, &err) < 0) { /* forget it before the thread ends */
        fprintf(stderr, "logger-example: %s\n", err.message);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CLIENT_CONFIG.json\n", argv[0]);
        return 2;
    }
    residue_logger_config cfg;
    residue_logger_config_init(&cfg);
    rp_error err;
    if (residue_logger_config_load(&cfg, argv[1], &err) < 0) {
        char text[256];
        rp_error_format(&err, text, sizeof text);
        fprintf(stderr, "logger-example: %s\n", text);
        residue_logger_config_release(&cfg);
        return 2;
    }
    cfg.on_event = on_event;                    /* errors and drops */
    cfg.policy = RESIDUE_LOGGER_DROP_OLDEST;    /* never block the program (the default) */
    residue_logger *lg = NULL;
    int rc = residue_logger_open(&cfg, &lg, &err);
    residue_logger_config_release(&cfg);        /* open copied what it needs */
    if (rc < 0) {
        fprintf(stderr, "logger-example: cannot start the logger: %s\n", err.message);
        return 2;
    }

    RESIDUE_LOG(lg, RESIDUE_LEVEL_INFO, "default", "example started with %d workers", 2);
    pthread_t t[2];
    for (int i = 0; i < 2; i++) pthread_create(&t[i], NULL, worker, lg);
    for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
    RESIDUE_LOG(lg, RESIDUE_LEVEL_WARNING, "default", "example finishing");

    if (residue_logger_flush(lg, 10000, &err) < 0) {
        fprintf(stderr, "logger-example: %s\n", err.message);
    }
    residue_logger_stats st;
    residue_logger_stats_get(lg, &st);
    printf("logger-example: %llu lines logged, %llu accepted, %llu rejected, %llu dropped, "
           "%llu requests\n",
           (unsigned long long)st.logged, (unsigned long long)st.accepted,
           (unsigned long long)st.rejected, (unsigned long long)st.dropped,
           (unsigned long long)st.requests);
    rc = residue_logger_close(lg) == 0 && st.accepted == st.logged ? 0 : 1;
    return rc;
}
