/*
 * test_dsl_jumps.c: break and continue. They leave or continue the innermost
 * for or while loop; outside a loop, in a loop that is unrolled, or in a for
 * loop that holds a barrier (the C target splits such a body into work-item
 * loops, which a break would leave instead) they are refused, the call site
 * named. What they compute is executed in tests/frontend/test_import.c.
 */
#include <stdlib.h>
#include "check.h"
#include "kiln/dsl.h"
#include "kiln/gen.h"

/* A kernel whose loop over i < 8 breaks (or continues) at i == 5. */
static kiln_proc *loop_with(kiln_ctx *ctx, int use_break, int unroll, int with_barrier)
{
    kiln_kernel_begin(ctx, "k");
    kiln_var *a = kiln_arg_array(ctx, "a", KILN_T(I32), KILN_OUT, kiln_int(ctx, 8));
    kiln_var *i = kiln_for_begin(ctx, "i", kiln_int(ctx, 0), kiln_int(ctx, 8), kiln_int(ctx, 1));
    if (with_barrier)
        kiln_barrier(ctx, KILN_FENCE_LOCAL);
    kiln_if_begin(ctx, kiln_eq(ctx, kiln_ref(ctx, i), kiln_int(ctx, 5)));
    if (use_break)
        kiln_break(ctx);
    else
        kiln_continue(ctx);
    kiln_if_end(ctx);
    kiln_assign(ctx, kiln_at(ctx, a, kiln_ref(ctx, i)), kiln_ref(ctx, i));
    kiln_for_end_unroll(ctx, unroll);
    return kiln_proc_end(ctx);
}

int main(void)
{
    char err[256];
    for (int b = 0; b < 2; b++) {
        const char *word = b ? "break;" : "continue;";
        kiln_ctx *ctx = kiln_ctx_new();
        kiln_proc *p = loop_with(ctx, b, 1, 0);
        CHECK_MSG(p != NULL, "%s", kiln_errmsg(ctx));
        for (int lang = 0; p && lang < KILN_LANG_COUNT; lang++) {
            char *src = kiln_generate(p, (kiln_lang)lang, NULL, err, sizeof err);
            CHECK_MSG(src != NULL, "%s", err);
            CHECK_STR_CONTAINS(src, word);
            free(src);
        }
        kiln_ctx_free(ctx);

        ctx = kiln_ctx_new();
        CHECK(loop_with(ctx, b, 2, 0) == NULL);
        CHECK_STR_CONTAINS(kiln_errmsg(ctx), "test_dsl_jumps.c:");
        CHECK_STR_CONTAINS(kiln_errmsg(ctx), b ? "a loop with a break (line" : "a loop with a continue (line");
        CHECK_STR_CONTAINS(kiln_errmsg(ctx), "cannot be unrolled");
        kiln_ctx_free(ctx);

        ctx = kiln_ctx_new();
        CHECK(loop_with(ctx, b, 1, 1) == NULL);
        CHECK_STR_CONTAINS(kiln_errmsg(ctx), "a loop with a barrier cannot hold a");
        kiln_ctx_free(ctx);
    }
    /* outside a loop, and inside an if that is not in one */
    kiln_ctx *ctx = kiln_ctx_new();
    kiln_kernel_begin(ctx, "k");
    kiln_arg_scalar(ctx, "n", KILN_T(I32));
    kiln_if_begin(ctx, kiln_lt(ctx, kiln_int(ctx, 0), kiln_int(ctx, 1)));
    kiln_break(ctx);
    kiln_if_end(ctx);
    CHECK(kiln_proc_end(ctx) == NULL);
    CHECK_STR_CONTAINS(kiln_errmsg(ctx), "break outside a for or while loop");
    kiln_ctx_free(ctx);
    /* a while loop takes them too */
    ctx = kiln_ctx_new();
    kiln_kernel_begin(ctx, "k");
    kiln_var *n = kiln_arg_scalar(ctx, "n", KILN_T(I32));
    kiln_while_begin(ctx, kiln_lt(ctx, kiln_ref(ctx, n), kiln_int(ctx, 1)));
    kiln_continue(ctx);
    kiln_while_end(ctx);
    CHECK_MSG(kiln_proc_end(ctx) != NULL, "%s", kiln_errmsg(ctx));
    kiln_ctx_free(ctx);
    CHECK_DONE();
}
