/*
 * test_bigdft_errors.c: configurations and sizes the BigDFT descriptions
 * cannot build are refused with a message naming the kernel and the cause,
 * and the 3-D driver refuses extents it cannot use; every configuration the
 * constraints admit builds (for the kernels with tiles); nothing runs.
 */
#include "check.h"
#include "kernels/bigdft/bigdft.h"
#include "tests/kernels/examples_util.h"

/* Builds k for settings (values outside the parameter lists allowed) and size. */
static void refused(const kiln_kernel *k, const char *settings, const char *size_text, const char *want)
{
    kiln_config cfg;
    CHECK(example_config(k, "", &cfg) == 0);
    for (const char *p = settings; *p;) {
        char name[32];
        long long v;
        int used = 0;
        CHECK(sscanf(p, "%31[^=]=%lld%n", name, &v, &used) == 2);
        for (int i = 0; i < cfg.n; i++)
            if (strcmp(cfg.names[i], name) == 0)
                cfg.values[i] = v;
        p += used + (p[used] == ',');
    }
    kiln_size size;
    CHECK(kiln_size_parse(size_text, &size) == 0);
    kiln_ctx *ctx = kiln_ctx_new();
    kiln_proc *proc = kiln_kernel_build(k, ctx, &cfg, &size);
    CHECK_MSG(proc == NULL, "%s [%s] %s was built", k->name, settings, size_text);
    CHECK_STR_CONTAINS(kiln_errmsg(ctx), want);
    kiln_ctx_free(ctx);
}

int main(void)
{
    refused(&kiln_kernel_bigdft_magicfilter, "unroll=13", "64x64", "bigdft.magicfilter: unroll 13 is outside 1..12");
    refused(&kiln_kernel_bigdft_magicfilter, "vec=3", "64x64", "vec 3 is not 1, 2, 4 or 8");
    refused(&kiln_kernel_bigdft_magicfilter, "map=1,wrap=2", "64x64", "map 1 gives one point per work-item");
    refused(&kiln_kernel_bigdft_magicfilter, "map=1,lanes=1,vec=4", "64x64", "lanes along the points need");
    refused(&kiln_kernel_bigdft_magicfilter, "map=1,lanes=2,vec=4", "64x64", "transposed lanes need");
    refused(&kiln_kernel_bigdft_magicfilter, "lanes=2,vec=4,unroll=2,acc=1", "64x64",
            "transposed lanes keep their accumulators as vectors");
    refused(&kiln_kernel_bigdft_magicfilter, "lanes=0,vec=4,stream=1", "64x64",
            "bigdft.magicfilter: stream 1: 0, or 1 with transposed lanes");
    refused(&kiln_kernel_bigdft_kinetic, "lanes=2,vec=4,stream=2", "64x64", "stream 2: 0, or 1 with transposed");
    refused(&kiln_kernel_bigdft_magicfilter, "lanes=1,vec=4,prefetch=1", "64x64",
            "bigdft.magicfilter: prefetch 1: 0, or 1 with transposed lanes");
    refused(&kiln_kernel_bigdft_kinetic, "lanes=2,vec=4,prefetch=2", "64x64", "prefetch 2: 0, or 1 with transposed");
    refused(&kiln_kernel_bigdft_analysis, "lanes=2,vec=4", "64x64", "bigdft.analysis: lanes 2 is");
    refused(&kiln_kernel_bigdft_kinetic_dot, "lanes=2,vec=4", "64x64", "bigdft.kinetic_dot: lanes 2 is");
    refused(&kiln_kernel_bigdft_kinetic, "lanes=2,vec=8", "8192x8",
            "bigdft.kinetic: a transposed block of 8 lines x 8220 points needs 1050368 bytes of private memory, "
            "more than 262144");
    refused(&kiln_kernel_bigdft_magicfilter_grow, "wrap=1", "64x64", "bigdft.magicfilter_grow: wrap 1 is not a way");
    refused(&kiln_kernel_bigdft_kinetic, "wrap=3", "64x64", "wrap 3");
    refused(&kiln_kernel_bigdft_magicfilter, "", "65536x65536", "do not fit the kernel's 32-bit indices");
    refused(&kiln_kernel_bigdft_magicfilter, "tile=16,vec=4", "64x64", "a tile needs vec 1, lanes 0, map 0");
    refused(&kiln_kernel_bigdft_magicfilter, "tile=16,wrap=2", "64x64", "a tile needs vec 1, lanes 0, map 0");
    refused(&kiln_kernel_bigdft_magicfilter, "tile=32,wg=16", "64x64", "32 lines do not divide the work-group of 16");
    refused(&kiln_kernel_bigdft_magicfilter, "tile=65", "64x64", "tile 65 is outside 0..64");
    refused(&kiln_kernel_bigdft_kinetic, "tile=32,wg=256,unroll=12", "128x128",
            "bigdft.kinetic: a tile of 32 x 96 points needs 56832 bytes of local memory, more than 49152");

    /* the constraints and the description agree on what a tile can take */
    example_whole_space(&kiln_kernel_bigdft_kinetic3d, "21x5x7");
    example_whole_space(&kiln_kernel_bigdft_magicfilter_grow, "20x37");
    example_whole_space(&kiln_kernel_bigdft_magicfilter_shrink, "20x37");
    example_whole_space(&kiln_kernel_bigdft_magicfilter, "21x37");

    char err[512] = "";
    kiln_rt *rt = kiln_rt_open("host", err, sizeof err);
    CHECK_MSG(rt != NULL, "%s", err);
    kiln_config cfg;
    CHECK(example_config(&kiln_kernel_bigdft_kinetic, "", &cfg) == 0);
    const double h[3] = {0.4, 0.4, 0.4};
    CHECK(bigdft_3d_new(rt, BIGDFT_MAGICFILTER3D, &cfg, 0, 8, 8, h, 0, err, sizeof err) == NULL);
    CHECK_STR_CONTAINS(err, "the extents must be positive");
    CHECK(bigdft_3d_new(rt, BIGDFT_KINETIC3D, &cfg, 8, 8, 8, NULL, 0, err, sizeof err) == NULL);
    CHECK_STR_CONTAINS(err, "needs h");
    cfg.values[0] = 13; /* unroll */
    CHECK(bigdft_3d_new(rt, BIGDFT_KINETIC3D, &cfg, 8, 8, 8, h, 0, err, sizeof err) == NULL);
    CHECK_STR_CONTAINS(err, "unroll 13 is outside");
    kiln_rt_close(rt);
    CHECK_DONE();
}
