/*
 * test_examples_space.c: every valid configuration of each example kernel's
 * search space, at a small size, builds a tree and prints in OpenCL C and C;
 * and a configuration the constraints reject for that size is refused by the
 * description itself with a message naming the cause.
 */
#include "check.h"
#include "examples_util.h"

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
    example_whole_space(&kiln_kernel_triad, "256");
    example_whole_space(&kiln_kernel_matmul, "32");
    example_whole_space(&kiln_kernel_laplace, "64x8");
    example_whole_space(&kiln_kernel_laplace_rgb, "16x8");

    refused(&kiln_kernel_triad, "1000", "vec=16", "not a multiple of vec * per_item");
    refused(&kiln_kernel_matmul, "48", "tile=32", "tile 32 does not divide n = 48");
    refused(&kiln_kernel_laplace, "60x8", "vec=8", "not a whole number of 8 x 1 blocks");
    refused(&kiln_kernel_laplace_rgb, "10x8", "x_component_number=16,vector_length=16",
            "rows of 30 components) is not a whole number of 16 x 1 blocks");
    refused(&kiln_kernel_laplace_rgb, "16x6", "y_component_number=4", "not a whole number of 4 x 4 blocks");
    CHECK_DONE();
}
