/*
 * dsl_priv.h: what the DSL's own files share and nobody else sees: the
 * context (arena, sticky error, open procedure and its stack of open blocks),
 * the type rules of check.c, and the node constructors used by the builders
 * and by the unroller.
 */
#ifndef KILN_DSL_PRIV_H
#define KILN_DSL_PRIV_H

#include <stdarg.h>
#include "dsl/dsl_int.h"

typedef struct arena_block arena_block;

/* Kinds of open constructs, innermost on top of the context's frame stack. */
typedef enum frame_kind { F_PROC, F_BLOCK, F_FOR, F_WHILE, F_IF, F_ELSE } frame_kind;

typedef struct frame {
    frame_kind kind;
    kiln_node *stmt;   /* the FOR / WHILE / IF / BLOCK node; NULL for F_PROC */
    kiln_node **tail;  /* where the next statement of this block is linked */
    kiln_var *decls;   /* variables declared in this block (die when it ends) */
    kiln_loc loc;
    struct frame *up;
} frame;

struct kiln_ctx {
    arena_block *first, *cur;  /* blocks are kept across resets */
    size_t arena_bytes;
    int failed;
    int need_loc;      /* the error came from an expression builder: the next statement adds its location */
    char err[512];
    kiln_proc *procs, *procs_tail;
    kiln_proc *cur_proc; /* procedure being built */
    frame *top;        /* innermost open construct of cur */
    int next_id;
    kiln_node poison_node;
    kiln_var poison_var;
    kiln_proc poison_proc;
    _Alignas(16) unsigned char scratch[1024]; /* handed out when the system has no memory left */
};

/* arena.c */
void *dsl_alloc(kiln_ctx *ctx, size_t bytes);  /* zeroed, 16-byte aligned; NULL only for >1 KiB when out of memory */
const char *dsl_strdup(kiln_ctx *ctx, const char *s);
const char *dsl_vprintf(kiln_ctx *ctx, const char *fmt, va_list ap);
/* Records the first error as "FILE:LINE: message" (loc.file NULL: no location yet). */
void dsl_error(kiln_ctx *ctx, kiln_loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* An expression builder failed: the message waits for the next statement's location. */
kiln_node *dsl_expr_error(kiln_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Statement entry: 0 if the context already failed (adding loc and `what` to a pending expression error). */
int dsl_stmt_enter(kiln_ctx *ctx, kiln_loc loc, const char *what);
kiln_node *dsl_poison(kiln_ctx *ctx);
kiln_var *dsl_poison_var(kiln_ctx *ctx);

/* check.c: type rules */
const char *dsl_type_str(kiln_type t, char buf[24]);
int dsl_type_eq(kiln_type a, kiln_type b);
int dsl_is_int(kiln_scalar s);        /* integer, bool excluded */
int dsl_is_numeric(kiln_scalar s);    /* integer or float, bool excluded */
kiln_scalar dsl_promote(kiln_scalar a, kiln_scalar b);
kiln_scalar dsl_int_of_bytes(size_t bytes);
/* Converts `*n` for storing into `to` (assignment rules); 0 and a message in err if not allowed. */
int dsl_convert_for_store(kiln_ctx *ctx, kiln_type to, kiln_node **n, char *err, size_t errlen);
/* Brings both operands of a binary operator to one type; 0 and a message in err if impossible. */
int dsl_unify(kiln_ctx *ctx, const char *opname, kiln_node **a, kiln_node **b, kiln_type *out, char *err,
              size_t errlen);

/* expr.c: constructors (and build.c: statements) */
kiln_node *dsl_node(kiln_ctx *ctx, kiln_kind kind, kiln_type type, int nkids);
kiln_node *dsl_lit_int(kiln_ctx *ctx, kiln_scalar s, long long v);
kiln_node *dsl_ref(kiln_ctx *ctx, kiln_var *v);
kiln_node *dsl_cast(kiln_ctx *ctx, kiln_type to, kiln_node *a);
/* The row-major flat index of array(idx[0], ..., idx[nidx-1]), checked; poison and an expression error if not. */
kiln_node *dsl_flatten(kiln_ctx *ctx, kiln_var *array, int nidx, kiln_node *const *idx);
/* array[flat] (flat already checked). */
kiln_node *dsl_elem(kiln_ctx *ctx, kiln_var *array, kiln_node *flat);
/* Integer arithmetic that folds literal operands and drops +0 / *1 (used for indices and unrolling). */
kiln_node *dsl_arith(kiln_ctx *ctx, kiln_binop op, kiln_node *a, kiln_node *b);
kiln_var *dsl_new_var(kiln_ctx *ctx, kiln_loc loc, const char *name, kiln_type type, kiln_mem mem);
void dsl_append(kiln_ctx *ctx, kiln_node *stmt);
void dsl_declare(kiln_ctx *ctx, kiln_var *v);  /* makes v live in the innermost block */
int dsl_name_live(const kiln_ctx *ctx, const char *name);
const char *binop_name(int op);
const char *dsl_var_problem(kiln_ctx *ctx, const kiln_var *v, char *buf, size_t len); /* NULL if usable */
int dsl_type_valid(kiln_type t, int allow_void);

/* unroll.c */
void dsl_finish_for(kiln_ctx *ctx, kiln_loc loc, kiln_node *loop, int unroll);

#endif
