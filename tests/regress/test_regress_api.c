/*
 * test_regress_api.c: an application records a call of its own OpenCL
 * kernel through the C API (pointers, element types, sizes), and kiln
 * replays it on PoCL: right outputs pass (the sums cancel: the application
 * gives the magnitudes that bound their rounding), one wrong element is found at its
 * index, a case for the host is refused by name. Cases that cannot be
 * replayed (an unknown kernel, a size its arrays do not have, no kind) are
 * errors naming the file and the field. Two recordings of one call compare
 * within the verification rules, and not at all when their inputs differ.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "files.h"
#include "kiln/regress.h"

static char workdir[512];

static const char app_source[] =
    "__kernel void saxpy(__global const float *x, __global float *y, float a, int n)\n"
    "{\n"
    "    int i = get_global_id(0);\n"
    "    if (i < n)\n"
    "        y[i] = a * x[i] + y[i];\n"
    "}\n";

enum { N = 1000 };

/* The application's side: its own arrays, its own kernel, recorded by the C API.
 * `wrong` plants an error in the recorded output at that index (-1: none). */
static void record_app_call(const char *path, int wrong, float scale_error)
{
    static float x[N], y0[N], y1[N];
    static double magnitude[N];
    float a = 1.5f;
    int32_t n = N;
    for (int i = 0; i < N; i++) {
        x[i] = (float)sin(i * 0.1);
        y0[i] = (float)cos(i * 0.07);
        y1[i] = (a * x[i] + y0[i]) * (1.0f + scale_error);
        magnitude[i] = fabs((double)a * x[i]) + fabs((double)y0[i]);
    }
    if (wrong >= 0)
        y1[wrong] += 0.5f;
    char err[512] = "";
    kiln_trace_writer *w = kiln_trace_begin(path, err, sizeof err);
    CHECK_MSG(w != NULL, "%s", err);
    if (!w)
        return;
    kiln_geometry geo = {1, {1024, 1, 1}, {64, 1, 1}};
    kiln_trace_meta(w, "kind", "opencl");
    kiln_trace_meta(w, "source", app_source);
    kiln_trace_meta(w, "kernel_name", "saxpy");
    kiln_trace_meta(w, "options", "-cl-fp32-correctly-rounded-divide-sqrt");
    kiln_trace_geometry(w, &geo);
    kiln_trace_array(w, "x", KILN_F32, KILN_IN, N, x);
    kiln_trace_array(w, "y", KILN_F32, KILN_INOUT, N, y0);
    kiln_trace_bound(w, "y", 2, 0);
    kiln_trace_scalar(w, "a", KILN_F32, &a);
    kiln_trace_scalar(w, "n", KILN_I32, &n);
    kiln_trace_output(w, "y", y1);
    kiln_trace_magnitude(w, "y", magnitude);
    CHECK_MSG(kiln_trace_end(w, 1, err, sizeof err) == 0, "%s", err);
}

static kiln_trace *open_or_fail(const char *path)
{
    char err[512] = "";
    kiln_trace *t = kiln_trace_open(path, err, sizeof err);
    CHECK_MSG(t != NULL, "%s", err);
    return t;
}

static void test_application_case(kiln_rt *cl, kiln_rt *host)
{
    char path[600], err[512] = "";
    kiln_regress_result res;
    snprintf(path, sizeof path, "%s/app.ktr", workdir);
    record_app_call(path, -1, 0);
    kiln_trace *t = open_or_fail(path);
    if (!t)
        return;
    CHECK(kiln_regress_check(cl, t, NULL, &res, err, sizeof err) == 0);
    CHECK_MSG(res.verdict == KILN_REGRESS_OK, "%s: %s", kiln_regress_verdict_name(res.verdict), res.detail);
    CHECK(kiln_regress_check(host, t, NULL, &res, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "field 'kind': an OpenCL case needs an OpenCL device");
    kiln_trace_free(t);

    record_app_call(path, 417, 0);
    if (!(t = open_or_fail(path)))
        return;
    CHECK(kiln_regress_check(cl, t, NULL, &res, err, sizeof err) == 0);
    CHECK(res.verdict == KILN_REGRESS_DIFFERS && res.mismatches == 1);
    CHECK_STR_CONTAINS(res.detail, "output 'y': 1 of 1000 elements over their bound, worst index 417");
    kiln_trace_free(t);
}

/* A kiln case written by hand: kernel triad, the given size, arrays of n elements. */
static void write_triad_case(const char *path, const char *kernel, const char *size, int n, const char *kind)
{
    char err[512] = "";
    float *v = calloc((size_t)n, sizeof *v);
    int32_t nn = n;
    float s = 2;
    kiln_trace_writer *w = kiln_trace_begin(path, err, sizeof err);
    if (kind)
        kiln_trace_meta(w, "kind", kind);
    kiln_trace_meta(w, "kernel", kernel);
    kiln_trace_meta(w, "size", size);
    kiln_trace_meta(w, "config", "{\"vec\":1,\"per_item\":1,\"wg\":256}");
    kiln_trace_scalar(w, "n", KILN_I32, &nn);
    kiln_trace_array(w, "a", KILN_F32, KILN_OUT, (uint64_t)n, NULL);
    kiln_trace_array(w, "b", KILN_F32, KILN_IN, (uint64_t)n, v);
    kiln_trace_array(w, "c", KILN_F32, KILN_IN, (uint64_t)n, v);
    kiln_trace_scalar(w, "s", KILN_F32, &s);
    kiln_trace_output(w, "a", v);
    CHECK_MSG(kiln_trace_end(w, 1, err, sizeof err) == 0, "%s", err);
    free(v);
}

static void expect_case_error(kiln_rt *rt, const char *path, const char *want)
{
    char err[512] = "";
    kiln_regress_result res;
    kiln_trace *t = open_or_fail(path);
    if (!t)
        return;
    CHECK(kiln_regress_check(rt, t, NULL, &res, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, path);
    CHECK_STR_CONTAINS(err, want);
    kiln_trace_free(t);
}

static void test_cases_that_cannot_replay(kiln_rt *host)
{
    char path[600];
    snprintf(path, sizeof path, "%s/triad.ktr", workdir);
    write_triad_case(path, "triad", "256", 256, "kiln");
    char err[512] = "";
    kiln_regress_result res;
    kiln_trace *t = open_or_fail(path);
    /* zeros in, zeros out: right */
    CHECK(t && kiln_regress_check(host, t, NULL, &res, err, sizeof err) == 0 && res.verdict == KILN_REGRESS_OK);
    kiln_trace_free(t);

    write_triad_case(path, "triad", "512", 256, "kiln");
    expect_case_error(host, path, "field 'args[1] 'a'.count': the trace has f32 array out of 256 elements, kernel "
                                  "'triad' at size 512 declares 'a' f32 array out of 512");
    write_triad_case(path, "no_such_kernel", "256", 256, "kiln");
    expect_case_error(host, path, "field 'kernel': unknown kernel 'no_such_kernel'");
    write_triad_case(path, "triad", "12x", 256, "kiln");
    expect_case_error(host, path, "field 'size': '12x' is not a size");
    write_triad_case(path, "triad", "256", 256, NULL);
    expect_case_error(host, path, "field 'kind': missing");
    write_triad_case(path, "triad", "256", 256, "cuda");
    expect_case_error(host, path, "field 'kind': 'cuda': expected kiln or opencl");
}

static void test_compare(void)
{
    char a_path[600], b_path[600], err[512] = "";
    kiln_regress_result res;
    snprintf(a_path, sizeof a_path, "%s/a.ktr", workdir);
    snprintf(b_path, sizeof b_path, "%s/b.ktr", workdir);
    record_app_call(a_path, -1, 0);
    /* within twice the f32 bound of two terms: a right result on another device */
    record_app_call(b_path, -1, 1e-7f);
    kiln_trace *a = open_or_fail(a_path), *b = open_or_fail(b_path);
    CHECK(a && b && kiln_regress_compare(a, b, &res, err, sizeof err) == 0);
    CHECK_MSG(res.verdict == KILN_REGRESS_OK, "%s", res.detail);
    kiln_trace_free(b);
    record_app_call(b_path, -1, 3e-6f);
    b = open_or_fail(b_path);
    CHECK(a && b && kiln_regress_compare(a, b, &res, err, sizeof err) == 0);
    CHECK_MSG(res.verdict == KILN_REGRESS_DIFFERS, "a 3e-6 relative error passed against a recording");
    kiln_trace_free(b);
    snprintf(b_path, sizeof b_path, "%s/triad.ktr", workdir);
    b = open_or_fail(b_path);
    CHECK(a && b && kiln_regress_compare(a, b, &res, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "not recordings of the same call");
    kiln_trace_free(b);
    kiln_trace_free(a);
}

int main(void)
{
    if (!test_scratch_dir(workdir, sizeof workdir, "kiln-regress-XXXXXX")) {
        fprintf(stderr, "mkdtemp %s: %s\n", workdir, strerror(errno));
        return 1;
    }
    char err[512];
    kiln_rt *host = kiln_rt_open("host", err, sizeof err);
    CHECK_MSG(host != NULL, "%s", err);
    if (host)
        test_cases_that_cannot_replay(host);
    test_compare();
    kiln_rt *cl = kiln_rt_open("Portable Computing Language", err, sizeof err);
    if (!cl)
        SKIP_NO_DEVICE("no PoCL device: %s", err);
    if (host)
        test_application_case(cl, host);
    kiln_rt_close(cl);
    kiln_rt_close(host);
    if (test_scratch_remove(workdir) != 0)
        fprintf(stderr, "could not remove %s\n", workdir);
    CHECK_DONE();
}
