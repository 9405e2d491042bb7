/*
 * fuzz_session.c: coverage-guided fuzzing (libFuzzer) of the daemon's frame
 * decoder and dispatch: each input is a byte stream fed to one session over a
 * socketpair, against the real platform, as a client would send it. Built
 * with clang only (cmake -DKILN_FUZZ=ON); run by tests/remote/fuzz.sh.
 * With KILN_FUZZ_WRITE_SEED=FILE set, writes the seed stream there and exits.
 */
#include <stdio.h>
#include <stdlib.h>
#include "fuzz_util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct kr_platform platform;
static int platform_ready;

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
    fuzz_session(&platform, data, size);
    return 0;
}
