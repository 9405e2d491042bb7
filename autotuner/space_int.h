/*
 * space_int.h: private access to a search space for the strategies, which
 * test many points by index and need no error text.
 */
#ifndef KILN_SPACE_INT_H
#define KILN_SPACE_INT_H

#include <stdint.h>
#include "kiln/tuner.h"

/* 1 when point `index` satisfies every constraint, 0 when not (an evaluation
 * error, such as a division by zero, counts as not). */
int kiln_space_index_valid(const kiln_space *s, uint64_t index);

#endif
