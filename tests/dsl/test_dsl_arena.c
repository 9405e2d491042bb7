/*
 * test_dsl_arena.c: building a realistic kernel (helper, shared tile,
 * barriers, unrolled loops, vectors) 10,000 times with kiln_ctx_reset in
 * between grows neither the arena nor the heap; failed builds reset cleanly.
 */
#include <malloc.h>
#include "check.h"
#include "kiln/dsl.h"

static kiln_proc *build(kiln_ctx *ctx, int unroll, int fail)
{
    kiln_func_begin(ctx, "scale", KILN_T(F32));
    kiln_var *p = kiln_arg_scalar(ctx, "p", KILN_T(F32));
    kiln_return(ctx, kiln_mul(ctx, kiln_ref(ctx, p), kiln_flt(ctx, 0.5)));
    kiln_proc *scale = kiln_proc_end(ctx);

    kiln_kernel_begin(ctx, "matmul_tile");
    kiln_var *n = kiln_arg_scalar(ctx, "n", KILN_T(I32));
    kiln_var *a = kiln_arg_array(ctx, "a", KILN_T(F32), KILN_IN, kiln_ref(ctx, n), kiln_ref(ctx, n));
    kiln_var *b = kiln_arg_array(ctx, "b", KILN_T(F32), KILN_IN, kiln_ref(ctx, n), kiln_ref(ctx, n));
    kiln_var *c = kiln_arg_array(ctx, "c", KILN_T(F32), KILN_OUT, kiln_ref(ctx, n), kiln_ref(ctx, n));
    kiln_var *tile = kiln_decl_shared(ctx, "tile", KILN_T(F32), 16, 16);
    kiln_var *row = kiln_decl(ctx, "row", KILN_T(I32), kiln_cast(ctx, KILN_T(I32), kiln_global_id(ctx, 1)));
    kiln_var *col = kiln_decl(ctx, "col", KILN_T(I32), kiln_cast(ctx, KILN_T(I32), kiln_global_id(ctx, 0)));
    kiln_var *acc = kiln_decl(ctx, "acc", KILN_V(F32, 4), kiln_flt(ctx, 0));
    kiln_var *k = kiln_for_begin(ctx, "k", kiln_int(ctx, 0), kiln_ref(ctx, n), kiln_int(ctx, 4));
    kiln_var *va = kiln_decl(ctx, "va", KILN_V(F32, 4),
                             kiln_vload(ctx, 4, a, kiln_add(ctx, kiln_mul(ctx, kiln_ref(ctx, row), kiln_ref(ctx, n)),
                                                            kiln_ref(ctx, k))));
    kiln_assign(ctx, kiln_at(ctx, tile, kiln_modp(ctx, kiln_ref(ctx, row), kiln_int(ctx, 16)),
                             kiln_modp(ctx, kiln_ref(ctx, k), kiln_int(ctx, 16))),
                kiln_lane(ctx, kiln_ref(ctx, va), 0));
    kiln_barrier(ctx, KILN_FENCE_LOCAL);
    kiln_var *j = kiln_for_begin(ctx, "j", kiln_int(ctx, 0), kiln_int(ctx, 4), kiln_int(ctx, 1));
    kiln_assign_op(ctx, KILN_ADD, kiln_ref(ctx, acc),
                   kiln_mul(ctx, kiln_ref(ctx, va),
                            kiln_at(ctx, b, kiln_add(ctx, kiln_ref(ctx, k), kiln_ref(ctx, j)), kiln_ref(ctx, col))));
    kiln_for_end_unroll(ctx, 0);
    if (fail)
        kiln_assign(ctx, kiln_ref(ctx, n), kiln_int(ctx, 0));
    kiln_for_end_unroll(ctx, unroll);
    kiln_var *s = kiln_decl(ctx, "s", KILN_T(F32), kiln_call(ctx, scale, kiln_lane(ctx, kiln_ref(ctx, acc), 3)));
    kiln_if_begin(ctx, kiln_lt(ctx, kiln_ref(ctx, row), kiln_ref(ctx, n)));
    kiln_assign(ctx, kiln_at(ctx, c, kiln_ref(ctx, row), kiln_ref(ctx, col)), kiln_ref(ctx, s));
    kiln_else(ctx);
    kiln_comment(ctx, "row %d out of range", 0);
    kiln_if_end(ctx);
    return kiln_proc_end(ctx);
}

int main(void)
{
    kiln_ctx *ctx = kiln_ctx_new();
    for (int i = 0; i < 10; i++) {
        kiln_ctx_reset(ctx);
        CHECK_MSG(build(ctx, 4, 0) != NULL, "%s", kiln_errmsg(ctx));
    }
    size_t arena = kiln_ctx_arena_bytes(ctx);
    size_t heap = mallinfo2().uordblks;
    CHECK(arena > 0);
    int failures = 0;
    for (int i = 0; i < 10000; i++) {
        kiln_ctx_reset(ctx);
        /* every 7th build fails half-way: a reset must recover from that too */
        int fail = i % 7 == 3;
        kiln_proc *p = build(ctx, 4, fail);
        if ((p == NULL) != fail || (fail && !strstr(kiln_errmsg(ctx), "write to 'n', an `in` argument")))
            failures++;
    }
    CHECK_MSG(failures == 0, "%d builds did not end as expected (last error: %s)", failures, kiln_errmsg(ctx));
    CHECK_MSG(kiln_ctx_arena_bytes(ctx) == arena, "arena grew from %zu to %zu bytes", arena,
              kiln_ctx_arena_bytes(ctx));
    size_t heap_after = mallinfo2().uordblks;
    CHECK_MSG(heap_after == heap, "heap in use went from %zu to %zu bytes", heap, heap_after);

    /* after reset, the context is clean: no error, no procedures */
    kiln_ctx_reset(ctx);
    CHECK(!kiln_ctx_failed(ctx) && strcmp(kiln_errmsg(ctx), "") == 0);
    kiln_ctx_free(ctx);
    CHECK_DONE();
}
