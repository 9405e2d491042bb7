/*
 * mesh.h: the spectral-element mesh the SPECFEM kernels run on, made here: a
 * structured block of nx x ny x nz hexahedra of side SPECFEM_H (interior
 * nodes optionally moved at random), 5 x 5 x 5 Gauss-Lobatto-Legendre points
 * per element, the global numbering ibool, the inverse Jacobian and the
 * Jacobian at every point, a greedy colouring (elements of one colour share
 * no global point), the absorbing faces (all six sides of the block) with
 * their outward normals and 2-D Jacobians times GLL weights, the interface
 * points of a cut at x = (nx / 2) h, random materials in physical ranges and
 * the assembled diagonal mass matrix.
 *
 * Local point p of an element is i + 5 j + 25 k (i along x); per-point arrays
 * of elements are padded to SPECFEM_NGLL3_PADDED entries per element, as
 * SPECFEM's GPU arrays are, so that each element starts on a 128-entry line.
 * Everything is double here; the kernels' inputs convert.
 */
#ifndef KILN_SPECFEM_MESH_H
#define KILN_SPECFEM_MESH_H

#include <stddef.h>
#include <stdint.h>

#define SPECFEM_NGLL 5
#define SPECFEM_NGLL2 25
#define SPECFEM_NGLL3 125
#define SPECFEM_NGLL3_PADDED 128
#define SPECFEM_H 100.0 /* element side, metres */

typedef struct specfem_gll {
    double x[SPECFEM_NGLL];                    /* points 0, +-sqrt(3/7), +-1 */
    double w[SPECFEM_NGLL];                    /* weights 1/10, 49/90, 32/45 */
    double hprime[SPECFEM_NGLL][SPECFEM_NGLL]; /* [i][l] = l_l'(x_i) */
} specfem_gll;

void specfem_gll_init(specfem_gll *g);
/* Lagrange basis l_j(t) through the GLL points. */
double specfem_lagrange(const specfem_gll *g, int j, double t);

typedef struct specfem_mesh {
    int nx, ny, nz;
    int nspec, nglob;
    specfem_gll gll;
    int *ibool;               /* nspec * 128: global point of each local point */
    double *coord;            /* nglob * 3 */
    double *inv[9];           /* nspec * 128 each: xix xiy xiz etax etay etaz gammax gammay gammaz */
    double *jacobian;         /* nspec * 128 */
    double *rho, *kappa, *mu; /* nspec * 128 */
    double *rho_vp, *rho_vs;  /* nspec * 128 */
    double *mass;             /* nglob: assembled diagonal mass (rho J w w w) */
    /* colouring: colour of each element, and the elements sorted by colour */
    int ncolours;
    int *colour;       /* nspec */
    int *by_colour;    /* nspec */
    int *colour_start; /* ncolours + 1 */
    /* absorbing faces: element, local points, outward normals, 2-D Jacobian * weights */
    int nfaces;
    int *face_ispec;     /* nfaces */
    int *face_ijk;       /* nfaces * 25: local point index p */
    double *face_normal; /* nfaces * 25 * 3 */
    double *face_jacw;   /* nfaces * 25 */
    /* interface points: the global points of the plane x = (nx / 2) h */
    int ninterface;
    int *interface; /* ninterface */
} specfem_mesh;

/* The block, with interior nodes moved by up to perturb * h in each direction
 * (0: a regular grid); materials drawn from seed. NULL with err on a size out
 * of range or no memory. */
specfem_mesh *specfem_mesh_new(int nx, int ny, int nz, double perturb, uint64_t seed, char *err, size_t errlen);
void specfem_mesh_free(specfem_mesh *m);

/* Counts that follow from the extents alone (for argument counts). */
long long specfem_nspec_of(int nx, int ny, int nz);
long long specfem_nglob_of(int nx, int ny, int nz);
long long specfem_nfaces_of(int nx, int ny, int nz);
long long specfem_ninterface_of(int nx, int ny, int nz);

#endif
