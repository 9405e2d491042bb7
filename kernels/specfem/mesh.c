/*
 * mesh.c: the structured spectral-element block of mesh.h. Each element is the
 * trilinear image of the reference cube [-1, 1]^3 under its eight corner
 * nodes, so neighbouring elements agree on their shared faces and the GLL
 * points of a face are one set of global points.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kiln/kernel.h"
#include "kernels/specfem/mesh.h"

#define MAX_COLOURS 32

void specfem_gll_init(specfem_gll *g)
{
    double s = sqrt(3.0 / 7.0);
    const double x[SPECFEM_NGLL] = {-1.0, -s, 0.0, s, 1.0};
    const double w[SPECFEM_NGLL] = {0.1, 49.0 / 90.0, 32.0 / 45.0, 49.0 / 90.0, 0.1};
    memcpy(g->x, x, sizeof x);
    memcpy(g->w, w, sizeof w);
    /* l_l'(x_i) = sum over m != l of 1/(x_l - x_m) prod over n != l, m of (x_i - x_n)/(x_l - x_n) */
    for (int i = 0; i < SPECFEM_NGLL; i++)
        for (int l = 0; l < SPECFEM_NGLL; l++) {
            double d = 0;
            for (int m = 0; m < SPECFEM_NGLL; m++) {
                if (m == l)
                    continue;
                double t = 1.0 / (x[l] - x[m]);
                for (int n = 0; n < SPECFEM_NGLL; n++)
                    if (n != l && n != m)
                        t *= (x[i] - x[n]) / (x[l] - x[n]);
                d += t;
            }
            g->hprime[i][l] = d;
        }
}

double specfem_lagrange(const specfem_gll *g, int j, double t)
{
    double v = 1.0;
    for (int n = 0; n < SPECFEM_NGLL; n++)
        if (n != j)
            v *= (t - g->x[n]) / (g->x[j] - g->x[n]);
    return v;
}

long long specfem_nspec_of(int nx, int ny, int nz)
{
    return (long long)nx * ny * nz;
}

long long specfem_nglob_of(int nx, int ny, int nz)
{
    return (4LL * nx + 1) * (4LL * ny + 1) * (4LL * nz + 1);
}

long long specfem_nfaces_of(int nx, int ny, int nz)
{
    return 2LL * ((long long)nx * ny + (long long)ny * nz + (long long)nx * nz);
}

long long specfem_ninterface_of(int nx, int ny, int nz)
{
    (void)nx;
    return (4LL * ny + 1) * (4LL * nz + 1);
}

void specfem_mesh_free(specfem_mesh *m)
{
    if (!m)
        return;
    free(m->ibool);
    free(m->coord);
    for (int d = 0; d < 9; d++)
        free(m->inv[d]);
    free(m->jacobian);
    free(m->rho);
    free(m->kappa);
    free(m->mu);
    free(m->rho_vp);
    free(m->rho_vs);
    free(m->mass);
    free(m->colour);
    free(m->by_colour);
    free(m->colour_start);
    free(m->face_ispec);
    free(m->face_ijk);
    free(m->face_normal);
    free(m->face_jacw);
    free(m->interface);
    free(m);
}

/* Corner c (bits: x, y, z) of element (ex, ey, ez) from the node array. */
static void element_corners(const specfem_mesh *m, const double *nodes, int ex, int ey, int ez, double X[8][3])
{
    for (int c = 0; c < 8; c++) {
        int ix = ex + (c & 1), iy = ey + ((c >> 1) & 1), iz = ez + ((c >> 2) & 1);
        const double *n = &nodes[(((size_t)iz * (m->ny + 1) + iy) * (m->nx + 1) + ix) * 3];
        memcpy(X[c], n, 3 * sizeof(double));
    }
}

/* Position and J[d][r] = dx_d / dr of the trilinear map at r = (xi, eta, gamma). */
static void trilinear(const double X[8][3], const double r[3], double pos[3], double J[3][3])
{
    memset(J, 0, 9 * sizeof(double));
    pos[0] = pos[1] = pos[2] = 0;
    for (int c = 0; c < 8; c++) {
        double f[3], df[3];
        for (int a = 0; a < 3; a++) {
            double sgn = ((c >> a) & 1) ? 1.0 : -1.0;
            f[a] = 0.5 * (1.0 + sgn * r[a]);
            df[a] = 0.5 * sgn;
        }
        double N = f[0] * f[1] * f[2];
        double dN[3] = {df[0] * f[1] * f[2], f[0] * df[1] * f[2], f[0] * f[1] * df[2]};
        for (int d = 0; d < 3; d++) {
            pos[d] += N * X[c][d];
            for (int a = 0; a < 3; a++)
                J[d][a] += dN[a] * X[c][d];
        }
    }
}

static double det3(const double A[3][3])
{
    return A[0][0] * (A[1][1] * A[2][2] - A[1][2] * A[2][1]) - A[0][1] * (A[1][0] * A[2][2] - A[1][2] * A[2][0]) +
           A[0][2] * (A[1][0] * A[2][1] - A[1][1] * A[2][0]);
}

static void cross(const double a[3], const double b[3], double out[3])
{
    out[0] = a[1] * b[2] - a[2] * b[1];
    out[1] = a[2] * b[0] - a[0] * b[2];
    out[2] = a[0] * b[1] - a[1] * b[0];
}

static int alloc_all(specfem_mesh *m)
{
    size_t ne = (size_t)m->nspec * SPECFEM_NGLL3_PADDED, ng = (size_t)m->nglob;
    int ok = (m->ibool = calloc(ne, sizeof(int))) && (m->coord = calloc(ng * 3, sizeof(double))) &&
             (m->jacobian = calloc(ne, sizeof(double))) && (m->rho = calloc(ne, sizeof(double))) &&
             (m->kappa = calloc(ne, sizeof(double))) && (m->mu = calloc(ne, sizeof(double))) &&
             (m->rho_vp = calloc(ne, sizeof(double))) && (m->rho_vs = calloc(ne, sizeof(double))) &&
             (m->mass = calloc(ng, sizeof(double))) && (m->colour = calloc((size_t)m->nspec, sizeof(int))) &&
             (m->by_colour = calloc((size_t)m->nspec, sizeof(int))) &&
             (m->colour_start = calloc(MAX_COLOURS + 1, sizeof(int))) &&
             (m->face_ispec = calloc((size_t)m->nfaces, sizeof(int))) &&
             (m->face_ijk = calloc((size_t)m->nfaces * SPECFEM_NGLL2, sizeof(int))) &&
             (m->face_normal = calloc((size_t)m->nfaces * SPECFEM_NGLL2 * 3, sizeof(double))) &&
             (m->face_jacw = calloc((size_t)m->nfaces * SPECFEM_NGLL2, sizeof(double))) &&
             (m->interface = calloc((size_t)m->ninterface, sizeof(int)));
    for (int d = 0; ok && d < 9; d++)
        ok = (m->inv[d] = calloc(ne, sizeof(double))) != NULL;
    return ok ? 0 : -1;
}

/* Greedy colouring in element order: each element takes the lowest colour
 * none of its global points has yet. */
static int colour_elements(specfem_mesh *m)
{
    uint32_t *used = calloc((size_t)m->nglob, sizeof *used);
    if (!used)
        return -1;
    m->ncolours = 0;
    for (int e = 0; e < m->nspec; e++) {
        uint32_t taken = 0;
        for (int p = 0; p < SPECFEM_NGLL3; p++)
            taken |= used[m->ibool[(size_t)e * SPECFEM_NGLL3_PADDED + p]];
        int c = 0;
        while (c < MAX_COLOURS && (taken >> c) & 1)
            c++;
        if (c == MAX_COLOURS) {
            free(used);
            return -1;
        }
        m->colour[e] = c;
        if (c + 1 > m->ncolours)
            m->ncolours = c + 1;
        for (int p = 0; p < SPECFEM_NGLL3; p++)
            used[m->ibool[(size_t)e * SPECFEM_NGLL3_PADDED + p]] |= 1u << c;
    }
    free(used);
    int k = 0;
    for (int c = 0; c < m->ncolours; c++) {
        m->colour_start[c] = k;
        for (int e = 0; e < m->nspec; e++)
            if (m->colour[e] == c)
                m->by_colour[k++] = e;
    }
    m->colour_start[m->ncolours] = k;
    return 0;
}

/* Face `r` fixed at side s (0: r = -1, 1: r = +1) of element e: its 25 points,
 * outward normals and 2-D Jacobians times the two GLL weights. */
static void add_face(specfem_mesh *m, int *nf, const double X[8][3], int e, int r, int s)
{
    int f = (*nf)++, a = (r + 1) % 3, b = (r + 2) % 3;
    m->face_ispec[f] = e;
    for (int ib = 0; ib < SPECFEM_NGLL; ib++)
        for (int ia = 0; ia < SPECFEM_NGLL; ia++) {
            int idx[3];
            idx[r] = s ? SPECFEM_NGLL - 1 : 0;
            idx[a] = ia;
            idx[b] = ib;
            double rr[3] = {m->gll.x[idx[0]], m->gll.x[idx[1]], m->gll.x[idx[2]]}, pos[3], J[3][3], ta[3], tb[3], n[3];
            trilinear(X, rr, pos, J);
            for (int d = 0; d < 3; d++) {
                ta[d] = J[d][a];
                tb[d] = J[d][b];
            }
            cross(ta, tb, n); /* along +dx/dr for a right-handed map */
            double len = sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]), sgn = s ? 1.0 : -1.0;
            int q = ib * SPECFEM_NGLL + ia;
            m->face_ijk[f * SPECFEM_NGLL2 + q] = idx[0] + SPECFEM_NGLL * idx[1] + SPECFEM_NGLL2 * idx[2];
            for (int d = 0; d < 3; d++)
                m->face_normal[(f * SPECFEM_NGLL2 + q) * 3 + d] = sgn * n[d] / len;
            m->face_jacw[f * SPECFEM_NGLL2 + q] = len * m->gll.w[ia] * m->gll.w[ib];
        }
}

static void make_nodes(const specfem_mesh *m, double *nodes, double perturb, uint64_t *st)
{
    for (int iz = 0; iz <= m->nz; iz++)
        for (int iy = 0; iy <= m->ny; iy++)
            for (int ix = 0; ix <= m->nx; ix++) {
                double *n = &nodes[(((size_t)iz * (m->ny + 1) + iy) * (m->nx + 1) + ix) * 3];
                int inside = ix > 0 && ix < m->nx && iy > 0 && iy < m->ny && iz > 0 && iz < m->nz;
                int g[3] = {ix, iy, iz};
                for (int d = 0; d < 3; d++)
                    n[d] =
                        SPECFEM_H * (g[d] + (inside && perturb > 0 ? kiln_rand_uniform(st, -perturb, perturb) : 0.0));
            }
}

/* Points, Jacobians, materials and mass of element e at (ex, ey, ez). */
static void fill_element(specfem_mesh *m, const double X[8][3], int e, int ex, int ey, int ez, uint64_t *st)
{
    double rho = kiln_rand_uniform(st, 2000.0, 3000.0), vp = kiln_rand_uniform(st, 3000.0, 6000.0);
    double vs = vp / kiln_rand_uniform(st, 1.6, 2.0);
    const specfem_gll *g = &m->gll;
    for (int k = 0; k < SPECFEM_NGLL; k++)
        for (int j = 0; j < SPECFEM_NGLL; j++)
            for (int i = 0; i < SPECFEM_NGLL; i++) {
                size_t p = (size_t)e * SPECFEM_NGLL3_PADDED + (size_t)(i + SPECFEM_NGLL * j + SPECFEM_NGLL2 * k);
                long long I = 4LL * ex + i, Jg = 4LL * ey + j, K = 4LL * ez + k;
                int iglob = (int)((K * (4LL * m->ny + 1) + Jg) * (4LL * m->nx + 1) + I);
                double r[3] = {g->x[i], g->x[j], g->x[k]}, pos[3], J[3][3], inv[3][3];
                trilinear(X, r, pos, J);
                double det = det3(J);
                for (int a = 0; a < 3; a++)
                    for (int d = 0; d < 3; d++) /* inverse by cofactors: inv[a][d] = dr_a / dx_d */
                        inv[a][d] = (J[(d + 1) % 3][(a + 1) % 3] * J[(d + 2) % 3][(a + 2) % 3] -
                                     J[(d + 1) % 3][(a + 2) % 3] * J[(d + 2) % 3][(a + 1) % 3]) /
                                    det;
                m->ibool[p] = iglob;
                memcpy(&m->coord[(size_t)iglob * 3], pos, sizeof pos);
                for (int a = 0; a < 3; a++)
                    for (int d = 0; d < 3; d++)
                        m->inv[a * 3 + d][p] = inv[a][d];
                m->jacobian[p] = det;
                m->rho[p] = rho;
                m->mu[p] = rho * vs * vs;
                m->kappa[p] = rho * (vp * vp - 4.0 / 3.0 * vs * vs);
                m->rho_vp[p] = rho * vp;
                m->rho_vs[p] = rho * vs;
                m->mass[iglob] += rho * det * g->w[i] * g->w[j] * g->w[k];
            }
}

specfem_mesh *specfem_mesh_new(int nx, int ny, int nz, double perturb, uint64_t seed, char *err, size_t errlen)
{
    if (nx < 1 || ny < 1 || nz < 1 || specfem_nglob_of(nx, ny, nz) > 0x7fffffffLL / 3 ||
        specfem_nspec_of(nx, ny, nz) * SPECFEM_NGLL3_PADDED > 0x7fffffffLL || perturb < 0 || perturb > 0.25) {
        snprintf(err, errlen,
                 "specfem mesh %dx%dx%d (perturbation %g): extents must be positive, fit 32-bit indices, "
                 "and the perturbation lie in [0, 0.25]",
                 nx, ny, nz, perturb);
        return NULL;
    }
    specfem_mesh *m = calloc(1, sizeof *m);
    double *nodes = calloc((size_t)(nx + 1) * (ny + 1) * (nz + 1) * 3, sizeof(double));
    if (m) {
        m->nx = nx, m->ny = ny, m->nz = nz;
        m->nspec = (int)specfem_nspec_of(nx, ny, nz);
        m->nglob = (int)specfem_nglob_of(nx, ny, nz);
        m->nfaces = (int)specfem_nfaces_of(nx, ny, nz);
        m->ninterface = (int)specfem_ninterface_of(nx, ny, nz);
        specfem_gll_init(&m->gll);
    }
    if (!m || !nodes || alloc_all(m) != 0) {
        snprintf(err, errlen, "specfem mesh %dx%dx%d: out of memory", nx, ny, nz);
        free(nodes);
        specfem_mesh_free(m);
        return NULL;
    }
    uint64_t st = seed;
    make_nodes(m, nodes, perturb, &st);
    int nf = 0;
    for (int ez = 0; ez < nz; ez++)
        for (int ey = 0; ey < ny; ey++)
            for (int ex = 0; ex < nx; ex++) {
                int e = (ez * ny + ey) * nx + ex;
                double X[8][3];
                element_corners(m, nodes, ex, ey, ez, X);
                fill_element(m, X, e, ex, ey, ez, &st);
                int ext[3] = {ex, ey, ez}, top[3] = {nx - 1, ny - 1, nz - 1};
                for (int r = 0; r < 3; r++) {
                    if (ext[r] == 0)
                        add_face(m, &nf, X, e, r, 0);
                    if (ext[r] == top[r])
                        add_face(m, &nf, X, e, r, 1);
                }
            }
    free(nodes);
    long long I = 4LL * (nx / 2), row = 4LL * nx + 1;
    for (long long q = 0; q < m->ninterface; q++)
        m->interface[q] = (int)(q * row + I);
    if (colour_elements(m) != 0) {
        snprintf(err, errlen, "specfem mesh %dx%dx%d: more than %d colours", nx, ny, nz, MAX_COLOURS);
        specfem_mesh_free(m);
        return NULL;
    }
    return m;
}
