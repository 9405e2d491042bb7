/*
 * launch.c: what the host-C backend adds to a launch beyond the kernel's own
 * time, measured as bench3d's 3-D operators see it: three runs back to back
 * of a kernel that busy-waits KERNEL_US microseconds (on every thread of its
 * OpenMP team when OPENMP is 1), after a gap in which this process touches
 * 64 MiB (as bench3d's baseline does between two runs of kiln's operator).
 * The three runs are made two ways, alternately in each round: three
 * kiln_program_run calls ("separate"), and one kiln_program_run_list of three
 * ("list"). Per round and way: the wall clock of the three runs minus the
 * three kernel times the worker reports. Prints the medians with min..max in
 * microseconds.
 *
 * usage: launch KERNEL_US OPENMP ROUNDS
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "kiln/runtime.h"

/* Busy-waits args[0] microseconds on each thread; an empty body would let the
 * worker answer before the parent has gone to sleep, which no real kernel does. */
static const char *spin_src =
    "#include <stddef.h>\n"
    "#include <time.h>\n"
    "static double spin_now_us(void)\n"
    "{\n"
    "    struct timespec ts;\n"
    "    clock_gettime(CLOCK_MONOTONIC, &ts);\n"
    "    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;\n"
    "}\n"
    "void spin_entry(void *const *args, const size_t *global, const size_t *local)\n"
    "{\n"
    "    const double us = *(const double *)args[0];\n"
    "    (void)global; (void)local;\n"
    "    SPIN_PARALLEL\n"
    "    {\n"
    "        double t0 = spin_now_us();\n"
    "        while (spin_now_us() - t0 < us) {\n"
    "        }\n"
    "    }\n"
    "}\n";

static double wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: launch KERNEL_US OPENMP ROUNDS\n");
        return 2;
    }
    double kernel_us = atof(argv[1]);
    int openmp = atoi(argv[2]), rounds = atoi(argv[3]);
    char err[512];
    kiln_rt *rt = kiln_rt_open("host", err, sizeof err);
    if (!rt) {
        fprintf(stderr, "launch: %s\n", err);
        return 1;
    }
    /* The backend builds a source with -fopenmp where it names an OpenMP pragma. */
    char src[2048];
    snprintf(src, sizeof src, "#define SPIN_PARALLEL %s\n%s", openmp ? "_Pragma(\"omp parallel\") /* #pragma omp */" : "",
             spin_src);
    kiln_program *spin = kiln_program_build(rt, src, "spin", NULL, NULL);
    if (!spin || kiln_program_set_scalar(rt, spin, 0, &kernel_us, sizeof kernel_us) != 0) {
        fprintf(stderr, "launch: %s\n", kiln_rt_errmsg(rt));
        return 1;
    }
    kiln_program *list[3] = {spin, spin, spin};
    size_t touch_bytes = (size_t)64 << 20;
    unsigned char *touch = malloc(touch_bytes);
    double *overhead_us[2] = {malloc(sizeof(double) * (size_t)rounds), malloc(sizeof(double) * (size_t)rounds)};
    if (!touch || !overhead_us[0] || !overhead_us[1])
        return 1;
    const kiln_geometry one = {.dims = 1, .global = {1}, .local = {1}};
    const kiln_geometry geos[3] = {one, one, one};
    for (int r = -1; r < rounds; r++) { /* round -1 starts the worker */
        for (int way = 0; way < 2; way++) {
            memset(touch, (r + way) & 0xff, touch_bytes);
            double ns[3] = {0, 0, 0}, t0 = wall_ns();
            int rc = 0;
            for (int pass = 0; way == 0 && pass < 3 && rc == 0; pass++)
                rc = kiln_program_run(rt, spin, &one, &ns[pass]);
            if (way == 1)
                rc = kiln_program_run_list(rt, 3, list, geos, ns);
            double wall = wall_ns() - t0;
            if (rc != 0) {
                fprintf(stderr, "launch: %s\n", kiln_rt_errmsg(rt));
                return 1;
            }
            if (r >= 0)
                overhead_us[way][r] = (wall - ns[0] - ns[1] - ns[2]) / 1e3;
        }
    }
    for (int way = 0; way < 2; way++) {
        kiln_time_stats s;
        kiln_stats_of(overhead_us[way], rounds, &s);
        printf("launch overhead, 3 runs of %.0f us (%s), %-8s: median %.1f us (%.1f..%.1f) over %d rounds\n",
               kernel_us, openmp ? "OpenMP" : "serial", way ? "list" : "separate", s.median_ns, s.min_ns, s.max_ns,
               rounds);
        free(overhead_us[way]);
    }
    free(touch);
    kiln_program_free(rt, spin);
    kiln_rt_close(rt);
    return 0;
}
