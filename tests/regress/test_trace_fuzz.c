/*
 * test_trace_fuzz.c: deterministic mutation fuzzing of the trace reader over
 * the committed corpus (tests/regress/corpus): bit flips, boundary values in
 * 32- and 64-bit fields, truncation, splices. The reader must refuse or read
 * every input without a crash (the sanitizer pass runs this too), every seed
 * must read as valid, and a mutated input that still reads as valid must
 * have changed nothing its checksums cover... which a checksum makes rare:
 * at most a handful in the whole run.
 */
#include <dirent.h>
#include <string.h>
#include "check.h"
#include "fuzz_trace.h"

static uint64_t g_rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return g_rng;
}

static void mutate(uint8_t *d, size_t *n, size_t cap)
{
    int rounds = 1 + (int)(rnd() % 4);
    for (int i = 0; i < rounds && *n > 0; i++) {
        size_t at = rnd() % *n;
        switch (rnd() % 6) {
        case 0: d[at] ^= (uint8_t)(1u << (rnd() % 8)); break;
        case 1: d[at] = (uint8_t[]){0, 0xff, 0x7f, 0x80, 1}[rnd() % 5]; break;
        case 2:
            if (at + 4 <= *n) {
                uint32_t v = (uint32_t[]){0, 0xffffffffu, 1u << 31, 40, 65536}[rnd() % 5];
                memcpy(d + at, &v, 4);
            }
            break;
        case 3: *n = at; break;
        case 4:
            if (at + 8 <= *n) {
                uint64_t v = (uint64_t[]){0, ~0ull, 1ull << 63, 40, (uint64_t)*n}[rnd() % 5];
                memcpy(d + at, &v, 8);
            }
            break;
        default: {
            size_t len = rnd() % 32, from = rnd() % *n;
            if (from + len <= *n && *n + len <= cap) {
                memmove(d + at + len, d + at, *n - at);
                memmove(d + at, d + (from >= at ? from + len : from), len);
                *n += len;
            }
        }
        }
    }
}

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc(*len + 1);
    if (p && fread(p, 1, *len, f) != *len) {
        free(p);
        p = NULL;
    }
    fclose(f);
    return p;
}

int main(void)
{
    const char *dir = KILN_SOURCE_DIR "/tests/regress/corpus";
    DIR *d = opendir(dir);
    CHECK_MSG(d != NULL, "no corpus at %s", dir);
    if (!d)
        CHECK_DONE();
    int seeds = 0, cases = 0, still_valid = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t len;
        uint8_t *seed = slurp(path, &len);
        CHECK(seed != NULL);
        if (!seed)
            continue;
        seeds++;
        CHECK_MSG(fuzz_trace_one(seed, len) == 1, "seed %s does not read as valid", e->d_name);
        size_t cap = len + 4096;
        uint8_t *buf = malloc(cap);
        for (int i = 0; buf && i < 4000; i++) {
            size_t n = len;
            memcpy(buf, seed, len);
            mutate(buf, &n, cap);
            if (n == len && memcmp(buf, seed, len) == 0)
                continue;
            cases++;
            still_valid += fuzz_trace_one(buf, n);
        }
        free(buf);
        free(seed);
    }
    closedir(d);
    CHECK_MSG(seeds >= 3, "%d seeds", seeds);
    fprintf(stderr, "%d seeds, %d mutated inputs, %d still read as valid\n", seeds, cases, still_valid);
    CHECK_MSG(still_valid <= cases / 1000, "%d of %d mutated inputs read as valid", still_valid, cases);
    CHECK_DONE();
}
