/* specfem_int.h: what the SPECFEM kernel files share: typed element access
 * (one description serves f32 and f64 arguments) and the argument counts. */
#ifndef KILN_SPECFEM_INT_H
#define KILN_SPECFEM_INT_H

#include "kernels/specfem/specfem.h"

double specfem_get(const void *array, kiln_scalar elem, size_t i);
void specfem_put(void *array, kiln_scalar elem, size_t i, double v);
/* array[0 .. n) as doubles, malloc'ed; NULL on no memory. */
double *specfem_doubles(const void *array, kiln_scalar elem, size_t n);

size_t specfem_count_nspec(const kiln_size *size);  /* elements */
size_t specfem_count_points(const kiln_size *size); /* nspec * 128 */
size_t specfem_count_field(const kiln_size *size);  /* nglob * 3 */
size_t specfem_count_nglob(const kiln_size *size);
size_t specfem_count_25(const kiln_size *size);
size_t specfem_count_faces(const kiln_size *size);
size_t specfem_count_face_points(const kiln_size *size); /* nfaces * 25 */
size_t specfem_count_face_field(const kiln_size *size);  /* nfaces * 25 * 3 */
size_t specfem_count_interface(const kiln_size *size);
size_t specfem_count_interface_field(const kiln_size *size); /* ninterface * 3 */

/* Every index the kernels compute fits in 32 bits: 3 nglob values and 128 per element. */
#define SPECFEM_CONSTRAINTS                                                                                            \
    KILN_CONSTRAINTS("3 * (4 * nx + 1) * (4 * ny + 1) * (4 * nz + 1) < 2147483648", "128 * nx * ny * nz < 2147483648")

#define SPECFEM_LANGS ((1u << KILN_LANG_CL) | (1u << KILN_LANG_C))

#endif
