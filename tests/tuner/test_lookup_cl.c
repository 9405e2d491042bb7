/*
 * test_lookup_cl.c: what an OpenCL application does at start-up, on PoCL.
 * triad is tuned on the OpenCL device into a database; the application opens
 * the device itself, names it by kiln's fingerprint computed from its own
 * clGetDeviceInfo strings (an exact answer), builds the chosen variant on its
 * own context (kiln_choice_build_opencl), launches it with the configuration's
 * geometry and checks a = b + s*c, computed here in double. A C variant, a
 * default choice and a source that does not compile are refused by name.
 */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "check.h"
#include "files.h"
#include "kiln/lookup_cl.h"
#include "kiln/tuner.h"

#define N 4096

static char dir[512];

static void tune(const char *device, const char *db_path, uint64_t budget)
{
    char err[512] = "";
    kiln_rt *rt = kiln_rt_open(device, err, sizeof err);
    kiln_db *db = rt ? kiln_db_open(db_path, err, sizeof err) : NULL;
    CHECK_MSG(rt && db, "%s", err);
    if (!rt || !db)
        exit(1);
    kiln_tune_opts o;
    memset(&o, 0, sizeof o);
    o.kernel = kiln_kernel_find("triad");
    o.size = (kiln_size){1, {N, 1, 1}};
    o.strategy = kiln_strategy_find("exhaustive");
    o.budget = budget;
    o.seed = 1;
    kiln_time_opts_default(&o.timing);
    o.timing.min_reps = 2;
    o.timing.max_reps = 3;
    o.timing.budget_ms = 1;
    kiln_tune_summary sum;
    CHECK_MSG(kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err) == 0 && sum.ok > 0, "%s", err);
    kiln_db_close(db);
    kiln_rt_close(rt);
}

/* The application's own OpenCL device: the first of the first platform that has one. */
static int app_device(cl_platform_id *platform, cl_device_id *device)
{
    cl_uint np = 0;
    cl_platform_id plats[8];
    if (clGetPlatformIDs(8, plats, &np) != CL_SUCCESS)
        return -1;
    for (cl_uint i = 0; i < np && i < 8; i++)
        if (clGetDeviceIDs(plats[i], CL_DEVICE_TYPE_ALL, 1, device, NULL) == CL_SUCCESS) {
            *platform = plats[i];
            return 0;
        }
    return -1;
}

static void app_fingerprint(cl_platform_id platform, cl_device_id device, char fp[17])
{
    char plat[128] = "", name[256] = "", driver[128] = "";
    cl_uint units = 0;
    clGetPlatformInfo(platform, CL_PLATFORM_NAME, sizeof plat, plat, NULL);
    clGetDeviceInfo(device, CL_DEVICE_NAME, sizeof name, name, NULL);
    clGetDeviceInfo(device, CL_DRIVER_VERSION, sizeof driver, driver, NULL);
    clGetDeviceInfo(device, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof units, &units, NULL);
    CHECK(kiln_lookup_fingerprint("opencl", plat, name, driver, (int)units, fp) == 0);
}

/* Launches the chosen triad and checks every element against b + s*c. */
static void run_triad(const kiln_choice *c, cl_context ctx, cl_device_id dev)
{
    char err[4096] = "";
    cl_program prog = kiln_choice_build_opencl(c, ctx, dev, err, sizeof err);
    CHECK_MSG(prog != NULL, "%s", err);
    if (!prog)
        return;
    cl_int code;
    cl_kernel k = clCreateKernel(prog, "triad", &code);
    CHECK(k != NULL);
    cl_command_queue q = clCreateCommandQueue(ctx, dev, 0, &code);
    static float a[N], b[N], c_in[N];
    for (int i = 0; i < N; i++) {
        a[i] = -1;
        b[i] = (float)(i % 97) * 0.25f;
        c_in[i] = (float)(i % 13) - 6;
    }
    float s = 1.5f;
    cl_int n = N;
    cl_mem ma = clCreateBuffer(ctx, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, sizeof a, a, &code);
    cl_mem mb = clCreateBuffer(ctx, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, sizeof b, b, &code);
    cl_mem mc = clCreateBuffer(ctx, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, sizeof c_in, c_in, &code);
    CHECK(k && q && ma && mb && mc);
    if (k && q && ma && mb && mc) {
        clSetKernelArg(k, 0, sizeof n, &n);
        clSetKernelArg(k, 1, sizeof ma, &ma);
        clSetKernelArg(k, 2, sizeof mb, &mb);
        clSetKernelArg(k, 3, sizeof mc, &mc);
        clSetKernelArg(k, 4, sizeof s, &s);
        /* the geometry of the configuration, as the application knows its kernel */
        size_t wg = (size_t)kiln_choice_value(c, "wg", 0);
        size_t per = (size_t)(kiln_choice_value(c, "vec", 0) * kiln_choice_value(c, "per_item", 0));
        CHECK(wg > 0 && per > 0);
        size_t items = (N + per - 1) / per, global = (items + wg - 1) / wg * wg;
        CHECK(clEnqueueNDRangeKernel(q, k, 1, NULL, &global, &wg, 0, NULL, NULL) == CL_SUCCESS);
        CHECK(clEnqueueReadBuffer(q, ma, CL_TRUE, 0, sizeof a, a, 0, NULL, NULL) == CL_SUCCESS);
        int bad = 0;
        for (int i = 0; i < N; i++) {
            double want = (double)b[i] + (double)s * (double)c_in[i];
            if (fabs(a[i] - want) > 1e-6 * (1 + fabs(want)) && bad++ < 3)
                fprintf(stderr, "a[%d] = %g, want %g\n", i, a[i], want);
        }
        CHECK_MSG(bad == 0, "%d elements wrong", bad);
    }
    clReleaseMemObject(ma);
    clReleaseMemObject(mb);
    clReleaseMemObject(mc);
    clReleaseCommandQueue(q);
    clReleaseKernel(k);
    clReleaseProgram(prog);
}

int main(void)
{
    cl_platform_id platform;
    cl_device_id dev;
    if (app_device(&platform, &dev) != 0)
        SKIP_NO_DEVICE("no OpenCL device");
    snprintf(dir, sizeof dir, "%s/test_lookup_cl.XXXXXX", KILN_BINARY_DIR);
    if (!mkdtemp(dir))
        SKIP("cannot create a directory in the build tree: %s", strerror(errno));
    const char *path = path_in(dir, "kiln.db");
    tune(NULL, path, 3);    /* the first OpenCL device: the application's */
    tune("host", path, 1);  /* and a C variant */

    char fp[17], err[4096] = "";
    app_fingerprint(platform, dev, fp);
    cl_int code;
    cl_context ctx = clCreateContext(NULL, 1, &dev, NULL, NULL, &code);
    CHECK(ctx != NULL);
    kiln_lookup *l = kiln_lookup_open(path, err, sizeof err);
    CHECK_MSG(l != NULL, "%s", err);
    if (!l || !ctx)
        return 1;
    kiln_choice *c = kiln_lookup_best(l, "triad", fp, "4096");
    CHECK_MSG(c && kiln_choice_provenance(c) == KILN_FROM_EXACT, "the application's fingerprint %s: %s", fp,
              c ? kiln_provenance_name(kiln_choice_provenance(c)) : kiln_lookup_errmsg(l));
    CHECK(c && kiln_choice_lang(c) && strcmp(kiln_choice_lang(c), "cl") == 0);
    if (c)
        run_triad(c, ctx, dev);
    kiln_choice_free(c);

    /* the host's variant is C */
    c = kiln_lookup_best(l, "triad", "host", "4096");
    CHECK(c && kiln_choice_lang(c) && strcmp(kiln_choice_lang(c), "c") == 0);
    CHECK(kiln_choice_build_opencl(c, ctx, dev, err, sizeof err) == NULL);
    CHECK_STR_CONTAINS((const char *)err, "language 'c', not OpenCL C");
    kiln_choice_free(c);
    /* nothing tuned */
    c = kiln_lookup_best(l, "matmul", fp, "64");
    CHECK(c && kiln_choice_build_opencl(c, ctx, dev, err, sizeof err) == NULL);
    CHECK_STR_CONTAINS((const char *)err, "(default) holds no variant source");
    kiln_choice_free(c);
    kiln_lookup_close(l);

    /* a stored source that does not compile: the build log comes back */
    sqlite3 *h;
    CHECK(sqlite3_open(path, &h) == SQLITE_OK);
    CHECK(sqlite3_exec(h, "UPDATE kernels SET source = '__kernel void triad(__global float *a) { a[0] = undeclared_x; }'"
                          " WHERE lang = 'cl'", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(h);
    l = kiln_lookup_open(path, err, sizeof err);
    c = l ? kiln_lookup_best(l, "triad", fp, "4096") : NULL;
    CHECK(c && kiln_choice_build_opencl(c, ctx, dev, err, sizeof err) == NULL);
    CHECK_STR_CONTAINS((const char *)err, "undeclared_x");
    CHECK_STR_CONTAINS((const char *)err, "clBuildProgram failed");
    kiln_choice_free(c);
    kiln_lookup_close(l);
    clReleaseContext(ctx);

    const char *files[] = {"kiln.db", "kiln.db-wal", "kiln.db-shm"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        unlink(path_in(dir, files[i]));
    rmdir(dir);
    CHECK_DONE();
}
