/*
 * specfem.h: the SPECFEM3D kernels, described from their mathematics.
 *
 *  - specfem.stiffness (f32) and specfem.stiffness_f64: the isotropic elastic
 *    stiffness ("impl") kernel without attenuation: gather displacement
 *    through ibool, derivatives with the GLL derivative matrix, physical
 *    gradients through the inverse Jacobian, isotropic stress from kappa and
 *    mu, weak divergence with the GLL weights, added to the acceleration by
 *    atomic adds or, for elements of one colour, plain adds;
 *  - specfem.stiffness_att (f32): the same with attenuation, three standard
 *    linear solids with memory variables;
 *  - specfem.update_disp_veloc, specfem.update_accel, specfem.update_veloc:
 *    the Newmark predictor and corrector;
 *  - specfem.prepare_boundary, specfem.assemble_boundary: interface points to
 *    a send buffer and a received buffer back (atomically);
 *  - specfem.stacey: the absorbing boundary on element faces;
 *  - specfem.add_sources: a source time function times a source array.
 *
 * Problem sizes are mesh extents nx x ny x nz in elements (mesh.h). A launch of
 * the stiffness kernel handles elements elems[first .. first + nelem): the
 * tuned launch is the pass over colour 0 (the elements of even x, y and z
 * index, an eighth of the block), which is what both assembly modes can do in
 * one launch; a whole step is one atomic launch over every element or one
 * launch per colour (sim.h).
 */
#ifndef KILN_SPECFEM_H
#define KILN_SPECFEM_H

#include "kiln/kernel.h"
#include "kernels/specfem/mesh.h"

extern const kiln_kernel kiln_kernel_specfem_stiffness, kiln_kernel_specfem_stiffness_f64;
extern const kiln_kernel kiln_kernel_specfem_stiffness_att;
extern const kiln_kernel kiln_kernel_specfem_update_disp_veloc, kiln_kernel_specfem_update_accel;
extern const kiln_kernel kiln_kernel_specfem_update_veloc;
extern const kiln_kernel kiln_kernel_specfem_prepare_boundary, kiln_kernel_specfem_assemble_boundary;
extern const kiln_kernel kiln_kernel_specfem_stacey, kiln_kernel_specfem_add_sources;

/* Extent d of a size (1 where the size has fewer extents). */
int specfem_extent(const kiln_size *size, int d);
/* The mesh of a size for a kernel's inputs (perturbed interior, seeded); NULL on failure. */
specfem_mesh *specfem_mesh_of(const kiln_size *size, uint64_t seed);
/* Elements in colour 0 of the block's greedy colouring: ceil(nx/2) ceil(ny/2) ceil(nz/2). */
long long specfem_colour0_of(const kiln_size *size);

/* Fills a stiffness kernel's mesh arguments (all but displ and accel) from m,
 * in element type elem; nelem, first: the colour-0 pass. */
void specfem_stiffness_fill(kiln_args *args, const specfem_mesh *m, kiln_scalar elem);
/* Stiffness launch geometry for `nelem` elements under configuration cfg. */
void specfem_stiffness_geometry_for(const kiln_config *cfg, long long nelem, kiln_geometry *geo);
/* FLOPs of one element of the stiffness kernel (counted in stiffness.c). */
double specfem_stiffness_flops_per_element(void);

/* The source array (125 x 3) of a point force at reference position xi of an
 * element: force times the Lagrange interpolants l_i(xi) l_j(eta) l_k(gamma). */
void specfem_source_array(const specfem_gll *gll, const double xi[3], const double force[3], double *out);

/* Naive double-precision stiffness of one element: force[p][c] (-K u on the
 * element's points) and, when mag is not NULL, the sum of |terms| that made
 * each value. Inputs are read through the kernel's argument names in args. */
typedef struct specfem_element_in {
    const int *ibool;
    const double *displ;  /* nglob * 3 */
    const double *inv[9]; /* nspec * 128 */
    const double *kappa, *mu;
    const double *hprime, *hprimewgll, *wgllwgll; /* 25 each */
    /* attenuation (R[0] NULL: none): memory variables (nspec * 128 * 3) and strain
     * deviators (nspec * 128) of xx, yy, xy, xz, yz, factors (nspec * 128 * 3),
     * alpha, beta, gamma (3 each) */
    const double *R[5], *eps[5], *factor, *alpha, *beta, *gamma;
} specfem_element_in;
void specfem_element_force(const specfem_element_in *in, int ispec, double force[SPECFEM_NGLL3][3],
                           double mag[SPECFEM_NGLL3][3]);

#endif
