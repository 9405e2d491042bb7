/*
 * dsl_int.h: the AST behind kiln/dsl.h, shared with generators/ (read-only there).
 *
 * One node struct with a kind; kinds, their dump names and whether they are
 * statements come from kinds.def. Statement lists are singly linked through
 * `next`. Everything is allocated from the owning context's arena.
 */
#ifndef KILN_DSL_INT_H
#define KILN_DSL_INT_H

#include "kiln/dsl.h"

typedef enum kiln_kind {
#define X(kind, name, is_stmt) KILN_N_##kind,
#include "dsl/kinds.def"
#undef X
    KILN_N_COUNT
} kiln_kind;

extern const char *const kiln_kind_names[KILN_N_COUNT];
extern const unsigned char kiln_kind_is_stmt[KILN_N_COUNT];

struct kiln_var {
    const char *name;
    kiln_type type;        /* element type for arrays */
    kiln_mem mem;
    kiln_dir dir;          /* arguments only; locals are KILN_INOUT */
    int is_arg;
    int is_array;
    int is_const;          /* const scalar or constant array */
    int ndims;
    kiln_node **dims;      /* dimension expressions, outermost first (arrays) */
    int vectors_aligned;   /* arrays: every vector access starts at a multiple of its width */
    int const_count;       /* constant arrays: number of values */
    const double *const_values;
    kiln_proc *owner;
    int id;                /* unique within the context, for dumps and clones */
    /* builder state (generators may ignore these) */
    int live;              /* 1 while the block that declared it is open */
    kiln_var *scope_next;  /* next variable declared in the same block */
    kiln_loc loc;          /* where it was declared */
};

struct kiln_node {
    kiln_kind kind;
    kiln_type type;        /* value type of an expression; VOID for statements */
    kiln_loc loc;          /* where the builder was called (statements) */
    int op;                /* binop / unop / math / witem / fence mask / compound-assign op (-1 plain) */
    int dim;               /* WITEM dimension */
    int lanes;             /* VLOAD width, LANE index */
    long long ival;        /* LIT integer value */
    double fval;           /* LIT floating value */
    kiln_var *var;         /* REF, ELEM, DECL, FOR, VLOAD, VSTORE */
    kiln_proc *callee;     /* CALL */
    int nkids;
    kiln_node **kids;
    kiln_node *body;       /* FOR, WHILE, IF, BLOCK: first statement */
    kiln_node *els;        /* IF: first statement of the else branch, NULL if none */
    const char *text;      /* COMMENT */
    kiln_node *next;       /* next statement in its block */
    int weak;              /* LIT from kiln_int/kiln_flt: adapts to the other operand's type */
};

struct kiln_proc {
    const char *name;
    int is_kernel;
    kiln_type ret;         /* helper functions */
    int nargs;
    kiln_var **args;
    kiln_node *body;       /* first statement */
    int reqd_wg[3];        /* 0 if none */
    int uses_witems;       /* any WITEM node in the body */
    int uses_barrier;
    int uses_atomics;
    int uses_f64;
    kiln_ctx *ctx;
    kiln_proc *next;       /* next procedure in the context, in creation order */
    int complete;          /* kiln_proc_end succeeded (callable with kiln_call) */
};

/* All procedures built in the context, in creation order (helpers before the kernel that calls them). */
kiln_proc *kiln_ctx_procs(const kiln_ctx *ctx);

#endif
