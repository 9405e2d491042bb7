/*
 * shared.c: the memory every session process of one daemon shares, mapped by
 * the listening process before it forks anything. It holds one slot of
 * counters per session (STATS sums them; the listener clears a dead
 * session's slot, so a session killed by its driver leaves no stale counts)
 * and the provenance table: keyed hashes of every program binary a session
 * handed to a client, so that a binary is accepted back only if this daemon
 * produced it. The hash is SipHash-2-4 (twice, 128 bits) under a key drawn at
 * start-up, so a client cannot forge the hash of bytes it altered.
 */
#include "runtime/remote/daemon_int.h"

#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define PROVENANCE_SLOTS 8192u

struct provenance_entry {
    uint64_t h[2];
};

struct kr_shared {
    uint64_t key[4];
    unsigned nslots;
    atomic_uint next_binary;
    struct provenance_entry binaries[PROVENANCE_SLOTS];
    struct kr_counters slot[];
};

static uint64_t rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

static void sip_round(uint64_t v[4])
{
    v[0] += v[1];
    v[1] = rotl(v[1], 13) ^ v[0];
    v[0] = rotl(v[0], 32);
    v[2] += v[3];
    v[3] = rotl(v[3], 16) ^ v[2];
    v[0] += v[3];
    v[3] = rotl(v[3], 21) ^ v[0];
    v[2] += v[1];
    v[1] = rotl(v[1], 17) ^ v[2];
    v[2] = rotl(v[2], 32);
}

/* SipHash-2-4 of data under the key (k0, k1). */
static uint64_t siphash(uint64_t k0, uint64_t k1, const unsigned char *data, size_t len)
{
    uint64_t v[4] = {k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull, k0 ^ 0x6c7967656e657261ull,
                     k1 ^ 0x7465646279746573ull};
    size_t full = len & ~(size_t)7;
    for (size_t i = 0; i < full; i += 8) {
        uint64_t m = 0;
        for (int b = 0; b < 8; b++)
            m |= (uint64_t)data[i + (size_t)b] << (8 * b);
        v[3] ^= m;
        sip_round(v);
        sip_round(v);
        v[0] ^= m;
    }
    uint64_t last = (uint64_t)(len & 0xff) << 56;
    for (size_t i = full; i < len; i++)
        last |= (uint64_t)data[i] << (8 * (i - full));
    v[3] ^= last;
    sip_round(v);
    sip_round(v);
    v[0] ^= last;
    v[2] ^= 0xff;
    for (int r = 0; r < 4; r++)
        sip_round(v);
    return v[0] ^ v[1] ^ v[2] ^ v[3];
}

struct kr_shared *kr_shared_create(unsigned nslots)
{
    size_t bytes = sizeof(struct kr_shared) + (size_t)nslots * sizeof(struct kr_counters);
    struct kr_shared *sh = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED)
        return NULL;
    sh->nslots = nslots;
    if (getrandom(sh->key, sizeof sh->key, 0) != (ssize_t)sizeof sh->key) {
        /* No entropy source: a key nobody outside can read is still better than a fixed one. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        sh->key[0] = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid();
        sh->key[1] = (uint64_t)ts.tv_sec ^ (uintptr_t)sh;
        sh->key[2] = ~sh->key[0];
        sh->key[3] = ~sh->key[1];
    }
    return sh;
}

static void binary_hash(const struct kr_shared *sh, const void *bin, size_t len, uint64_t h[2])
{
    h[0] = siphash(sh->key[0], sh->key[1], bin, len);
    h[1] = siphash(sh->key[2], sh->key[3], bin, len);
}

void kr_provenance_add(struct kr_shared *sh, const void *bin, size_t len)
{
    struct provenance_entry e;
    binary_hash(sh, bin, len, e.h);
    if (kr_provenance_has(sh, bin, len))
        return;
    /* A ring: the oldest binaries are forgotten first (a client holding one rebuilds from source). */
    unsigned i = atomic_fetch_add(&sh->next_binary, 1) % PROVENANCE_SLOTS;
    sh->binaries[i] = e;
}

int kr_provenance_has(const struct kr_shared *sh, const void *bin, size_t len)
{
    uint64_t h[2];
    binary_hash(sh, bin, len, h);
    for (unsigned i = 0; i < PROVENANCE_SLOTS; i++)
        if (sh->binaries[i].h[0] == h[0] && sh->binaries[i].h[1] == h[1])
            return 1;
    return 0;
}

struct kr_counters *kr_shared_slot(struct kr_shared *sh, unsigned slot)
{
    return slot < sh->nslots ? &sh->slot[slot] : NULL;
}

unsigned kr_shared_nslots(const struct kr_shared *sh) { return sh->nslots; }

void kr_shared_stats(struct kr_shared *sh, struct kr_daemon_stats *out)
{
    memset(out, 0, sizeof *out);
    for (unsigned i = 0; i < sh->nslots; i++) {
        struct kr_counters *c = &sh->slot[i];
        if (!atomic_load(&c->live))
            continue;
        out->sessions++;
        out->objects += atomic_load(&c->objects);
        out->mappings += atomic_load(&c->mappings);
    }
    for (unsigned i = 0; i < sh->nslots; i++)
        out->chunks += atomic_load(&sh->slot[i].chunks); /* "ever": kept when a slot is cleared */
}

void kr_shared_clear_slot(struct kr_shared *sh, unsigned slot)
{
    struct kr_counters *c = kr_shared_slot(sh, slot);
    if (!c)
        return;
    atomic_store(&c->objects, 0);
    atomic_store(&c->mappings, 0);
    atomic_store(&c->mapped_bytes, 0);
    atomic_store(&c->live, 0);
}
