/* kernels_int.h: what the kernel registry's files share. */
#ifndef KILN_KERNELS_INT_H
#define KILN_KERNELS_INT_H

#include <stddef.h>

/* snprintf into an err buffer the caller may leave NULL. */
void kiln_kernels_errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
