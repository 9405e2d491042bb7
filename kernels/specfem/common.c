/*
 * common.c: sizes, counts and typed access shared by the SPECFEM kernels.
 */
#include <stdlib.h>
#include "kernels/specfem/specfem_int.h"

/* Interior nodes move by up to this fraction of an element's side in the tuned inputs. */
#define INPUT_PERTURBATION 0.1

int specfem_extent(const kiln_size *size, int d)
{
    return size->ndims > d ? (int)size->d[d] : 1;
}

static int nx_of(const kiln_size *s)
{
    return specfem_extent(s, 0);
}
static int ny_of(const kiln_size *s)
{
    return specfem_extent(s, 1);
}
static int nz_of(const kiln_size *s)
{
    return specfem_extent(s, 2);
}

specfem_mesh *specfem_mesh_of(const kiln_size *size, uint64_t seed)
{
    char err[256];
    return specfem_mesh_new(nx_of(size), ny_of(size), nz_of(size), INPUT_PERTURBATION, seed, err, sizeof err);
}

long long specfem_colour0_of(const kiln_size *size)
{
    return (long long)((nx_of(size) + 1) / 2) * ((ny_of(size) + 1) / 2) * ((nz_of(size) + 1) / 2);
}

double specfem_get(const void *array, kiln_scalar elem, size_t i)
{
    return elem == KILN_F64 ? ((const double *)array)[i] : (double)((const float *)array)[i];
}

void specfem_put(void *array, kiln_scalar elem, size_t i, double v)
{
    if (elem == KILN_F64)
        ((double *)array)[i] = v;
    else
        ((float *)array)[i] = (float)v;
}

double *specfem_doubles(const void *array, kiln_scalar elem, size_t n)
{
    double *d = malloc((n ? n : 1) * sizeof *d);
    for (size_t i = 0; d && i < n; i++)
        d[i] = specfem_get(array, elem, i);
    return d;
}

size_t specfem_count_nspec(const kiln_size *s)
{
    return (size_t)specfem_nspec_of(nx_of(s), ny_of(s), nz_of(s));
}

size_t specfem_count_points(const kiln_size *s)
{
    return specfem_count_nspec(s) * SPECFEM_NGLL3_PADDED;
}

size_t specfem_count_nglob(const kiln_size *s)
{
    return (size_t)specfem_nglob_of(nx_of(s), ny_of(s), nz_of(s));
}

size_t specfem_count_field(const kiln_size *s)
{
    return specfem_count_nglob(s) * 3;
}

size_t specfem_count_25(const kiln_size *s)
{
    (void)s;
    return SPECFEM_NGLL2;
}

size_t specfem_count_faces(const kiln_size *s)
{
    return (size_t)specfem_nfaces_of(nx_of(s), ny_of(s), nz_of(s));
}

size_t specfem_count_face_points(const kiln_size *s)
{
    return specfem_count_faces(s) * SPECFEM_NGLL2;
}

size_t specfem_count_interface(const kiln_size *s)
{
    return (size_t)specfem_ninterface_of(nx_of(s), ny_of(s), nz_of(s));
}

size_t specfem_count_interface_field(const kiln_size *s)
{
    return specfem_count_interface(s) * 3;
}

size_t specfem_count_face_field(const kiln_size *s)
{
    return specfem_count_face_points(s) * 3;
}
