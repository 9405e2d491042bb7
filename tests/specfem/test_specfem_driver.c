/*
 * test_specfem_driver.c: the Newmark driver with the kiln kernels, on one
 * target (argv[1]: "host" or "cl"):
 *  - 300 steps from a Gaussian displacement, without source or absorbing
 *    faces, conserve the discrete energy 1/2 v.M v + 1/2 u.K u to 1e-3 of its
 *    initial value, with atomics and with colouring (and something moves);
 *  - the same run, and a run with a Ricker point source and Stacey faces, agree
 *    with the naive double-precision references: seismograms at the receiver
 *    within 1e-3 of their largest value, energies within 1e-3;
 *  - with absorbing faces and no source the energy decays.
 */
#include <math.h>
#include "check.h"
#include "kernels/examples_util.h"
#include "kernels/specfem/sim.h"
#include "kernels/specfem/specfem.h"

#define STEPS 300

static char err[2048];

static double max_abs(const double *x, int n)
{
    double m = 0;
    for (int i = 0; i < n; i++)
        m = fmax(m, fabs(x[i]));
    return m;
}

static void compare(const specfem_sim_result *a, const specfem_sim_result *b, const char *what)
{
    double ds = 0, de = 0, top = max_abs(b->seismogram, 3 * b->steps), etop = max_abs(b->energy, b->steps + 1);
    for (int i = 0; i < 3 * b->steps; i++)
        ds = fmax(ds, fabs(a->seismogram[i] - b->seismogram[i]));
    for (int i = 0; i <= b->steps; i++)
        de = fmax(de, fabs(a->energy[i] - b->energy[i]));
    fprintf(stderr, "  %s: seismogram within %.3g of its peak %.3g m, energy within %.3g of %.4g J\n", what, ds / top,
            top, de / etop, etop);
    CHECK_MSG(top > 0 && ds <= 1e-3 * top, "%s: seismograms differ by %g (peak %g)", what, ds, top);
    CHECK_MSG(etop > 0 && de <= 1e-3 * etop, "%s: energies differ by %g (peak %g)", what, de, etop);
}

static void base_opts(specfem_sim_opts *o)
{
    memset(o, 0, sizeof *o);
    o->nx = 4, o->ny = 4, o->nz = 4;
    o->perturb = 0.1;
    o->seed = 3;
    o->steps = STEPS;
    specfem_sim_default_configs(o);
}

/* The free run with atomics and with colouring, against one reference run. */
static void test_energy(kiln_rt *rt)
{
    specfem_sim_opts o;
    base_opts(&o);
    o.initial_bump = 1;
    specfem_sim_result ref;
    CHECK_MSG(specfem_sim_run(NULL, &o, &ref, err, sizeof err) == 0, "%s", err);
    for (int colour = 0; colour < 2 && ref.energy; colour++) {
        o.cfg[SPECFEM_SIM_STIFFNESS].values[0] = colour; /* assembly */
        specfem_sim_result r;
        CHECK_MSG(specfem_sim_run(rt, &o, &r, err, sizeof err) == 0, "%s", err);
        if (!r.energy)
            continue;
        double drift = 0;
        for (int i = 0; i <= STEPS; i++)
            drift = fmax(drift, fabs(r.energy[i] - r.energy[0]));
        fprintf(stderr, "  %s: dt %.3g s, energy %.6g J, largest change over %d steps %.3g of it\n",
                colour ? "colouring" : "atomics", r.dt, r.energy[0], STEPS, drift / r.energy[0]);
        CHECK_MSG(r.energy[0] > 0 && drift <= 1e-3 * r.energy[0], "energy drifts by %g of %g", drift, r.energy[0]);
        CHECK_MSG(max_abs(r.seismogram, 3 * STEPS) > 1e-6, "nothing reaches the receiver");
        compare(&r, &ref, colour ? "free run, colouring" : "free run, atomics");
        specfem_sim_result_free(&r);
    }
    specfem_sim_result_free(&ref);
}

static void test_source_absorbing(kiln_rt *rt)
{
    specfem_sim_opts o;
    base_opts(&o);
    o.source = 1;
    o.absorbing = 1;
    specfem_sim_result r, ref;
    CHECK_MSG(specfem_sim_run(rt, &o, &r, err, sizeof err) == 0, "%s", err);
    CHECK_MSG(specfem_sim_run(NULL, &o, &ref, err, sizeof err) == 0, "%s", err);
    if (r.energy && ref.energy)
        compare(&r, &ref, "source and Stacey");
    specfem_sim_result_free(&r);
    specfem_sim_result_free(&ref);

    base_opts(&o);
    o.initial_bump = 1;
    o.absorbing = 1;
    CHECK_MSG(specfem_sim_run(rt, &o, &r, err, sizeof err) == 0, "%s", err);
    if (r.energy) {
        fprintf(stderr, "  absorbing faces: energy %.4g J after %d steps, from %.4g J\n", r.energy[STEPS], STEPS,
                r.energy[0]);
        CHECK_MSG(r.energy[STEPS] < 0.9 * r.energy[0], "absorbing faces keep %g of %g", r.energy[STEPS], r.energy[0]);
    }
    specfem_sim_result_free(&r);
}

int main(int argc, char **argv)
{
    kiln_rt *rt = example_open_target(argc, argv);
    if (!rt)
        CHECK_DONE();
    fprintf(stderr, "device: %s\n", kiln_rt_device(rt)->name);
    test_energy(rt);
    test_source_absorbing(rt);
    kiln_rt_close(rt);
    CHECK_DONE();
}
