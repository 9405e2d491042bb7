/*
 * gen_int.h: the printer shared by the C-family walker (cfamily.c) and the
 * target hook tables (opencl.c, c99.c). Private to generators/.
 *
 * The walker owns the printer object: an output buffer, the indentation, a
 * sticky error (after the first failure every emit is a no-op), and what the
 * pre-pass found the translation unit needs (vector types, helper functions,
 * atomics, constant arrays). A target only spells things through its hooks.
 */
#ifndef KILN_GEN_INT_H
#define KILN_GEN_INT_H

#include <stdarg.h>
#include <stddef.h>

#include "dsl/dsl_int.h"
#include "kiln/gen.h"

/* C operator precedence, loosest first; a printed expression reports its own. */
enum gen_prec {
    PREC_COND = 3, PREC_LOR, PREC_LAND, PREC_BOR, PREC_BXOR, PREC_BAND,
    PREC_EQ, PREC_REL, PREC_SHIFT, PREC_ADD, PREC_MUL, PREC_UNARY, PREC_POSTFIX
};

/* Lane counts a vector type may have, as an index into the needs tables. */
#define GEN_NWIDTHS 5 /* 2, 3, 4, 8, 16 */
int gen_width_index(int lanes); /* -1 when not a vector width */
extern const int gen_widths[GEN_NWIDTHS];

/* What the pre-pass found in the procedures to print. */
typedef struct gen_needs {
    unsigned char vec[KILN_SCALAR_COUNT][GEN_NWIDTHS]; /* vector types used */
    unsigned minmax[KILN_SCALAR_COUNT][1 + GEN_NWIDTHS]; /* bit 0 min, bit 1 max; [0] scalar, [1+w] vector */
    unsigned vmath[KILN_SCALAR_COUNT][GEN_NWIDTHS];       /* bit per kiln_math used on that vector type */
    unsigned char modp[KILN_SCALAR_COUNT];                /* scalar floored modulo */
    unsigned char atomic[KILN_SCALAR_COUNT][2];           /* [0] global, [1] shared */
    unsigned char stream[KILN_SCALAR_COUNT][GEN_NWIDTHS]; /* streaming stores of that vector type to global */
    int any_stream;
    int prefetch;                                         /* kiln_prefetch is used */
    int uses_f64;
    int nconsts;
    const kiln_node *consts[64]; /* DECLs of constant arrays, in order of appearance */
} gen_needs;

typedef struct gen_printer gen_printer;

typedef struct gen_target {
    const char *name;
    const char *helper_qual;   /* storage class of helper functions ("" or "static ") */
    const char *global_space;  /* prefix of global pointers in signatures */
    const char *i64_suffix, *u64_suffix;
    const char *const *reserved;            /* identifiers a variable may not take (NULL-terminated) */
    int (*reserved_fn)(const char *name);   /* more of them, by pattern; may be NULL */
    void (*prelude)(gen_printer *p);
    /* Spelling of a value type into buf (scalar or vector); 0 ok, -1 not expressible. */
    int (*type_name)(kiln_type t, char *buf, size_t len);
    /* Qualifiers of a file-scope constant array ("static const", "__constant"). */
    const char *const_array_qual;
    /* The kernel: signature and body. */
    void (*kernel)(gen_printer *p, const kiln_proc *kernel);
    /* Expressions: each prints and returns its precedence. */
    int (*witem)(gen_printer *p, int what, int dim);
    int (*broadcast)(gen_printer *p, kiln_type to, const kiln_node *scalar);
    int (*vconvert)(gen_printer *p, kiln_type to, const kiln_node *vec);
    int (*vload)(gen_printer *p, const kiln_node *n);
    int (*lane)(gen_printer *p, const kiln_node *n);
    int (*vec_of)(gen_printer *p, const kiln_node *n);   /* a vector from one scalar per lane */
    int (*minmax)(gen_printer *p, const kiln_node *n);
    /* Math builtin name for that argument type into buf; -1 if the target has none. */
    int (*math_name)(int fn, kiln_type t, char *buf, size_t len);
    /* Statements. */
    void (*vstore)(gen_printer *p, const kiln_node *n);
    void (*atomic_add)(gen_printer *p, const kiln_node *n);
    void (*barrier)(gen_printer *p, const kiln_node *n);
    void (*decl_shared)(gen_printer *p, const kiln_node *n);
    void (*kernel_return)(gen_printer *p, const kiln_node *n);
} gen_target;

typedef struct gen_buf {
    char *data;
    size_t len, cap;
} gen_buf;

struct gen_printer {
    gen_buf out;
    const gen_target *t;
    const kiln_gen_opts *opts;
    int failed;
    char err[512];
    int indent;
    gen_needs needs;
    const kiln_proc *proc;       /* procedure being printed */
    /* Variables printed as `name[kiln_lid]` (C target, across barriers). */
    int nrepl;
    const kiln_var **repl;
    int repl_cap;
    void *target_state;          /* the target's own bookkeeping while printing a kernel */
};

extern const gen_target gen_target_opencl;
extern const gen_target gen_target_c99;

/* Output. All are no-ops once the printer failed. */
void gen_puts(gen_printer *p, const char *s);
void gen_printf(gen_printer *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Indentation, the formatted text, a newline. */
void gen_line(gen_printer *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void gen_indent(gen_printer *p);
/* Records the first error (later ones are dropped); the node's location is prefixed when known. */
void gen_fail(gen_printer *p, const kiln_node *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Expression printed with parentheses unless its precedence is at least min_prec. */
/* "for (T i = start; i < end; i += step) {" on its own indented line. */
void gen_for_header(gen_printer *p, const kiln_node *s);
/* "(a, b, c)": an argument list, each at the lowest precedence. */
void gen_args(gen_printer *p, int nkids, kiln_node *const *kids);
void gen_expr(gen_printer *p, const kiln_node *n, int min_prec);
/* The type's spelling (fails the printer when the target cannot spell it). */
const char *gen_type(gen_printer *p, kiln_type t, char *buf, size_t len, const kiln_node *at);
void gen_stmt(gen_printer *p, const kiln_node *s);
void gen_stmts(gen_printer *p, const kiln_node *first);
/* Parameter list of a procedure: "T a, const U *restrict b"; no parentheses. */
void gen_params(gen_printer *p, const kiln_proc *proc);
/* Array base for pointer arithmetic: name, or name[kiln_lid] when replicated. */
void gen_array_base(gen_printer *p, const kiln_var *v);
/* Number of elements of an array declared with constant dimensions. */
long long gen_array_count(gen_printer *p, const kiln_var *v);
int gen_is_replicated(const gen_printer *p, const kiln_var *v);
void gen_replicate(gen_printer *p, const kiln_var *v);
/* Emits the scalar floored-modulo helpers the pre-pass found (fmod_f32/f64: the target's names). */
/* select_builtin: an integer's correction as OpenCL C's select() instead of a
 * conditional expression (NVIDIA's OpenCL compiler mis-optimises the
 * conditional form inside some loops: bench/bigdft/gpu/miscompile/). */
void gen_modp_helpers(gen_printer *p, const char *qual, const char *fmod_f32, const char *fmod_f64, int select_builtin);
/* A literal value of the element type of v, as used in constant array initialisers. */
void gen_const_value(gen_printer *p, kiln_scalar s, double v);
/* Walks every expression and statement under s (statement list), calling fn on each node. */
void gen_visit(const kiln_node *s, void (*fn)(const kiln_node *n, void *arg), void *arg);
/* The same for one node and everything under it. */
void gen_visit_node(const kiln_node *n, void (*fn)(const kiln_node *n, void *arg), void *arg);

#endif
