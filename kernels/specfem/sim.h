/*
 * sim.h: a small SPECFEM-like time-stepping driver. Explicit Newmark steps on
 * a generated mesh, each step as SPECFEM takes it:
 *   update_disp_veloc; accel += -K u (stiffness: one atomic launch, or one
 *   launch per colour); Stacey on the absorbing faces; the point source;
 *   update_accel (a *= M^-1); update_veloc.
 * It runs with chosen configurations of the kiln kernels on a device, or
 * with the naive double-precision references on the host, and records the
 * discrete energy 1/2 v.M v + 1/2 u.K u after each step (exact only without
 * source and absorbing faces) and the displacement at a receiver point.
 */
#ifndef KILN_SPECFEM_SIM_H
#define KILN_SPECFEM_SIM_H

#include "kiln/kernel.h"
#include "kiln/runtime.h"

enum {
    SPECFEM_SIM_STIFFNESS,
    SPECFEM_SIM_DISP_VELOC,
    SPECFEM_SIM_ACCEL,
    SPECFEM_SIM_VELOC,
    SPECFEM_SIM_STACEY,
    SPECFEM_SIM_SOURCES,
    SPECFEM_SIM_NKERNELS
};

/* The kiln kernel behind each step of the scheme (index: the enum above). */
const kiln_kernel *specfem_sim_kernel(int which);

typedef struct specfem_sim_opts {
    int nx, ny, nz; /* mesh extents in elements */
    double perturb; /* interior node displacement, fraction of h */
    uint64_t seed;  /* mesh and materials */
    int steps;
    int absorbing;                         /* Stacey on the six sides */
    int source;                            /* a Ricker point force at the block's centre */
    int initial_bump;                      /* start from a Gaussian displacement at the centre */
    kiln_config cfg[SPECFEM_SIM_NKERNELS]; /* device runs: one configuration per kernel */
} specfem_sim_opts;

typedef struct specfem_sim_result {
    double dt; /* the time step (CFL 0.25 on the smallest GLL spacing) */
    int steps;
    double *energy;     /* steps + 1 values (the initial state first) */
    double *seismogram; /* steps * 3: displacement at the receiver after each step */
    double receiver[3]; /* its position */
} specfem_sim_result;

/* The defaults of every kernel in opts->cfg. */
void specfem_sim_default_configs(specfem_sim_opts *opts);
/* Runs on rt with the kiln kernels; rt NULL runs the naive references. 0 ok, -1 with err. */
int specfem_sim_run(kiln_rt *rt, const specfem_sim_opts *opts, specfem_sim_result *out, char *err, size_t errlen);
void specfem_sim_result_free(specfem_sim_result *r);

#endif
