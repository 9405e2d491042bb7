/*
 * test_peaks.c: the FLOP count of peak_fma holds for every configuration.
 * The verifier cannot see it (the result is gid % 7 whatever the number of
 * steps), so the generated OpenCL C is read: the step loop runs
 * 2048 / (chains * vec) times with chains vector multiply-adds of vec lanes in
 * its body (unrolled 8 times), i.e. 2048 multiply-adds per work-item, the
 * 2 * 2048 * n FLOPs the kernel claims; and the chains start apart.
 */
#include "check.h"
#include "examples_util.h"
#include "kiln/kernel.h"

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

int main(void)
{
    static const int configs[][2] = {{1, 1}, {4, 2}, {16, 16}, {2, 8}, {8, 1}};
    kiln_size size = {1, {1024, 1, 1}};
    CHECK(kiln_kernel_peak_fma.flops(&size) == 2.0 * 2048 * 1024);
    for (size_t i = 0; i < sizeof configs / sizeof configs[0]; i++) {
        int vec = configs[i][0], chains = configs[i][1];
        char settings[64], err[512] = "";
        snprintf(settings, sizeof settings, "vec=%d,chains=%d", vec, chains);
        kiln_config cfg;
        CHECK(example_config(&kiln_kernel_peak_fma, settings, &cfg) == 0);
        kiln_ctx *ctx = kiln_ctx_new();
        kiln_proc *proc = kiln_kernel_build(&kiln_kernel_peak_fma, ctx, &cfg, &size);
        CHECK_MSG(proc != NULL, "%s: %s", settings, kiln_errmsg(ctx));
        char *src = proc ? kiln_generate(proc, KILN_LANG_CL, NULL, err, sizeof err) : NULL;
        CHECK_MSG(src != NULL, "%s: %s", settings, err);
        if (src) {
            int steps = 2048 / (chains * vec);
            char bound[64];
            snprintf(bound, sizeof bound, "step < %d", steps);
            CHECK_MSG(strstr(src, bound) != NULL, "%s: no '%s' in\n%s", settings, bound, src);
            /* each chain updated 8 times per unrolled iteration: chains * 8 multiplies by sv */
            CHECK_MSG(count(src, " * sv") == 8 * chains, "%s: %d multiplies by sv, expected %d\n%s", settings,
                      count(src, " * sv"), 8 * chains, src);
            for (int c = 0; c < chains; c++) {
                char start[32];
                snprintf(start, sizeof start, "%% 7 + %d", c);
                CHECK_MSG(c == 0 || strstr(src, start) != NULL, "%s: chain %d does not start at gid %% 7 + %d",
                          settings, c, c);
            }
        }
        free(src);
        kiln_ctx_free(ctx);
    }
    CHECK_DONE();
}
