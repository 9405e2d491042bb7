/*
 * test_strategy_model: what the model strategy's search is made of. Its
 * initial design, seen through its proposals, is spread over the space
 * (each point as far as it can be from those before it), not drawn at
 * random; its Gaussian process, seen through the scales it fits
 * (strategy_model_length_scales), has a length scale per parameter chosen by
 * marginal likelihood, long along parameters the objective does not depend
 * on.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixture.h"
#include "autotuner/strategy_int.h"
#include "kiln/tuner.h"

static const long long eight[] = {0, 1, 2, 3, 4, 5, 6, 7};

/* three ordinal parameters of 8 values: 512 points, every one valid */
static const kiln_kernel cube = {
    .name = "cube",
    KILN_PARAMS({.name = "a", .nvalues = 8, .values = eight}, {.name = "b", .nvalues = 8, .values = eight},
                {.name = "c", .nvalues = 8, .values = eight}),
};

static void report(const kiln_strategy *st, void *state, const kiln_config *c, double f)
{
    kiln_observation obs = {.config = c, .verdict = KILN_OK, .objective = f, .time_ns = f};
    st->report(state, &obs);
}

/* The smallest squared distance between two of the first n proposals on the
 * cube, coordinates scaled to [0, 1]; every proposal reported as 1. */
static double design_spread(uint64_t seed, int n)
{
    kiln_space *s = fixture_space_of(&cube);
    const kiln_strategy *st = kiln_strategy_find("model");
    kiln_size size = {.ndims = 1, .d = {64, 1, 1}};
    kiln_strategy_ctx ctx = {.space = s, .seed = seed, .size = &size};
    void *state = s && st ? st->init(&ctx) : NULL;
    CHECK(state != NULL);
    if (!state) {
        kiln_space_free(s);
        return -1;
    }
    double at[16][3], nearest = INFINITY;
    for (int i = 0; i < n && i < 16; i++) {
        kiln_config c;
        CHECK(st->propose(state, &c, 1) == 1);
        for (int d = 0; d < 3; d++)
            at[i][d] = (double)c.values[d] / 7;
        for (int j = 0; j < i; j++) {
            double r2 = 0;
            for (int d = 0; d < 3; d++)
                r2 += (at[i][d] - at[j][d]) * (at[i][d] - at[j][d]);
            nearest = fmin(nearest, r2);
        }
        report(st, state, &c, 1);
    }
    st->fini(state);
    kiln_space_free(s);
    return nearest;
}

/* The length scales the model fits to 40 points of the cube where only a
 * matters (1 + (a - 5)^2): 0, or -1. */
static int scales_on_cube(double *scales)
{
    kiln_space *s = fixture_space_of(&cube);
    if (!s)
        return -1;
    uint64_t points[40], lcg = 12345;
    double objectives[40];
    for (int i = 0; i < 40; i++) {
        lcg = lcg * 6364136223846793005u + 1442695040888963407u;
        int idx[3] = {(int)(lcg >> 61), (int)(lcg >> 58) & 7, (int)(lcg >> 55) & 7};
        points[i] = kiln_space_index_of(s, idx);
        objectives[i] = 1 + (idx[0] - 5) * (idx[0] - 5);
    }
    kiln_strategy_ctx ctx = {.space = s, .seed = 1};
    int rc = strategy_model_length_scales(&ctx, points, objectives, 40, scales);
    kiln_space_free(s);
    return rc;
}

int main(void)
{
    CHECK(kiln_strategy_find("model") != NULL);
    /* the design: six points on the cube, each pair at least 0.7 of a side
     * apart (squared distance 0.5); points drawn at random come closer */
    for (uint64_t seed = 1; seed <= 10; seed++) {
        double spread = design_spread(seed, 6);
        CHECK_MSG(spread >= 0.5, "seed %llu: two of the first 6 proposals %.3f apart (squared)",
                  (unsigned long long)seed, spread);
    }

    /* a length scale per parameter: long along the two that do not matter */
    double scales[3];
    CHECK(scales_on_cube(scales) == 0);
    fprintf(stderr, "model: length scales %.3g %.3g %.3g\n", scales[0], scales[1], scales[2]);
    CHECK_MSG(scales[1] >= 3 * scales[0] && scales[2] >= 3 * scales[0],
              "model: length scales %.3g (a, which matters), %.3g and %.3g (b, c, which do not)", scales[0],
              scales[1], scales[2]);
    CHECK_DONE();
}
