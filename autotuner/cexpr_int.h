/*
 * cexpr_int.h: private side of the constraint expression language, for the
 * search space. Names can be bound once to slots of a value array so that
 * enumerating millions of points never compares strings.
 */
#ifndef KILN_CEXPR_INT_H
#define KILN_CEXPR_INT_H

#include <stddef.h>
#include "kiln/tuner.h"

/* Calls visit(user, name, column) for every name the expression reads, in
 * source order; stops at the first nonzero return and returns it. */
int kiln_cexpr_visit_names(const kiln_cexpr *e, int (*visit)(void *user, const char *name, int column),
                           void *user);

/* Binds every name to slot_of(user, name) (>= 0). -1 with err naming the
 * first name slot_of rejects (returns < 0). */
int kiln_cexpr_bind(kiln_cexpr *e, int (*slot_of)(void *user, const char *name), void *user,
                    char *err, size_t errlen);

/* Evaluates a bound expression reading names from slots[]. 0 ok, -1 with err. */
int kiln_cexpr_eval_slots(const kiln_cexpr *e, const long long *slots, long long *out, char *err,
                          size_t errlen);

#endif
