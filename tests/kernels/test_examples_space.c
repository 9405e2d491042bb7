/*
 * test_examples_space.c: every valid configuration of each example kernel's
 * search space, at a small size, builds a tree and prints in OpenCL C and C;
 * and a configuration the constraints reject for that size is refused by the
 * description itself with a message naming the cause.
 */
#include "check.h"
#include "examples_util.h"
#include "kiln/tuner.h"

static void whole_space(const kiln_kernel *k, const char *size_text)
{
    kiln_size size;
    char err[512] = "";
    CHECK(kiln_size_parse(size_text, &size) == 0);
    kiln_space *space = kiln_space_new(k, &size, err, sizeof err);
    CHECK_MSG(space != NULL, "%s: %s", k->name, err);
    if (!space)
        return;
    kiln_ctx *ctx = kiln_ctx_new();
    uint64_t total = kiln_space_total(space), valid = 0, built = 0;
    for (uint64_t i = 0; i < total; i++) {
        kiln_config cfg;
        char why[256] = "";
        kiln_space_point(space, i, &cfg);
        int ok = kiln_space_check(space, &cfg, why, sizeof why);
        CHECK_MSG(ok >= 0, "%s: constraint error: %s", k->name, why);
        if (ok != 1)
            continue;
        valid++;
        built += example_builds_everywhere(ctx, k, &cfg, &size, size_text, NULL);
    }
    CHECK_MSG(valid > 1 && valid == kiln_space_count_valid(space), "%s: %llu valid of %llu", k->name,
              (unsigned long long)valid, (unsigned long long)total);
    CHECK(built == valid);
    fprintf(stderr, "%s at %s: %llu of %llu configurations valid, all built\n", k->name, size_text,
            (unsigned long long)valid, (unsigned long long)total);
    kiln_ctx_free(ctx);
    kiln_space_free(space);
}

/* A configuration that does not fit the size: the description refuses it itself. */
static void refused(const kiln_kernel *k, const char *size_text, const char *settings, const char *reason)
{
    kiln_size size;
    kiln_config cfg;
    CHECK(kiln_size_parse(size_text, &size) == 0);
    CHECK(example_config(k, settings, &cfg) == 0);
    kiln_ctx *ctx = kiln_ctx_new();
    kiln_proc *proc = kiln_kernel_build(k, ctx, &cfg, &size);
    CHECK_MSG(proc == NULL, "%s %s [%s] was built", k->name, size_text, settings);
    CHECK(kiln_ctx_failed(ctx));
    CHECK_STR_CONTAINS(kiln_errmsg(ctx), reason);
    kiln_ctx_free(ctx);
}

int main(void)
{
    whole_space(&kiln_kernel_triad, "256");
    whole_space(&kiln_kernel_matmul, "32");
    whole_space(&kiln_kernel_laplace, "64x8");
    whole_space(&kiln_kernel_laplace_rgb, "16x8");

    refused(&kiln_kernel_triad, "1000", "vec=16", "not a multiple of vec * per_item");
    refused(&kiln_kernel_matmul, "48", "tile=32", "tile 32 does not divide n = 48");
    refused(&kiln_kernel_laplace, "60x8", "vec=8", "not a whole number of 8 x 1 blocks");
    refused(&kiln_kernel_laplace_rgb, "10x8", "x_component_number=16,vector_length=16",
            "rows of 30 components) is not a whole number of 16 x 1 blocks");
    refused(&kiln_kernel_laplace_rgb, "16x6", "y_component_number=4", "not a whole number of 4 x 4 blocks");
    CHECK_DONE();
}
