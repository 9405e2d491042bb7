/*
 * test_import.c: what the importer builds and what it refuses.
 *
 *  - refusals: every construct kiln cannot express fails the import with a
 *    message naming it at its file:line:column (no silent drop);
 *  - execution: kernels with descending loops, inclusive bounds, break,
 *    continue, -D definitions and `#pragma kiln unroll` run on the host C
 *    target and compute what a plain C loop in this file computes;
 *  - arguments: directions inferred from const and from writes;
 *  - the context does not grow when the same import is repeated (one per
 *    variant in a tuning run).
 */
#include <stdio.h>
#include "check.h"
#include "frontend_test.h"

static kiln_importer *imp;

/* The import of `text` fails with a message containing `where` and `what`. */
static void refused(const char *text, const char *where, const char *what)
{
    kiln_ctx *ctx = kiln_ctx_new();
    char err[600];
    const char *defs[] = {"U=2"};
    kiln_proc *p = import_text(imp, ctx, "t.cl", text, "k", 1, defs, err, sizeof err);
    CHECK_MSG(p == NULL, "imported, expected a refusal naming '%s':\n%s", what, text);
    CHECK_STR_CONTAINS(err, where);
    CHECK_STR_CONTAINS(err, what);
    kiln_ctx_free(ctx);
}

static void test_refusals(void)
{
    refused("__kernel void k(__global int *a) {\n"
            "    goto end;\n"
            "end:\n"
            "    a[0] = 1;\n"
            "}\n",
            "t.cl:2:5:", "goto");
    refused("__kernel void k(__global int *a, int n) {\n"
            "    switch (n) {\n"
            "    case 0: a[0] = 1;\n"
            "    case 1: a[0] = 2; break;\n"
            "    }\n"
            "}\n",
            "t.cl:4:5:", "falling through");
    refused("__kernel void k(__global int *a, int n) {\n"
            "    switch (n) {\n"
            "    case 0: if (a[1] > 0) break; a[0] = 1; break;\n"
            "    }\n"
            "}\n",
            "t.cl:3:27:", "break inside a switch case but not at its end");
    refused("__kernel void k(__global int *a, int n) {\n"
            "    switch (n) {\n"
            "    default: a[0] = 0; break;\n"
            "    case 1: a[0] = 2; break;\n"
            "    }\n"
            "}\n",
            "t.cl:4:5:", "switch case after the default");
    refused("__kernel void k(__global int *a) {\n"
            "    int i = 0;\n"
            "    do { a[i] = 0; i++; } while (i < 4);\n"
            "}\n",
            "t.cl:3:5:", "do-while");
    refused("typedef struct { int x; } pair;\n"
            "__kernel void k(__global int *a, pair p) {\n"
            "    a[0] = p.x;\n"
            "}\n",
            "t.cl:2:", "argument 'p'");
    refused("__kernel void k(__global int *a) {\n"
            "    *(a + 1) = 3;\n"
            "}\n",
            "t.cl:2:5:", "assignment to a UnaryOperator");
    refused("__kernel void k(__global int *a) {\n"
            "    a[0] = *(a + 1);\n"
            "}\n",
            "t.cl:2:12:", "dereference");
    refused("int helper(int x);\n"
            "__kernel void k(__global int *a) {\n"
            "    a[0] = helper(2);\n"
            "}\n",
            "t.cl:3:12:", "call to 'helper'");
    refused("int first(__global int *p) { return p[0]; }\n"
            "__kernel void k(__global int *a) {\n"
            "    a[0] = first(a);\n"
            "}\n",
            "t.cl:1:", "argument 'p' of function 'first'");
    refused("int fact(int x) { return x < 2 ? 1 : x * fact(x - 1); }\n"
            "__kernel void k(__global int *a) {\n"
            "    a[0] = fact(4);\n"
            "}\n",
            "t.cl:1:", "recursive call of 'fact'");
    refused("__kernel void k(__global int *a, int n) {\n"
            "    for (int i = 1; i < n; i *= 2)\n"
            "        a[i] = 0;\n"
            "}\n",
            "t.cl:2:28:", "increment");
    refused("__kernel void k(__global int *a, int n) {\n"
            "    for (int i = 0; i < n; i++) {\n"
            "        a[i] = 0;\n"
            "        i += 1;\n"
            "    }\n"
            "}\n",
            "t.cl:4:9:", "assigned in the body");
    refused("__kernel void k(__global int *a, int n) {\n"
            "    for (int i = 0; i != n; i++)\n"
            "        a[i] = 0;\n"
            "}\n",
            "t.cl:2:21:", "condition");
    refused("__kernel void k(__global int *a, int n) {\n"
            "    int m = n;\n"
            "    for (int i = m; i > 0; i--) {\n"
            "        a[i] = 0;\n"
            "        m = 2;\n"
            "    }\n"
            "}\n",
            "t.cl:5:9:", "reads its start, bound or step at every iteration");
    refused("__kernel void k(__global uint *a, uint n) {\n"
            "    for (uint i = n; i > 0; i -= 3)\n"
            "        a[i] = 0;\n"
            "}\n",
            "t.cl:2:15:", "descending loop over unsigned 'i'");
    refused("__kernel void k(__global int *a) {\n"
            "    int i = 0;\n"
            "    a[i++] = 0;\n"
            "}\n",
            "t.cl:3:7:", "inside an expression");
    refused("__constant int table[2] = {1, 2};\n"
            "__kernel void k(__global int *a) {\n"
            "    a[0] = table[1];\n"
            "}\n",
            "t.cl:3:12:", "declared outside the kernel");
    refused("__kernel void k(__global int *a) {\n"
            "    #pragma kiln unroll(NOT_DEFINED)\n"
            "    for (int i = 0; i < 4; i++)\n"
            "        a[i] = 0;\n"
            "}\n",
            "t.cl:2:", "#pragma kiln unroll");
    refused("__kernel void k(__global int *a) {\n"
            "    #pragma kiln unroll(U)\n"
            "    for (int i = 0; i < 4; i++) {\n"
            "        if (a[i] == 0)\n"
            "            break;\n"
            "    }\n"
            "}\n",
            "t.cl:3:", "cannot be unrolled");
    refused("#define IDX(y, x) ((y) * 16 + (x))\n"
            "__kernel void k(__global int *a, int i) {\n"
            "    a[IDX(i, 1)] = 0;\n"
            "}\n",
            "t.cl:3:7:", "macro's body");
    refused("__kernel void k(__global int *a) {\n"
            "    a[0] = 1\n"
            "}\n",
            "t.cl:2:13:", "expected ';'");
    refused("__kernel void other(__global int *a) { a[0] = 0; }\n", "t.cl", "no function 'k'");
    refused("__kernel void k(__global int *a, int n) {\n"
            "    if (n > 0)\n"
            "        break;\n"
            "}\n",
            "t.cl:3:9:", "'break' statement not in loop");
}

/* Imports kernel k of `text` without definitions into a new context (*ctx). */
static kiln_proc *import_k(kiln_ctx **ctx, const char *path, const char *text)
{
    char err[600];
    *ctx = kiln_ctx_new();
    kiln_proc *p = import_text(imp, *ctx, path, text, "k", 0, NULL, err, sizeof err);
    CHECK_MSG(p != NULL, "%s", err);
    return p;
}

/* What the execution test's kernel computes, written as plain C. */
static int expected(const int *in, int i, int step, int scale)
{
    int s = 0;
    for (int j = i; j >= 0; j -= step) {
        if (in[j] < 0)
            break;
        s += in[j];
    }
    for (int j = 0; j <= i; j++) {
        if (j % 3 == 1)
            continue;
        s += 2 * j;
    }
    for (int j = 0; j < 5; j++)
        s += j * scale;
    for (int j = i + 7; j > i; j--)
        s -= j % 4;
    return s > 100 ? (s > in[i] ? s : in[i]) : -s;
}

static const char loops_text[] =
    "#ifndef SCALE\n"
    "#define SCALE 1\n"
    "#endif\n"
    "__kernel void k(const int n, __global const int *in, __global int *out)\n"
    "{\n"
    "    // loops kiln's for does not write directly\n"
    "    const int i = get_global_id(0);\n"
    "    if (i >= n)\n"
    "        return;\n"
    "    int s = 0;\n"
    "    for (int j = i; j >= 0; j -= STEP) {\n"
    "        if (in[j] < 0)\n"
    "            break;\n"
    "        s += in[j];\n"
    "    }\n"
    "    for (int j = 0; j <= i; j++) {\n"
    "        if (j % 3 == 1)\n"
    "            continue;\n"
    "        s += 2 * j;\n"
    "    }\n"
    "    #pragma kiln unroll(U)\n"
    "    for (int j = 0; j < 5; j++)\n"
    "        s += j * SCALE;\n"
    "    for (int j = i + 7; j > i; j--)\n"
    "        s -= j % 4;\n"
    "    out[i] = s > 100 ? max(s, in[i]) : -s;\n"
    "}\n";

static int count_of(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void test_loops_execute(kiln_rt *rt)
{
    enum { N = 200 };
    int in[N], out[N];
    uint64_t st = 7;
    for (int i = 0; i < N; i++) {
        st = st * 6364136223846793005ULL + 1442695040888963407ULL;
        in[i] = (int)((st >> 33) % 50) - (i % 17 == 5 ? 60 : 0); /* a few negatives stop the first loop */
    }
    /* loops in the text: the unrolled one is gone (U=0), or a main loop and a remainder (5 = 2 * 2 + 1) */
    static const struct {
        const char *step, *unroll, *scale;
        int loops;
    } cases[] = {{"STEP=1", "U=1", "SCALE=1", 4}, {"STEP=3", "U=2", "SCALE=1", 5}, {"STEP=2", "U=0", "SCALE=5", 3},
                 {"STEP=7", "U=3", "SCALE=-2", 5}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        kiln_ctx *ctx = kiln_ctx_new();
        char err[600];
        const char *defs[] = {cases[c].step, cases[c].unroll, cases[c].scale};
        kiln_proc *p = import_text(imp, ctx, "loops.cl", loops_text, "k", 3, defs, err, sizeof err);
        CHECK_MSG(p != NULL, "%s", err);
        if (!p) {
            kiln_ctx_free(ctx);
            continue;
        }
        char *cl = kiln_generate(p, KILN_LANG_CL, NULL, err, sizeof err);
        CHECK_MSG(cl != NULL, "%s", err);
        /* the comment is kept; U=0 unrolls the third loop away, U>1 keeps a loop */
        CHECK_STR_CONTAINS(cl, "// loops kiln's for does not write directly");
        CHECK_MSG(count_of(cl, "for (") == cases[c].loops, "%s: %d loops in\n%s", cases[c].unroll,
                  count_of(cl, "for ("), cl);
        free(cl);
        int n = N;
        memset(out, 0x5a, sizeof out);
        host_arg args[] = {{&n, sizeof n, 1}, {in, sizeof in, 0}, {out, sizeof out, 0}};
        kiln_geometry geo = {1, {N, 1, 1}, {8, 1, 1}};
        CHECK_MSG(run_on_host(rt, p, 3, args, &geo, err, sizeof err) == 0, "%s", err);
        int step = atoi(cases[c].step + 5), scale = atoi(cases[c].scale + 6), wrong = 0;
        for (int i = 0; i < N; i++)
            wrong += out[i] != expected(in, i, step, scale);
        CHECK_MSG(wrong == 0, "%s %s %s: %d of %d outputs differ from the plain C loops", cases[c].step,
                  cases[c].unroll, cases[c].scale, wrong, N);
        kiln_ctx_free(ctx);
    }
}

/* Floating code with C's implicit conversions (int to float, float to
 * double and back) made explicit: the result is the C result. */
static void test_conversions_execute(kiln_rt *rt)
{
    static const char text[] =
        "__kernel void k(const int n, __global const float *x, __global float *y, __global double *z, const float a)\n"
        "{\n"
        "    int i = get_global_id(0);\n"
        "    if (i < n) {\n"
        "        float t = i / 2;\n"
        "        double d = x[i] * 0.5;\n"
        "        y[i] = a * x[i] + t + (float)sqrt(d) - fabs(x[i] - 1.0f);\n"
        "        z[i] = d + i % 3;\n"
        "    }\n"
        "}\n";
    kiln_ctx *ctx;
    char err[600];
    kiln_proc *p = import_k(&ctx, "conv.cl", text);
    enum { N = 64 };
    float x[N], y[N];
    double z[N];
    for (int i = 0; i < N; i++)
        x[i] = 0.25f * (float)i;
    int n = N;
    float a = 1.5f;
    host_arg args[] = {{&n, sizeof n, 1}, {x, sizeof x, 0}, {y, sizeof y, 0}, {z, sizeof z, 0}, {&a, sizeof a, 1}};
    kiln_geometry geo = {1, {N, 1, 1}, {0, 0, 0}};
    if (p)
        CHECK_MSG(run_on_host(rt, p, 5, args, &geo, err, sizeof err) == 0, "%s", err);
    int wrong = 0;
    for (int i = 0; i < N; i++) {
        float t = (float)(i / 2);
        double d = (double)x[i] * 0.5;
        float want = a * x[i] + t + (float)sqrt(d) - fabsf(x[i] - 1.0f);
        wrong += fabsf(y[i] - want) > 1e-5f * fabsf(want) + 1e-6f || z[i] != d + (double)(i % 3);
    }
    CHECK_MSG(wrong == 0, "%d of %d outputs differ from C's conversions", wrong, N);
    kiln_import_arg info[8];
    int na = p ? kiln_import_args(p, info, 8) : 0;
    CHECK(na == 5);
    if (na == 5) {
        CHECK(!info[0].is_array && info[0].elem == KILN_I32);
        CHECK(info[1].is_array && info[1].dir == KILN_IN && info[1].elem == KILN_F32);
        CHECK(info[2].dir == KILN_OUT && info[3].dir == KILN_OUT && info[3].elem == KILN_F64);
        CHECK(!info[4].is_array && info[4].elem == KILN_F32);
    }
    kiln_ctx_free(ctx);
}

static void test_directions(void)
{
    static const char text[] = "__kernel void k(__global float *r, __global float *w, __global float *rw,\n"
                               "                __global float *acc, __global const float *c)\n"
                               "{\n"
                               "    int i = get_global_id(0);\n"
                               "    w[i] = r[i] + c[i];\n"
                               "    rw[i] = rw[i] * 2.0f;\n"
                               "    acc[i] += 1.0f;\n"
                               "}\n";
    kiln_ctx *ctx;
    kiln_proc *p = import_k(&ctx, "dir.cl", text);
    kiln_import_arg a[5];
    if (p && kiln_import_args(p, a, 5) == 5) {
        CHECK(a[0].dir == KILN_IN);    /* never written */
        CHECK(a[1].dir == KILN_OUT);   /* written only */
        CHECK(a[2].dir == KILN_INOUT); /* read back on the right */
        CHECK(a[3].dir == KILN_INOUT); /* compound assignment */
        CHECK(a[4].dir == KILN_IN);
    }
    kiln_ctx_free(ctx);
}

/* C99 kernels: a plain function; kiln runs it as one work-item. */
static void test_c99(kiln_rt *rt)
{
    static const char text[] = "void axpy(int n, float a, const float *x, float *y)\n"
                               "{\n"
                               "    for (int i = n - 1; i >= 0; i--)\n"
                               "        y[i] = a * x[i] + y[i];\n"
                               "}\n";
    kiln_ctx *ctx = kiln_ctx_new();
    char err[600];
    kiln_proc *p = import_text(imp, ctx, "axpy.c", text, "axpy", 0, NULL, err, sizeof err);
    CHECK_MSG(p != NULL, "%s", err);
    float x[10], y[10];
    for (int i = 0; i < 10; i++) {
        x[i] = (float)i;
        y[i] = 1.0f;
    }
    int n = 10;
    float a = 3.0f;
    host_arg args[] = {{&n, sizeof n, 1}, {&a, sizeof a, 1}, {x, sizeof x, 0}, {y, sizeof y, 0}};
    kiln_geometry geo = {1, {1, 1, 1}, {1, 1, 1}};
    if (p)
        CHECK_MSG(run_on_host(rt, p, 4, args, &geo, err, sizeof err) == 0, "%s", err);
    for (int i = 0; i < 10; i++)
        CHECK_MSG(y[i] == 3.0f * (float)i + 1.0f, "y[%d] = %g", i, (double)y[i]);
    kiln_ctx_free(ctx);
}

/* switch without fall-through, as an if / else chain: cases of several
 * labels, a default, a loop with its own break inside a case. */
static void test_switch_execute(kiln_rt *rt)
{
    static const char text[] = "__kernel void k(__global const int *in, __global int *out)\n"
                               "{\n"
                               "    const int g = get_global_id(0);\n"
                               "    int r = -1;\n"
                               "    switch (in[g] % 5) {\n"
                               "    case 0:\n"
                               "        r = 10;\n"
                               "        break;\n"
                               "    case 1:\n"
                               "    case -1:\n"
                               "    case 3:\n"
                               "        for (int i = 0; i < 10; i++) {\n"
                               "            if (i == g % 7)\n"
                               "                break;\n"
                               "            r += i;\n"
                               "        }\n"
                               "        break;\n"
                               "    default:\n"
                               "        r = in[g];\n"
                               "        break;\n"
                               "    }\n"
                               "    out[g] = r;\n"
                               "}\n";
    kiln_ctx *ctx;
    char err[600];
    kiln_proc *p = import_k(&ctx, "sw.cl", text);
    enum { N = 40 };
    int in[N], out[N];
    for (int i = 0; i < N; i++)
        in[i] = i * 7 - 100;
    host_arg args[] = {{in, sizeof in, 0}, {out, sizeof out, 0}};
    kiln_geometry geo = {1, {N, 1, 1}, {0, 0, 0}};
    if (p)
        CHECK_MSG(run_on_host(rt, p, 2, args, &geo, err, sizeof err) == 0, "%s", err);
    for (int g = 0; p && g < N; g++) {
        int r = -1;
        switch (in[g] % 5) {
        case 0:
            r = 10;
            break;
        case 1:
        case -1:
        case 3:
            for (int i = 0; i < 10; i++) {
                if (i == g % 7)
                    break;
                r += i;
            }
            break;
        default:
            r = in[g];
            break;
        }
        CHECK_MSG(out[g] == r, "in %d: %d, C says %d", in[g], out[g], r);
    }
    kiln_ctx_free(ctx);
}

/* The file's functions with scalar arguments become kiln helpers, the
 * functions they call first. */
static void test_helpers_execute(kiln_rt *rt)
{
    static const char text[] = "float sq(float x) { return x * x; }\n"
                               "int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }\n"
                               "float norm2(float a, float b) { return sqrt(sq(a) + sq(b)); }\n"
                               "__kernel void k(__global const float *x, __global float *y, const int n)\n"
                               "{\n"
                               "    const int i = clampi(get_global_id(0), 0, n - 1);\n"
                               "    y[i] = norm2(x[i], 2.0f) + sq(i);\n"
                               "}\n";
    kiln_ctx *ctx;
    char err[600];
    kiln_proc *p = import_k(&ctx, "h.cl", text);
    enum { N = 16 };
    float x[N], y[N];
    for (int i = 0; i < N; i++)
        x[i] = 0.5f * (float)i - 3.0f;
    int n = N;
    host_arg args[] = {{x, sizeof x, 0}, {y, sizeof y, 0}, {&n, sizeof n, 1}};
    kiln_geometry geo = {1, {N, 1, 1}, {0, 0, 0}};
    if (p)
        CHECK_MSG(run_on_host(rt, p, 3, args, &geo, err, sizeof err) == 0, "%s", err);
    for (int i = 0; p && i < N; i++) {
        float want = sqrtf(x[i] * x[i] + 4.0f) + (float)i * (float)i;
        CHECK_MSG(fabsf(y[i] - want) <= 1e-6f * want, "y[%d] = %g, C says %g", i, (double)y[i], (double)want);
    }
    kiln_ctx_free(ctx);
}

/* A tuning run imports once per variant into one context, reset in between. */
static void test_no_growth(void)
{
    kiln_ctx *ctx = kiln_ctx_new();
    char err[600];
    const char *defs[] = {"STEP=2", "U=2"};
    size_t bytes = 0;
    for (int r = 0; r < 30; r++) {
        kiln_ctx_reset(ctx);
        CHECK(import_text(imp, ctx, "loops.cl", loops_text, "k", 2, defs, err, sizeof err) != NULL);
        if (r == 2)
            bytes = kiln_ctx_arena_bytes(ctx);
    }
    CHECK_MSG(kiln_ctx_arena_bytes(ctx) == bytes, "the arena grew from %zu to %zu bytes over 28 imports", bytes,
              kiln_ctx_arena_bytes(ctx));
    kiln_ctx_free(ctx);
}

int main(void)
{
    imp = kiln_importer_new();
    CHECK(imp != NULL);
    test_refusals();
    test_directions();
    test_no_growth();
    char err[512];
    kiln_rt *rt = kiln_rt_open("host", err, sizeof err);
    CHECK_MSG(rt != NULL, "%s", err);
    if (rt) {
        test_loops_execute(rt);
        test_conversions_execute(rt);
        test_c99(rt);
        test_switch_execute(rt);
        test_helpers_execute(rt);
        kiln_rt_close(rt);
    }
    kiln_importer_free(imp);
    CHECK_DONE();
}
