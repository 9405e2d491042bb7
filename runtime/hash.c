/* hash.c: 64-bit FNV-1a, the one hash kiln keys sources and devices by. */
#include <stdint.h>
#include <stdio.h>
#include "kiln/runtime.h"

void kiln_hash_hex(const void *data, size_t len, char out[17])
{
    const unsigned char *p = data;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}
