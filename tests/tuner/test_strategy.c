/*
 * test_strategy.c: exhaustive visits exactly the valid set in index order;
 * random proposes valid points without repetition, replays by seed, differs
 * between seeds, spreads evenly, and works on spaces too large to enumerate.
 */
#include "check.h"
#include "fixture.h"

/* A strategy started on space s with a budget and a seed, no history. */
static void *start(const kiln_strategy *st, const kiln_space *s, uint64_t budget, uint64_t seed)
{
    kiln_strategy_ctx ctx = {.space = s, .budget = budget, .seed = seed};
    return st->init(&ctx);
}

/* One proposal: 1, or 0 when the strategy is done. */
static int next1(const kiln_strategy *st, void *state, kiln_config *c)
{
    return st->propose(state, c, 1) == 1;
}

/* Runs a strategy to the end; fills idx with the visited point indices. */
static int collect(const kiln_strategy *st, const kiln_space *s, uint64_t budget, uint64_t seed,
                   unsigned long long *idx, int max)
{
    void *state = start(st, s, budget, seed);
    CHECK(state != NULL);
    if (!state)
        return 0;
    kiln_config c;
    int n = 0;
    while (next1(st, state, &c)) {
        CHECK(c.n == 3);
        char why[128];
        CHECK_MSG(kiln_space_check(s, &c, why, sizeof why) == 1, "%s proposed an invalid point: %s", st->name,
                  why);
        int a = 0, b = 0;
        while (a < 5 && fixture_wg[a] != c.values[0])
            a++;
        while (b < 4 && fixture_unroll[b] != c.values[1])
            b++;
        if (n < max)
            idx[n] = fixture_index(a, b, (int)c.values[2]);
        n++;
        kiln_observation obs = {.config = &c, .verdict = KILN_OK, .objective = 1000.0, .time_ns = 1000.0};
        st->report(state, &obs);
        if (n > 10 * max)
            break; /* a runaway strategy is a failure below, not a hang */
    }
    st->fini(state);
    return n;
}

static int has_duplicates(const unsigned long long *idx, int n)
{
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (idx[i] == idx[j])
                return 1;
    return 0;
}

int main(void)
{
    char err[256];
    kiln_size size = {.ndims = 1, .d = {1000, 1, 1}};
    kiln_space *s = kiln_space_new(&fixture_kernel, &size, err, sizeof err);
    CHECK_MSG(s != NULL, "%s", err);
    if (!s)
        CHECK_DONE();

    unsigned long long valid[40];
    int nvalid = 0;
    for (int a = 0; a < 5; a++)
        for (int b = 0; b < 4; b++)
            for (int l = 0; l < 2; l++)
                if (fixture_valid(fixture_wg[a], fixture_unroll[b], 1000))
                    valid[nvalid++] = fixture_index(a, b, l);
    CHECK(nvalid == 18);

    /* registry */
    const kiln_strategy *ex = kiln_strategy_find("exhaustive");
    const kiln_strategy *rnd = kiln_strategy_find("random");
    CHECK(ex && rnd && ex != rnd);
    CHECK(kiln_strategy_find("annealing-typo") == NULL);
    CHECK(kiln_strategy_find(NULL) == NULL);
    int listed = 0;
    for (const kiln_strategy *const *p = kiln_strategies(); *p; p++) {
        CHECK((*p)->name && (*p)->help && (*p)->init && (*p)->propose && (*p)->report && (*p)->fini);
        listed++;
    }
    CHECK(listed >= 2);
    if (!ex || !rnd)
        CHECK_DONE();

    /* exhaustive: exactly the valid set, in index order; budget takes a prefix */
    unsigned long long got[64];
    int n = collect(ex, s, 0, 0, got, 64);
    CHECK_MSG(n == nvalid, "exhaustive visited %d, want %d", n, nvalid);
    for (int i = 0; i < n && i < nvalid; i++)
        CHECK(got[i] == valid[i]);
    n = collect(ex, s, 5, 0, got, 64);
    CHECK(n == 5);
    for (int i = 0; i < 5; i++)
        CHECK(got[i] == valid[i]);
    CHECK(collect(ex, s, 1000, 0, got, 64) == nvalid);

    /* random, no budget: every valid point once, in some order */
    n = collect(rnd, s, 0, 7, got, 64);
    CHECK_MSG(n == nvalid, "random visited %d, want %d", n, nvalid);
    CHECK(!has_duplicates(got, n < 64 ? n : 64));
    for (int i = 0; i < nvalid; i++) {
        int seen = 0;
        for (int j = 0; j < n && j < 64; j++)
            seen |= got[j] == valid[i];
        CHECK_MSG(seen, "valid point %llu never proposed", valid[i]);
    }
    int in_order = 1;
    for (int i = 0; i < nvalid && i < n; i++)
        in_order &= got[i] == valid[i];
    CHECK(!in_order);

    /* random with a budget: no duplicates, same seed same sequence, other seed differs */
    unsigned long long a1[10], a2[10], b1[10];
    CHECK(collect(rnd, s, 10, 42, a1, 10) == 10);
    CHECK(collect(rnd, s, 10, 42, a2, 10) == 10);
    CHECK(collect(rnd, s, 10, 43, b1, 10) == 10);
    CHECK(!has_duplicates(a1, 10) && !has_duplicates(b1, 10));
    CHECK(memcmp(a1, a2, sizeof a1) == 0);
    CHECK(memcmp(a1, b1, sizeof a1) != 0);

    /* uniform: the first proposal over many seeds hits each valid point about equally */
    {
        int hits[40] = {0};
        const int seeds = 18000;
        for (int seed = 0; seed < seeds; seed++) {
            unsigned long long first;
            CHECK(collect(rnd, s, 1, (uint64_t)seed * 7919 + 1, &first, 1) == 1);
            if (first < 40)
                hits[first]++;
        }
        for (int i = 0; i < nvalid; i++)
            CHECK_MSG(hits[valid[i]] > 800 && hits[valid[i]] < 1200, "point %llu drawn %d times of %d",
                      valid[i], hits[valid[i]], seeds);
    }
    kiln_space_free(s);

    /* a space too large to enumerate (32^6 = 2^30 points) is sampled */
    static const char *const names[6] = {"p0", "p1", "p2", "p3", "p4", "p5"};
    static long long values[32];
    kiln_param params[6];
    for (int v = 0; v < 32; v++)
        values[v] = v;
    for (int p = 0; p < 6; p++)
        params[p] = (kiln_param){.name = names[p], .nvalues = 32, .values = values};
    kiln_kernel big = {.name = "big", .nparams = 6, .params = params, KILN_CONSTRAINTS("p0 + p1 + p2 < 40")};
    s = kiln_space_new(&big, &size, err, sizeof err);
    CHECK_MSG(s != NULL, "%s", err);
    if (s) {
        CHECK(kiln_space_total(s) == (UINT64_C(1) << 30));
        enum { BUDGET = 2000 };
        static uint64_t seen[BUDGET];
        uint64_t rounds[2][3];
        for (int round = 0; round < 2; round++) {
            void *state = start(rnd, s, BUDGET, 99);
            CHECK(state != NULL);
            kiln_config c;
            int count = 0;
            while (state && next1(rnd, state, &c) && count < BUDGET + 1) {
                char why[128];
                CHECK(kiln_space_check(s, &c, why, sizeof why) == 1);
                uint64_t key = 0;
                for (int p = 0; p < 6; p++)
                    key = key * 32 + (uint64_t)c.values[p];
                if (count < 3)
                    rounds[round][count] = key;
                if (count < BUDGET)
                    seen[count] = key;
                count++;
            }
            if (state)
                rnd->fini(state);
            CHECK_MSG(count == BUDGET, "sampled %d, want %d", count, BUDGET);
            int dup = 0;
            for (int i = 0; i < BUDGET && i < count; i++)
                for (int j = i + 1; j < BUDGET && j < count; j++)
                    dup |= seen[i] == seen[j];
            CHECK(!dup);
        }
        CHECK(memcmp(rounds[0], rounds[1], sizeof rounds[0]) == 0);
        /* exhaustive on the big space starts at the first valid index without enumerating */
        void *state = start(ex, s, 3, 0);
        kiln_config c;
        CHECK(state && next1(ex, state, &c) == 1 && c.values[5] == 0 && c.values[4] == 0);
        CHECK(state && next1(ex, state, &c) == 1 && c.values[5] == 1);
        CHECK(state && next1(ex, state, &c) == 1 && c.values[5] == 2);
        CHECK(state && next1(ex, state, &c) == 0);
        if (state)
            ex->fini(state);
        kiln_space_free(s);
    }

    CHECK_DONE();
}
