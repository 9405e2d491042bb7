/*
 * fuzz_session.c: coverage-guided fuzzing (libFuzzer) of the daemon's frame
 * decoder and dispatch: each input is a byte stream fed to one session over a
 * socketpair, against the real platform, as a client would send it. Built
 * with clang only (cmake -DKILN_FUZZ=ON); run by tests/remote/fuzz.sh.
 * With KILN_FUZZ_WRITE_SEED=FILE set, writes the seed stream there and exits.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
#include "runtime/remote/daemon_int.h"
#include "fuzz_seed.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct kr_platform platform;
static int platform_ready;

struct feeder {
    int fd;
    const uint8_t *data;
    size_t n;
};

static void *feed(void *arg)
{
    struct feeder *f = arg;
    kr_send_all(f->fd, f->data, f->n, -1);
    shutdown(f->fd, SHUT_WR);
    char sink[4096];
    while (read(f->fd, sink, sizeof sink) > 0)
        ;
    return NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *seed_path = getenv("KILN_FUZZ_WRITE_SEED");
    if (seed_path) {
        struct kr_buf seed = {0};
        build_seed(&seed);
        FILE *f = fopen(seed_path, "wb");
        int ok = f && fwrite(seed.data, 1, seed.len, f) == seed.len;
        if (f)
            fclose(f);
        exit(ok ? 0 : 1);
    }
    char err[512];
    platform_ready = kr_platform_load(&platform, NULL, err, sizeof err) == 0;
    if (!platform_ready)
        fprintf(stderr, "fuzz_session: no platform: %s\n", err);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!platform_ready)
        return 0;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return 0;
    struct feeder f = {sv[1], data, size};
    pthread_t t;
    pthread_create(&t, NULL, feed, &f);
    kr_session_run(&platform, sv[0]);
    close(sv[0]);
    pthread_join(t, NULL);
    close(sv[1]);
    return 0;
}
