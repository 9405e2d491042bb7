/*
 * driver.c: kiln-specfem, the way SPECFEM would use kiln: a few hundred
 * Newmark steps on a generated mesh with, for every kernel of the scheme, the
 * best configuration the tuning database holds for this device (any size;
 * the kernel's default where it holds none), a point source and absorbing
 * faces; it reports the energy and the seismogram at a receiver, and with
 * --reference the same run with the naive references and how far apart they
 * are.
 *
 *   kiln-specfem [--db FILE] [--device SEL] [--size NXxNYxNZ] [--steps N]
 *                [--no-source] [--no-absorbing] [--bump] [--reference]
 *                [--trace FILE]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kiln/tuner.h"
#include "kernels/specfem/sim.h"

static int usage(const char *why)
{
    fprintf(stderr,
            "kiln-specfem: %s\nusage: kiln-specfem [--db FILE] [--device SEL] [--size NXxNYxNZ] [--steps N] "
            "[--no-source] [--no-absorbing] [--bump] [--reference] [--trace FILE]\n",
            why);
    return 2;
}

/* The best stored configuration of each kernel for this device, else its default. */
static void configs_from_db(const char *path, const kiln_device_info *dev, specfem_sim_opts *o)
{
    char err[512];
    kiln_db *db = path ? kiln_db_open_readonly(path, err, sizeof err) : NULL;
    if (path && !db)
        fprintf(stderr, "kiln-specfem: %s: %s; every kernel runs its default configuration\n", path, err);
    for (int w = 0; w < SPECFEM_SIM_NKERNELS; w++) {
        const kiln_kernel *k = specfem_sim_kernel(w);
        kiln_db_row row;
        memset(&row, 0, sizeof row);
        const char *from = "default";
        kiln_config cfg;
        if (db && kiln_db_best(db, k->name, dev->fingerprint, NULL, &row) == 1 &&
            kiln_config_from_json(k, row.config_json, &cfg, err, sizeof err) == 0) {
            o->cfg[w] = cfg;
            from = "tuning database";
        }
        char json[512];
        kiln_config_json(&o->cfg[w], json, sizeof json);
        printf("%-28s %s (%s%s%s)\n", k->name, json, from, row.size ? ", tuned at " : "", row.size ? row.size : "");
        kiln_db_row_free(&row);
    }
    kiln_db_close(db);
}

static int write_trace(const char *path, const specfem_sim_result *r)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "step,time_s,energy_J,ux_m,uy_m,uz_m\n");
    for (int i = 1; i <= r->steps; i++)
        fprintf(f, "%d,%.6g,%.9g,%.9g,%.9g,%.9g\n", i, i * r->dt, r->energy[i], r->seismogram[(i - 1) * 3],
                r->seismogram[(i - 1) * 3 + 1], r->seismogram[(i - 1) * 3 + 2]);
    return fclose(f);
}

static double peak(const double *x, int n)
{
    double m = 0;
    for (int i = 0; i < n; i++)
        m = fmax(m, fabs(x[i]));
    return m;
}

int main(int argc, char **argv)
{
    const char *db = getenv("KILN_DB"), *device = NULL, *trace = NULL;
    specfem_sim_opts o;
    memset(&o, 0, sizeof o);
    o.nx = o.ny = o.nz = 6;
    o.perturb = 0.1;
    o.seed = 1;
    o.steps = 300;
    o.source = o.absorbing = 1;
    int reference = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--db") == 0 && next)
            db = argv[++i];
        else if (strcmp(a, "--device") == 0 && next)
            device = argv[++i];
        else if (strcmp(a, "--trace") == 0 && next)
            trace = argv[++i];
        else if (strcmp(a, "--size") == 0 && next) {
            kiln_size s;
            if (kiln_size_parse(argv[++i], &s) != 0 || s.ndims != 3)
                return usage("--size takes three extents NXxNYxNZ");
            o.nx = (int)s.d[0], o.ny = (int)s.d[1], o.nz = (int)s.d[2];
        } else if (strcmp(a, "--steps") == 0 && next) {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end || v < 1 || v > 1000000)
                return usage("--steps takes a number of steps from 1 to 1000000");
            o.steps = (int)v;
        } else if (strcmp(a, "--no-source") == 0)
            o.source = 0;
        else if (strcmp(a, "--no-absorbing") == 0)
            o.absorbing = 0;
        else if (strcmp(a, "--bump") == 0)
            o.initial_bump = 1;
        else if (strcmp(a, "--reference") == 0)
            reference = 1;
        else
            return usage(next || a[0] != '-' ? "unknown argument" : "an option lacks its value");
    }
    if (!o.source && !o.initial_bump)
        return usage("nothing moves: give a source or --bump");
    char err[2048];
    kiln_rt *rt = kiln_rt_open(device, err, sizeof err);
    if (!rt) {
        fprintf(stderr, "kiln-specfem: %s\n", err);
        return 1;
    }
    const kiln_device_info *dev = kiln_rt_device(rt);
    printf("device %s (%s), mesh %dx%dx%d, %d steps\n", dev->name, dev->fingerprint, o.nx, o.ny, o.nz, o.steps);
    specfem_sim_default_configs(&o);
    configs_from_db(db, dev, &o);
    specfem_sim_result r, ref;
    memset(&ref, 0, sizeof ref);
    int rc = specfem_sim_run(rt, &o, &r, err, sizeof err);
    if (rc == 0 && reference)
        rc = specfem_sim_run(NULL, &o, &ref, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "kiln-specfem: %s\n", err);
        kiln_rt_close(rt);
        return 1;
    }
    printf("dt %.4g s; receiver at (%.1f, %.1f, %.1f) m\n", r.dt, r.receiver[0], r.receiver[1], r.receiver[2]);
    printf("energy: %.6g J at the start, %.6g J at step %d, peak %.6g J\n", r.energy[0], r.energy[r.steps], r.steps,
           peak(r.energy, r.steps + 1));
    printf("seismogram peak %.6g m\n", peak(r.seismogram, 3 * r.steps));
    if (reference) {
        double ds = 0, de = 0;
        for (int i = 0; i < 3 * r.steps; i++)
            ds = fmax(ds, fabs(r.seismogram[i] - ref.seismogram[i]));
        for (int i = 0; i <= r.steps; i++)
            de = fmax(de, fabs(r.energy[i] - ref.energy[i]));
        printf("against the naive references: seismogram within %.3g of its peak, energy within %.3g of its peak\n",
               ds / peak(ref.seismogram, 3 * r.steps), de / peak(ref.energy, r.steps + 1));
    }
    if (trace && write_trace(trace, &r) != 0) {
        fprintf(stderr, "kiln-specfem: cannot write %s\n", trace);
        rc = 1;
    }
    specfem_sim_result_free(&r);
    specfem_sim_result_free(&ref);
    kiln_rt_close(rt);
    return rc ? 1 : 0;
}
