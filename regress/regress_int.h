/* regress_int.h: what the regression harness's files share. */
#ifndef KILN_REGRESS_INT_H
#define KILN_REGRESS_INT_H

#include <stddef.h>
#include <stdint.h>
#include "kiln/regress.h"

/* FNV-1a 64, continued over pieces from REGRESS_FNV_BASIS: every checksum of the format. */
#define REGRESS_FNV_BASIS 0xcbf29ce484222325ULL
uint64_t regress_fnv(uint64_t h, const void *data, size_t len);
/* Bytes of one element of a trace type (KILN_VOID, raw: 1); 0 for a type the format lacks. */
size_t regress_elem_bytes(kiln_scalar elem);
/* snprintf into an err buffer the caller may leave NULL. */
void regress_errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
