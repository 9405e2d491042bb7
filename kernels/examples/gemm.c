/*
 * gemm.c: general dense matrix multiply C = op(A) op(B), row-major, f32 or f64,
 * with the search space that fast GEMMs are made of. Six kernels share one
 * description: gemm, gemm_tn (C = A^T B), gemm_nt (C = A B^T) and their f64
 * forms gemm_f64, gemm_f64_tn, gemm_f64_nt.
 *
 * Kernel arguments, in order: m, n, k (i32), a (in), b (in), c (out, m x n).
 * A is m x k (k x m for tn), B is k x n (n x k for nt). The size is "N" (a
 * square problem, m = n = k = N) or "NxMxK" (nx = n columns of C, ny = m rows,
 * nz = k). Any size: edges are guarded, and the guards are emitted only where
 * the size is not a multiple of the tile.
 *
 * A work-group computes an mwg x nwg tile of C with mdim x ndim work-items;
 * each work-item keeps mwg/mdim x nwg/ndim accumulators (register blocking, up
 * to 8 x 8), in vectors of vwn columns. `strided` chooses how outputs are dealt
 * out: 0 gives each work-item a contiguous block of rows and columns, 1 spaces
 * them mdim (ndim) apart, so that neighbouring work-items touch neighbouring
 * vectors. The k loop goes kwg at a time:
 *  - sa / sb stage the kwg-deep tile of A / B through local memory (each
 *    optional: the other operand is then read from global memory). The copy is
 *    shaped independently of the compute: la (lb) work-items side by side along
 *    the operand's contiguous global dimension, vectors of vwg elements;
 *  - ta stores A's tile transposed in local memory (k-major), so that a
 *    work-item reads vwm of its rows as one vector; pad adds one element to the
 *    rows of the local tiles against bank conflicts;
 *  - db double-buffers the local tiles: tile k+1 is copied while tile k is
 *    computed, with one barrier per tile instead of two; pf (with db) loads
 *    tile k+1 into registers before tile k is computed and stores it into
 *    local memory after, so that the loads are in flight during the FMAs;
 *  - ku unrolls the loop over one tile (0: fully).
 *
 * Every vector access starts at a multiple of its width (the rows, tiles and
 * work-item offsets are multiples of the widths), which the description
 * promises to the generators (kiln_vectors_aligned) for a, b, c and, when pad
 * is 0, the local tiles: NVIDIA's compiler makes one wide access of such a
 * vector where vloadN gives one access per lane.
 *
 * The constraints keep every configuration they accept buildable: divisibility
 * of the tiles by the work-items and by the copy shapes, at most 8 x 8 outputs
 * per work-item, the local tiles within local_mem_bytes and the work-group
 * within max_wg_size. Vector widths along a global row need that row's length
 * to be a multiple of them (vwn: n; vwg: every extent, a 1 of a 3-extent size
 * read as a missing one, which the description then refuses by name).
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "kernels/examples/examples.h"

#define GEMM_MAX_WI 8 /* register blocking: at most 8 x 8 outputs per work-item */
#define GEMM_MAX_PIECES 64 /* a tile's copy: at most this many vectors of one operand per work-item */

typedef enum gemm_trans { GEMM_NN, GEMM_TN, GEMM_NT } gemm_trans;

typedef struct gemm_params {
    int mwg, nwg, kwg, mdim, ndim, sa, sb, la, lb, pad, vwg, vwm, vwn, ta, db, pf, ku, strided;
    int mwi, nwi, wg; /* derived: outputs per work-item in m and n, work-items per group */
} gemm_params;

/* m, n, k of a size: "N" is square, "NxMxK" is n x m x k; -1 for two extents. */
static int gemm_dims(const kiln_size *size, long long *m, long long *n, long long *k)
{
    if (size->ndims == 1) {
        *m = *n = *k = size->d[0];
        return 0;
    }
    if (size->ndims != 3)
        return -1;
    *n = size->d[0];
    *m = size->d[1];
    *k = size->d[2];
    return 0;
}

static size_t gemm_count(const kiln_size *size, int which)
{
    long long m = 0, n = 0, k = 0;
    if (gemm_dims(size, &m, &n, &k) != 0)
        return 0;
    long long d[3][2] = {{m, k}, {k, n}, {m, n}};
    return (size_t)d[which][0] * (size_t)d[which][1];
}

static size_t gemm_count_a(const kiln_size *size)
{
    return gemm_count(size, 0);
}

static size_t gemm_count_b(const kiln_size *size)
{
    return gemm_count(size, 1);
}

static size_t gemm_count_c(const kiln_size *size)
{
    return gemm_count(size, 2);
}

static void gemm_read_params(const kiln_config *cfg, gemm_params *p)
{
    p->mwg = (int)kiln_config_get(cfg, "mwg", 32);
    p->nwg = (int)kiln_config_get(cfg, "nwg", 32);
    p->kwg = (int)kiln_config_get(cfg, "kwg", 16);
    p->mdim = (int)kiln_config_get(cfg, "mdim", 8);
    p->ndim = (int)kiln_config_get(cfg, "ndim", 8);
    p->sa = (int)kiln_config_get(cfg, "sa", 0);
    p->sb = (int)kiln_config_get(cfg, "sb", 0);
    p->la = (int)kiln_config_get(cfg, "la", 8);
    p->lb = (int)kiln_config_get(cfg, "lb", 8);
    p->pad = (int)kiln_config_get(cfg, "pad", 0);
    p->vwg = (int)kiln_config_get(cfg, "vwg", 1);
    p->vwm = (int)kiln_config_get(cfg, "vwm", 1);
    p->vwn = (int)kiln_config_get(cfg, "vwn", 1);
    p->ta = (int)kiln_config_get(cfg, "ta", 0);
    p->db = (int)kiln_config_get(cfg, "db", 0);
    p->pf = (int)kiln_config_get(cfg, "pf", 0);
    p->ku = (int)kiln_config_get(cfg, "ku", 1);
    p->strided = (int)kiln_config_get(cfg, "strided", 0);
    p->mwi = p->mdim > 0 ? p->mwg / p->mdim : 0;
    p->nwi = p->ndim > 0 ? p->nwg / p->ndim : 0;
    p->wg = p->mdim * p->ndim;
}

/* Everything the pieces of the description share while one variant is built. */
typedef struct gemm_build {
    kiln_ctx *ctx;
    gemm_params p;
    gemm_trans trans;
    kiln_scalar elem;
    long long m, n, k;
    int edge_m, edge_n, edge_k;     /* the size is not a multiple of the tile: guard */
    kiln_var *vm, *vn, *vk, *a, *b, *c;
    kiln_var *as, *bs;              /* local tiles, NULL when not staged */
    kiln_var *row0, *col0;          /* the group's first row and column of C */
    kiln_var *rbase[GEMM_MAX_WI];   /* tile row of each vwm-group of this work-item's rows */
    kiln_var *cbase[GEMM_MAX_WI];   /* tile column of each vwn-vector of its columns */
    kiln_var *acc[GEMM_MAX_WI][GEMM_MAX_WI];
} gemm_build;

static kiln_type elem_type(const gemm_build *g, int lanes)
{
    return (kiln_type){g->elem, lanes};
}

static kiln_node *zero(const gemm_build *g, int lanes)
{
    return kiln_cast(g->ctx, elem_type(g, lanes), kiln_lit(g->ctx, elem_type(g, 1), 0.0));
}

static kiln_node *ref(const gemm_build *g, kiln_var *v)
{
    return kiln_ref(g->ctx, v);
}

static kiln_node *i32_witem(kiln_ctx *ctx, kiln_witem what, int dim)
{
    return kiln_cast(ctx, KILN_T(I32), kiln_workitem(ctx, what, dim));
}

/* value when `cond` holds (NULL: always), else zero; `value` is only read when it does. */
static kiln_node *guarded(const gemm_build *g, kiln_node *cond, kiln_node *value, int lanes)
{
    return cond ? kiln_select(g->ctx, cond, value, zero(g, lanes)) : value;
}

static kiln_node *and_cond(kiln_ctx *ctx, kiln_node *a, kiln_node *b)
{
    return a && b ? kiln_and(ctx, a, b) : a ? a : b;
}

/* ---- copying a tile into local memory --------------------------------- */

/* One operand's tile as its global array holds it: rows (the strided dimension,
 * `rows` of them from row0) of `cols` contiguous elements from col0. */
typedef struct tile_copy {
    kiln_var *glob, *loc;
    kiln_var *row0, *col0;          /* tile origin in the global array */
    kiln_var *row_end, *col_end;    /* global extents, for the guards */
    int rows, cols;
    int guard_rows, guard_cols;
    int across;                     /* work-items side by side along a row (la / lb) */
    kiln_var *item_row, *item_col;  /* this work-item's place in the copy's shape */
    int local_row_major;            /* local tile laid out as the global one (else transposed) */
    int k_rows;                     /* the global rows run along k (else along m or n) */
    kiln_var *mn0;                  /* the group's first row (A) or column (B) of C */
} tile_copy;

/* How much of a copy one call emits: all of it (global memory to local), only
 * the loads into registers (a prefetch), or only the stores of those registers. */
typedef enum copy_part { COPY_WHOLE, COPY_LOAD, COPY_STORE } copy_part;

static int copy_pieces(const gemm_params *p, const tile_copy *t)
{
    return t->rows / (p->wg / t->across) * (t->cols / p->vwg / t->across);
}

/* `regs` holds one register vector per piece for COPY_LOAD and COPY_STORE. */
static void copy_tile(const gemm_build *g, const tile_copy *t, kiln_var *buf, copy_part part, kiln_var *const *regs)
{
    kiln_ctx *ctx = g->ctx;
    int vw = g->p.vwg, down = g->p.wg / t->across, per_row = t->cols / vw / t->across;
    for (int j = 0; j < t->rows / down; j++) {
        for (int i = 0; i < per_row; i++) {
            kiln_block_begin(ctx);
            kiln_var *r = kiln_decl_const(ctx, "r", KILN_T(I32), kiln_addi(ctx, ref(g, t->item_row), j * down));
            kiln_var *q = kiln_decl_const(ctx, "q", KILN_T(I32),
                                          kiln_muli(ctx, kiln_addi(ctx, ref(g, t->item_col), i * t->across), vw));
            kiln_node *v = NULL;
            if (part != COPY_STORE) {
                kiln_var *gr = kiln_decl_const(ctx, "gr", KILN_T(I32), kiln_add(ctx, ref(g, t->row0), ref(g, r)));
                kiln_var *gq = kiln_decl_const(ctx, "gq", KILN_T(I32), kiln_add(ctx, ref(g, t->col0), ref(g, q)));
                kiln_node *cond = and_cond(ctx, t->guard_rows ? kiln_lt(ctx, ref(g, gr), ref(g, t->row_end)) : NULL,
                                           t->guard_cols ? kiln_lt(ctx, ref(g, gq), ref(g, t->col_end)) : NULL);
                v = guarded(g, cond, kiln_vload_nd(ctx, vw, t->glob, ref(g, gr), ref(g, gq)), vw);
            }
            if (part == COPY_LOAD) {
                kiln_assign(ctx, ref(g, regs[j * per_row + i]), v);
                kiln_block_end(ctx);
                continue;
            }
            kiln_var *val = part == COPY_STORE ? regs[j * per_row + i] : kiln_decl_const(ctx, "v", elem_type(g, vw), v);
            if (t->local_row_major) {
                kiln_node *args[4];
                int na = 0;
                if (buf)
                    args[na++] = ref(g, buf);
                args[na++] = ref(g, r);
                args[na++] = ref(g, q);
                args[na++] = ref(g, val);
                kiln_vstore_nd_at(ctx, KILN_HERE, t->loc, na, args);
            } else {
                for (int l = 0; l < vw; l++) {
                    kiln_node *idx[3];
                    int ni = 0;
                    if (buf)
                        idx[ni++] = ref(g, buf);
                    idx[ni++] = kiln_addi(ctx, ref(g, q), l);
                    idx[ni++] = ref(g, r);
                    kiln_assign(ctx, kiln_elem(ctx, t->loc, ni, idx), kiln_lane(ctx, ref(g, val), l));
                }
            }
            kiln_block_end(ctx);
        }
    }
}

typedef struct gemm_copies {
    tile_copy a, b;
    kiln_var *regs_a[GEMM_MAX_PIECES], *regs_b[GEMM_MAX_PIECES]; /* the prefetched pieces (pf) */
} gemm_copies;

/* The copy of one operand's tile for the k-tile starting at `kt` (`kt` is
 * unused when only stores are emitted). */
static void copy_operand(const gemm_build *g, tile_copy *t, kiln_var *kt, kiln_var *buf, copy_part part,
                         kiln_var *const *regs)
{
    t->row0 = t->k_rows ? kt : t->mn0;
    t->col0 = t->k_rows ? t->mn0 : kt;
    copy_tile(g, t, buf, part, regs);
}

static void copy_tiles(const gemm_build *g, gemm_copies *cp, kiln_var *kt, kiln_var *buf, copy_part part)
{
    if (g->as)
        copy_operand(g, &cp->a, kt, buf, part, cp->regs_a);
    if (g->bs)
        copy_operand(g, &cp->b, kt, buf, part, cp->regs_b);
}

/* The registers a prefetch loads one operand's pieces into, zero at first. */
static void declare_prefetch(const gemm_build *g, const tile_copy *t, kiln_var **regs, const char *prefix)
{
    int pieces = copy_pieces(&g->p, t);
    for (int i = 0; i < pieces; i++) {
        char name[16];
        snprintf(name, sizeof name, "%s%d", prefix, i);
        regs[i] = kiln_decl(g->ctx, name, elem_type(g, g->p.vwg), zero(g, g->p.vwg));
    }
}

/* The shape of the copy of A (is_a) or B: the global array's rows run along k
 * for A^T (k x m) and for B (k x n), along m or n otherwise. */
static void setup_copy(gemm_build *g, tile_copy *t, kiln_var *lid, int is_a)
{
    kiln_ctx *ctx = g->ctx;
    const gemm_params *p = &g->p;
    int k_rows = is_a ? g->trans == GEMM_TN : g->trans != GEMM_NT;
    int tile_mn = is_a ? p->mwg : p->nwg, edge_mn = is_a ? g->edge_m : g->edge_n;
    kiln_var *extent_mn = is_a ? g->vm : g->vn;
    t->k_rows = k_rows;
    t->mn0 = is_a ? g->row0 : g->col0;
    t->glob = is_a ? g->a : g->b;
    t->loc = is_a ? g->as : g->bs;
    t->rows = k_rows ? p->kwg : tile_mn;
    t->cols = k_rows ? tile_mn : p->kwg;
    t->row_end = k_rows ? g->vk : extent_mn;
    t->col_end = k_rows ? extent_mn : g->vk;
    t->guard_rows = k_rows ? g->edge_k : edge_mn;
    t->guard_cols = k_rows ? edge_mn : g->edge_k;
    t->across = is_a ? p->la : p->lb;
    t->item_col = kiln_decl_const(ctx, is_a ? "la_col" : "lb_col", KILN_T(I32),
                                  kiln_band(ctx, ref(g, lid), kiln_int(ctx, t->across - 1)));
    t->item_row = kiln_decl_const(ctx, is_a ? "la_row" : "lb_row", KILN_T(I32), kiln_divi(ctx, ref(g, lid), t->across));
    /* local A is m x k (ta = 0) or k x m (ta = 1); local B is always k x n */
    t->local_row_major = k_rows == (is_a ? p->ta : 1);
}

static void setup_copies(gemm_build *g, gemm_copies *cp, kiln_var *lid)
{
    if (g->as)
        setup_copy(g, &cp->a, lid, 1);
    if (g->bs)
        setup_copy(g, &cp->b, lid, 0);
}

/* ---- one step of the k loop ------------------------------------------ */

/* Element (i0, i1) of a local tile, in buffer `buf` when double-buffered. */
static kiln_node *local_at(const gemm_build *g, kiln_var *tile, kiln_var *buf, int lanes, kiln_node *i0,
                           kiln_node *i1)
{
    kiln_node *idx[3];
    int ni = 0;
    if (buf)
        idx[ni++] = ref(g, buf);
    idx[ni++] = i0;
    idx[ni++] = i1;
    return kiln_vload_nd_at(g->ctx, KILN_HERE, lanes, tile, ni, idx);
}

/* A(row, kk) from global memory, zero outside the matrix. */
static kiln_node *a_global(const gemm_build *g, kiln_node *row, kiln_var *kk)
{
    kiln_ctx *ctx = g->ctx;
    kiln_node *cond = and_cond(ctx, g->edge_m ? kiln_lt(ctx, row, ref(g, g->vm)) : NULL,
                               g->edge_k ? kiln_lt(ctx, ref(g, kk), ref(g, g->vk)) : NULL);
    kiln_node *at = g->trans == GEMM_TN ? kiln_at(ctx, g->a, ref(g, kk), row) : kiln_at(ctx, g->a, row, ref(g, kk));
    return guarded(g, cond, at, 1);
}

/* B(kk, col .. col + vwn - 1) from global memory, zero outside the matrix
 * (n is a multiple of vwn: a vector is wholly inside or outside). */
static kiln_node *b_global(const gemm_build *g, kiln_var *kk, kiln_var *col)
{
    kiln_ctx *ctx = g->ctx;
    int vw = g->p.vwn;
    kiln_node *cond = and_cond(ctx, g->edge_n ? kiln_lt(ctx, ref(g, col), ref(g, g->vn)) : NULL,
                               g->edge_k ? kiln_lt(ctx, ref(g, kk), ref(g, g->vk)) : NULL);
    kiln_node *v;
    if (g->trans != GEMM_NT) {
        v = kiln_vload_nd(ctx, vw, g->b, ref(g, kk), ref(g, col));
    } else if (vw == 1) {
        v = kiln_at(ctx, g->b, ref(g, col), ref(g, kk));
    } else {
        kiln_node *lanes[16];
        for (int l = 0; l < vw; l++)
            lanes[l] = kiln_at(ctx, g->b, kiln_addi(ctx, ref(g, col), l), ref(g, kk));
        v = kiln_vec_of(ctx, elem_type(g, vw), vw, lanes);
    }
    return guarded(g, cond, v, vw);
}

/* acc += a(row) * b(col) for one k of the tile (k counts from the tile start kt). */
static void compute_step(const gemm_build *g, kiln_var *k, kiln_var *kt, kiln_var *buf)
{
    kiln_ctx *ctx = g->ctx;
    const gemm_params *p = &g->p;
    kiln_var *kk = NULL;
    if (!g->as || !g->bs)
        kk = kiln_decl_const(ctx, "kk", KILN_T(I32), kiln_add(ctx, ref(g, kt), ref(g, k)));
    kiln_node *arow[GEMM_MAX_WI];
    int ma = g->as && p->ta ? p->vwm : 1;
    for (int gm = 0; gm < p->mwi / ma; gm++) {
        char name[16];
        if (g->as && p->ta) {
            snprintf(name, sizeof name, "av%d", gm);
            kiln_var *av = kiln_decl_const(ctx, name, elem_type(g, ma),
                                           local_at(g, g->as, buf, ma, ref(g, k), ref(g, g->rbase[gm])));
            for (int l = 0; l < ma; l++)
                arow[gm * ma + l] = kiln_lane(ctx, ref(g, av), l);
            continue;
        }
        snprintf(name, sizeof name, "a%d", gm);
        kiln_node *v = g->as ? local_at(g, g->as, buf, 1, ref(g, g->rbase[gm]), ref(g, k))
                             : a_global(g, kiln_add(ctx, ref(g, g->row0), ref(g, g->rbase[gm])), kk);
        arow[gm] = ref(g, kiln_decl_const(ctx, name, elem_type(g, 1), v));
    }
    kiln_var *bv[GEMM_MAX_WI];
    int vn = p->vwn;
    for (int gn = 0; gn < p->nwi / vn; gn++) {
        char name[16];
        snprintf(name, sizeof name, "bv%d", gn);
        kiln_node *v;
        if (g->bs) {
            v = local_at(g, g->bs, buf, vn, ref(g, k), ref(g, g->cbase[gn]));
        } else {
            char cname[16];
            snprintf(cname, sizeof cname, "bcol%d", gn);
            kiln_var *col = kiln_decl_const(ctx, cname, KILN_T(I32),
                                            kiln_add(ctx, ref(g, g->col0), ref(g, g->cbase[gn])));
            v = b_global(g, kk, col);
        }
        bv[gn] = kiln_decl_const(ctx, name, elem_type(g, vn), v);
    }
    for (int i = 0; i < p->mwi; i++)
        for (int gn = 0; gn < p->nwi / vn; gn++)
            kiln_assign_op(ctx, KILN_ADD, ref(g, g->acc[i][gn]),
                           kiln_mul(ctx, kiln_cast(ctx, elem_type(g, vn), arow[i]), ref(g, bv[gn])));
}

static void compute_tile(const gemm_build *g, kiln_var *kt, kiln_var *buf)
{
    kiln_var *k = kiln_for_begin(g->ctx, "kp", kiln_int(g->ctx, 0), kiln_int(g->ctx, g->p.kwg), kiln_int(g->ctx, 1));
    compute_step(g, k, kt, buf);
    kiln_for_end_unroll(g->ctx, g->p.ku);
}

/* ---- the description -------------------------------------------------- */

static int pow2_in(int v, int lo, int hi)
{
    return v >= lo && v <= hi && (v & (v - 1)) == 0;
}

/* The rules the constraints state, checked again so that a configuration
 * outside them is refused with its reason instead of computing garbage. */
static int gemm_check(kiln_ctx *ctx, const gemm_params *p, gemm_trans trans, long long m, long long n,
                      long long k)
{
    if (!pow2_in(p->mwg, 1, 256) || !pow2_in(p->nwg, 1, 256) || !pow2_in(p->kwg, 1, 256) ||
        !pow2_in(p->mdim, 1, 256) || !pow2_in(p->ndim, 1, 256) || !pow2_in(p->la, 1, 1024) ||
        !pow2_in(p->lb, 1, 1024) || !pow2_in(p->vwg, 1, 8) || !pow2_in(p->vwm, 1, 8) || !pow2_in(p->vwn, 1, 8) ||
        (p->ku != 0 && !pow2_in(p->ku, 1, 256)))
        return kiln_fail(ctx, "gemm: tile sizes, work-items, load shapes, vector widths and ku must be powers of two");
    if (p->mwg % p->mdim || p->nwg % p->ndim || p->mwi > GEMM_MAX_WI || p->nwi > GEMM_MAX_WI)
        return kiln_fail(ctx, "gemm: each work-item must compute 1 to %d rows and columns (mwg %d / mdim %d, "
                         "nwg %d / ndim %d)", GEMM_MAX_WI, p->mwg, p->mdim, p->nwg, p->ndim);
    if (p->nwi % p->vwn || (p->vwm > 1 && !(p->sa && p->ta)) || p->mwi % p->vwm)
        return kiln_fail(ctx, "gemm: vwn %d must divide the %d columns of a work-item, vwm %d its %d rows "
                         "(and vwm > 1 needs A staged transposed)", p->vwn, p->nwi, p->vwm, p->mwi);
    if (n % p->vwn)
        return kiln_fail(ctx, "gemm: vwn %d does not divide n = %lld", p->vwn, n);
    if (p->ta && !p->sa)
        return kiln_fail(ctx, "gemm: ta = 1 needs sa = 1 (A staged in local memory)");
    if (p->db && !p->sa && !p->sb)
        return kiln_fail(ctx, "gemm: db = 1 needs a staged operand");
    if (p->pf && !p->db)
        return kiln_fail(ctx, "gemm: pf = 1 needs db = 1 (double-buffered local tiles)");
    /* the listed values keep this within 2 kwg <= 64; a configuration built
     * through the API may hold any power of two */
    if (p->pf && ((p->sa && p->mwg * p->kwg / (p->wg * p->vwg) > GEMM_MAX_PIECES) ||
                  (p->sb && p->nwg * p->kwg / (p->wg * p->vwg) > GEMM_MAX_PIECES)))
        return kiln_fail(ctx, "gemm: pf = 1 holds at most %d vectors of a tile per work-item", GEMM_MAX_PIECES);
    const long long a_cols = trans == GEMM_TN ? m : k, b_cols = trans == GEMM_NT ? k : n;
    const int a_tile_cols = trans == GEMM_TN ? p->mwg : p->kwg, a_tile_rows = trans == GEMM_TN ? p->kwg : p->mwg;
    const int b_tile_cols = trans == GEMM_NT ? p->kwg : p->nwg, b_tile_rows = trans == GEMM_NT ? p->nwg : p->kwg;
    if ((p->sa && a_cols % p->vwg) || (p->sb && b_cols % p->vwg))
        return kiln_fail(ctx, "gemm: vwg %d must divide the rows of the staged arrays (%lld, %lld elements)",
                         p->vwg, a_cols, b_cols);
    if (p->sa && (p->wg % p->la || (a_tile_cols / p->vwg) % p->la || a_tile_rows % (p->wg / p->la) ||
                  a_tile_cols % p->vwg))
        return kiln_fail(ctx, "gemm: la %d work-items across does not tile A's %d x %d tile with %d work-items "
                         "and vectors of %d", p->la, a_tile_rows, a_tile_cols, p->wg, p->vwg);
    if (p->sb && (p->wg % p->lb || (b_tile_cols / p->vwg) % p->lb || b_tile_rows % (p->wg / p->lb) ||
                  b_tile_cols % p->vwg))
        return kiln_fail(ctx, "gemm: lb %d work-items across does not tile B's %d x %d tile with %d work-items "
                         "and vectors of %d", p->lb, b_tile_rows, b_tile_cols, p->wg, p->vwg);
    if (m * k > INT32_MAX || k * n > INT32_MAX || m * n > INT32_MAX)
        return kiln_fail(ctx, "gemm: %lld x %lld x %lld is too large for the kernel's 32-bit indices", m, n, k);
    return 0;
}

static void declare_locals(gemm_build *g)
{
    kiln_ctx *ctx = g->ctx;
    const gemm_params *p = &g->p;
    int nbuf = p->db ? 2 : 1;
    if (p->sa) {
        int r = p->ta ? p->kwg : p->mwg, q = (p->ta ? p->mwg : p->kwg) + p->pad;
        g->as = p->db ? kiln_decl_shared(ctx, "a_tile", elem_type(g, 1), nbuf, r, q)
                      : kiln_decl_shared(ctx, "a_tile", elem_type(g, 1), r, q);
    }
    if (p->sb) {
        int r = p->kwg, q = p->nwg + p->pad;
        g->bs = p->db ? kiln_decl_shared(ctx, "b_tile", elem_type(g, 1), nbuf, r, q)
                      : kiln_decl_shared(ctx, "b_tile", elem_type(g, 1), r, q);
    }
    /* a padded row is no longer a multiple of the vector widths */
    if (!p->pad) {
        if (g->as)
            kiln_vectors_aligned(ctx, g->as);
        if (g->bs)
            kiln_vectors_aligned(ctx, g->bs);
    }
}

/* The tile row (column) of each vector group of a work-item's outputs. */
static void declare_bases(gemm_build *g, kiln_var *ly, kiln_var *lx)
{
    kiln_ctx *ctx = g->ctx;
    const gemm_params *p = &g->p;
    int vm = g->as && p->ta ? p->vwm : 1;
    for (int gm = 0; gm < p->mwi / vm; gm++) {
        char name[16];
        snprintf(name, sizeof name, "rb%d", gm);
        kiln_node *v = p->strided ? kiln_muli(ctx, kiln_addi(ctx, ref(g, ly), gm * p->mdim), vm)
                                  : kiln_addi(ctx, kiln_muli(ctx, ref(g, ly), p->mwi), gm * vm);
        g->rbase[gm] = kiln_decl_const(ctx, name, KILN_T(I32), v);
    }
    for (int gn = 0; gn < p->nwi / p->vwn; gn++) {
        char name[16];
        snprintf(name, sizeof name, "cb%d", gn);
        kiln_node *v = p->strided ? kiln_muli(ctx, kiln_addi(ctx, ref(g, lx), gn * p->ndim), p->vwn)
                                  : kiln_addi(ctx, kiln_muli(ctx, ref(g, lx), p->nwi), gn * p->vwn);
        g->cbase[gn] = kiln_decl_const(ctx, name, KILN_T(I32), v);
    }
}

static void k_loop(gemm_build *g, gemm_copies *cp)
{
    kiln_ctx *ctx = g->ctx;
    const gemm_params *p = &g->p;
    int staged = g->as || g->bs;
    if (!p->db) {
        kiln_var *kt = kiln_for_begin(ctx, "kt", kiln_int(ctx, 0), ref(g, g->vk), kiln_int(ctx, p->kwg));
        copy_tiles(g, cp, kt, NULL, COPY_WHOLE);
        if (staged)
            kiln_barrier(ctx, KILN_FENCE_LOCAL);
        compute_tile(g, kt, NULL);
        if (staged)
            kiln_barrier(ctx, KILN_FENCE_LOCAL);
        kiln_for_end(ctx);
        return;
    }
    /* double buffering: tile t + 1 goes into the buffer tile t - 1 used, which
     * every work-item left before the barrier that ended step t - 1. With pf
     * its loads are issued before tile t is computed and its stores after, so
     * that the computation hides the latency of global memory. */
    kiln_var *ntiles = kiln_decl_const(ctx, "ntiles", KILN_T(I32),
                                       kiln_divi(ctx, kiln_addi(ctx, ref(g, g->vk), p->kwg - 1), p->kwg));
    kiln_var *first = kiln_decl_const(ctx, "kt_first", KILN_T(I32), kiln_int(ctx, 0));
    kiln_var *buf0 = kiln_decl_const(ctx, "buf_first", KILN_T(I32), kiln_int(ctx, 0));
    copy_tiles(g, cp, first, buf0, COPY_WHOLE);
    kiln_barrier(ctx, KILN_FENCE_LOCAL);
    kiln_var *t = kiln_for_begin(ctx, "t", kiln_int(ctx, 0), ref(g, ntiles), kiln_int(ctx, 1));
    kiln_var *cur = kiln_decl_const(ctx, "cur", KILN_T(I32), kiln_band(ctx, ref(g, t), kiln_int(ctx, 1)));
    kiln_var *kt = kiln_decl_const(ctx, "kt", KILN_T(I32), kiln_muli(ctx, ref(g, t), p->kwg));
    if (p->pf) {
        if (g->as)
            declare_prefetch(g, &cp->a, cp->regs_a, "pa");
        if (g->bs)
            declare_prefetch(g, &cp->b, cp->regs_b, "pb");
    }
    kiln_if_begin(ctx, kiln_lt(ctx, kiln_addi(ctx, ref(g, t), 1), ref(g, ntiles)));
    kiln_var *next = kiln_decl_const(ctx, "nxt", KILN_T(I32), kiln_bxor(ctx, ref(g, cur), kiln_int(ctx, 1)));
    kiln_var *kt_next = kiln_decl_const(ctx, "kt_next", KILN_T(I32), kiln_addi(ctx, ref(g, kt), p->kwg));
    copy_tiles(g, cp, kt_next, next, p->pf ? COPY_LOAD : COPY_WHOLE);
    kiln_if_end(ctx);
    compute_tile(g, kt, cur);
    if (p->pf) { /* the stores of the prefetch, into the same buffer `nxt` */
        kiln_if_begin(ctx, kiln_lt(ctx, kiln_addi(ctx, ref(g, t), 1), ref(g, ntiles)));
        kiln_var *into = kiln_decl_const(ctx, "nxt", KILN_T(I32), kiln_bxor(ctx, ref(g, cur), kiln_int(ctx, 1)));
        copy_tiles(g, cp, NULL, into, COPY_STORE);
        kiln_if_end(ctx);
    }
    kiln_barrier(ctx, KILN_FENCE_LOCAL);
    kiln_for_end(ctx);
}

static void store_outputs(const gemm_build *g)
{
    kiln_ctx *ctx = g->ctx;
    const gemm_params *p = &g->p;
    int vm = g->as && p->ta ? p->vwm : 1;
    for (int i = 0; i < p->mwi; i++) {
        kiln_block_begin(ctx);
        kiln_node *first = kiln_add(ctx, ref(g, g->row0), ref(g, g->rbase[i / vm]));
        kiln_var *row = kiln_decl_const(ctx, "row", KILN_T(I32), kiln_addi(ctx, first, i % vm));
        for (int gn = 0; gn < p->nwi / p->vwn; gn++) {
            char name[16];
            snprintf(name, sizeof name, "cc%d", gn);
            kiln_var *col = kiln_decl_const(ctx, name, KILN_T(I32),
                                            kiln_add(ctx, ref(g, g->col0), ref(g, g->cbase[gn])));
            kiln_node *cond = and_cond(ctx, g->edge_m ? kiln_lt(ctx, ref(g, row), ref(g, g->vm)) : NULL,
                                       g->edge_n ? kiln_lt(ctx, ref(g, col), ref(g, g->vn)) : NULL);
            if (cond)
                kiln_if_begin(ctx, cond);
            kiln_vstore_nd(ctx, g->c, ref(g, row), ref(g, col), ref(g, g->acc[i][gn]));
            if (cond)
                kiln_if_end(ctx);
        }
        kiln_block_end(ctx);
    }
}

static kiln_proc *gemm_build_variant(kiln_ctx *ctx, const kiln_config *cfg, const kiln_size *size, gemm_trans trans,
                                     kiln_scalar elem)
{
    gemm_build g = {.ctx = ctx, .trans = trans, .elem = elem};
    gemm_read_params(cfg, &g.p);
    const gemm_params *p = &g.p;
    if (gemm_dims(size, &g.m, &g.n, &g.k) != 0) {
        kiln_fail(ctx, "gemm: the size is N (square) or NxMxK, not %d extents", size->ndims);
        return NULL;
    }
    if (gemm_check(ctx, p, trans, g.m, g.n, g.k) != 0)
        return NULL;
    g.edge_m = g.m % p->mwg != 0;
    g.edge_n = g.n % p->nwg != 0;
    g.edge_k = g.k % p->kwg != 0;

    static const char *const names[] = {"gemm_nn", "gemm_tn", "gemm_nt"};
    kiln_proc *proc = kiln_kernel_begin(ctx, names[trans]);
    kiln_proc_reqd_wg(proc, p->ndim, p->mdim, 1);
    g.vm = kiln_arg_scalar(ctx, "m", KILN_T(I32));
    g.vn = kiln_arg_scalar(ctx, "n", KILN_T(I32));
    g.vk = kiln_arg_scalar(ctx, "k", KILN_T(I32));
    kiln_type et = elem_type(&g, 1);
    g.a = trans == GEMM_TN ? kiln_arg_array(ctx, "a", et, KILN_IN, ref(&g, g.vk), ref(&g, g.vm))
                           : kiln_arg_array(ctx, "a", et, KILN_IN, ref(&g, g.vm), ref(&g, g.vk));
    g.b = trans == GEMM_NT ? kiln_arg_array(ctx, "b", et, KILN_IN, ref(&g, g.vn), ref(&g, g.vk))
                           : kiln_arg_array(ctx, "b", et, KILN_IN, ref(&g, g.vk), ref(&g, g.vn));
    g.c = kiln_arg_array(ctx, "c", et, KILN_OUT, ref(&g, g.vm), ref(&g, g.vn));
    /* every vector access starts at a multiple of its width: gemm_check keeps
     * the rows, tiles and work-item offsets multiples of the widths */
    kiln_vectors_aligned(ctx, g.a);
    kiln_vectors_aligned(ctx, g.b);
    kiln_vectors_aligned(ctx, g.c);
    kiln_comment(ctx, "tile %d x %d x %d, %d x %d work-items, sa %d sb %d la %d lb %d pad %d, vwg %d vwm %d vwn %d, "
                 "ta %d db %d pf %d ku %d strided %d", p->mwg, p->nwg, p->kwg, p->mdim, p->ndim, p->sa, p->sb, p->la,
                 p->lb, p->pad, p->vwg, p->vwm, p->vwn, p->ta, p->db, p->pf, p->ku, p->strided);
    declare_locals(&g);
    kiln_var *lx = kiln_decl_const(ctx, "lx", KILN_T(I32), i32_witem(ctx, KILN_LOCAL_ID, 0));
    kiln_var *ly = kiln_decl_const(ctx, "ly", KILN_T(I32), i32_witem(ctx, KILN_LOCAL_ID, 1));
    g.row0 = kiln_decl_const(ctx, "row0", KILN_T(I32), kiln_muli(ctx, i32_witem(ctx, KILN_GROUP_ID, 1), p->mwg));
    g.col0 = kiln_decl_const(ctx, "col0", KILN_T(I32), kiln_muli(ctx, i32_witem(ctx, KILN_GROUP_ID, 0), p->nwg));
    gemm_copies cp = {0};
    if (g.as || g.bs) {
        kiln_var *lid = kiln_decl_const(ctx, "lid", KILN_T(I32),
                                        kiln_add(ctx, kiln_muli(ctx, ref(&g, ly), p->ndim), ref(&g, lx)));
        setup_copies(&g, &cp, lid);
    }
    declare_bases(&g, ly, lx);
    for (int i = 0; i < p->mwi; i++)
        for (int gn = 0; gn < p->nwi / p->vwn; gn++) {
            char name[32];
            snprintf(name, sizeof name, "acc%d_%d", i, gn);
            g.acc[i][gn] = kiln_decl(ctx, name, elem_type(&g, p->vwn), zero(&g, p->vwn));
        }
    k_loop(&g, &cp);
    store_outputs(&g);
    return kiln_proc_end(ctx);
}

/* ---- inputs, reference, geometry -------------------------------------- */

static void gemm_inputs(kiln_args *args, uint64_t seed, kiln_scalar elem)
{
    uint64_t st = seed;
    const kiln_size *size = kiln_args_size(args);
    long long m = 0, n = 0, k = 0;
    gemm_dims(size, &m, &n, &k);
    *(int32_t *)kiln_args_ptr(args, "m") = (int32_t)m;
    *(int32_t *)kiln_args_ptr(args, "n") = (int32_t)n;
    *(int32_t *)kiln_args_ptr(args, "k") = (int32_t)k;
    const char *names[2] = {"a", "b"};
    size_t counts[2] = {gemm_count_a(size), gemm_count_b(size)};
    /* signed entries: the sums cancel, and each element is verified within the
     * rounding its k products allow (kiln_args_magnitude) */
    for (int x = 0; x < 2; x++) {
        void *data = kiln_args_ptr(args, names[x]);
        for (size_t i = 0; i < counts[x]; i++) {
            double v = kiln_rand_uniform(&st, -1.0, 1.0);
            if (elem == KILN_F64)
                ((double *)data)[i] = v;
            else
                ((float *)data)[i] = (float)v;
        }
    }
}

/* A (m x k) or B (k x n) as a row-major double array, from either storage. */
static double *logical(const void *data, kiln_scalar elem, size_t rows, size_t cols, int stored_transposed)
{
    double *out = malloc(rows * cols * sizeof *out);
    if (!out)
        return NULL;
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++) {
            size_t i = stored_transposed ? c * rows + r : r * cols + c;
            out[r * cols + c] = elem == KILN_F64 ? ((const double *)data)[i] : (double)((const float *)data)[i];
        }
    return out;
}

/* Rows first .. m - 1, step by step, of the reference product. */
typedef struct ref_rows {
    const double *a, *b;
    double *c, *mag;
    size_t m, n, k, first, step;
} ref_rows;

static void *reference_rows(void *arg)
{
    const ref_rows *r = arg;
    for (size_t i = r->first; i < r->m; i += r->step) {
        double *restrict ci = r->c + i * r->n, *restrict mi = r->mag + i * r->n;
        for (size_t j = 0; j < r->n; j++)
            ci[j] = mi[j] = 0.0;
        for (size_t p = 0; p < r->k; p++) {
            const double aip = r->a[i * r->k + p], *restrict bp = r->b + p * r->n;
            for (size_t j = 0; j < r->n; j++) {
                ci[j] += aip * bp[j];
                mi[j] += fabs(aip * bp[j]);
            }
        }
    }
    return NULL;
}

/* c(i, j) = sum over p of A(i, p) B(p, j): k terms, sum |A(i, p) B(p, j)| bounds
 * their rounding. Large products are shared among the processors' threads
 * (interleaved rows): n = 4096 is 7e10 products. */
static void gemm_reference(kiln_args *args, gemm_trans trans, kiln_scalar elem)
{
    long long lm = 0, ln = 0, lk = 0;
    gemm_dims(kiln_args_size(args), &lm, &ln, &lk);
    size_t m = (size_t)lm, n = (size_t)ln, k = (size_t)lk;
    double *c = kiln_args_want(args, "c"), *mag = kiln_args_magnitude(args, "c", (double)k);
    double *a = logical(kiln_args_ptr(args, "a"), elem, m, k, trans == GEMM_TN);
    double *b = logical(kiln_args_ptr(args, "b"), elem, k, n, trans == GEMM_NT);
    if (!a || !b) {
        for (size_t i = 0; i < m * n; i++)
            c[i] = mag[i] = NAN; /* out of memory: no output can match */
        free(a);
        free(b);
        return;
    }
    enum { MAX_THREADS = 32 };
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t nthreads = 1;
    if ((double)m * (double)n * (double)k >= 1e8 && cpus > 1)
        nthreads = (size_t)(cpus < MAX_THREADS ? cpus : MAX_THREADS);
    ref_rows parts[MAX_THREADS];
    pthread_t threads[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    for (size_t t = 0; t < nthreads; t++) {
        parts[t] = (ref_rows){a, b, c, mag, m, n, k, t, nthreads};
        started[t] = t > 0 && pthread_create(&threads[t], NULL, reference_rows, &parts[t]) == 0;
    }
    for (size_t t = 0; t < nthreads; t++) /* rows of threads that did not start are done here */
        if (!started[t])
            reference_rows(&parts[t]);
    for (size_t t = 1; t < nthreads; t++)
        if (started[t])
            pthread_join(threads[t], NULL);
    free(a);
    free(b);
}

static void gemm_geometry(const kiln_config *cfg, const kiln_size *size, kiln_geometry *geo)
{
    gemm_params p;
    gemm_read_params(cfg, &p);
    long long m = 0, n = 0, k = 0;
    gemm_dims(size, &m, &n, &k);
    size_t groups_n = (size_t)((n + p.nwg - 1) / p.nwg), groups_m = (size_t)((m + p.mwg - 1) / p.mwg);
    *geo = (kiln_geometry){2, {groups_n * (size_t)p.ndim, groups_m * (size_t)p.mdim, 1},
                           {(size_t)p.ndim, (size_t)p.mdim, 1}};
}

static double gemm_flops(const kiln_size *size)
{
    long long m = 0, n = 0, k = 0;
    gemm_dims(size, &m, &n, &k);
    return 2.0 * (double)m * (double)n * (double)k;
}

static double gemm_bytes_of(const kiln_size *size, double elem_bytes)
{
    long long m = 0, n = 0, k = 0;
    gemm_dims(size, &m, &n, &k);
    return elem_bytes * ((double)m * (double)k + (double)k * (double)n + (double)m * (double)n);
}

static double gemm_bytes_f32(const kiln_size *size)
{
    return gemm_bytes_of(size, 4.0);
}

static double gemm_bytes_f64(const kiln_size *size)
{
    return gemm_bytes_of(size, 8.0);
}

/* ---- the six kernels -------------------------------------------------- */

#define GEMM_CALLBACKS(id, trans, elem)                                                                  \
    static kiln_proc *gemm_build_##id(kiln_ctx *ctx, const kiln_config *cfg, const kiln_size *size)     \
    {                                                                                                    \
        return gemm_build_variant(ctx, cfg, size, trans, elem);                                          \
    }                                                                                                    \
    static void gemm_inputs_##id(kiln_args *args, uint64_t seed)                                         \
    {                                                                                                    \
        gemm_inputs(args, seed, elem);                                                                   \
    }                                                                                                    \
    static void gemm_reference_##id(kiln_args *args)                                                     \
    {                                                                                                    \
        gemm_reference(args, trans, elem);                                                               \
    }

GEMM_CALLBACKS(nn, GEMM_NN, KILN_F32)
GEMM_CALLBACKS(tn, GEMM_TN, KILN_F32)
GEMM_CALLBACKS(nt, GEMM_NT, KILN_F32)
GEMM_CALLBACKS(f64_nn, GEMM_NN, KILN_F64)
GEMM_CALLBACKS(f64_tn, GEMM_TN, KILN_F64)
GEMM_CALLBACKS(f64_nt, GEMM_NT, KILN_F64)

#define GEMM_PARAMS                                                                                              \
    KILN_PARAMS({.name = "mwg", .help = "rows of C per work-group tile", KILN_VALUES(16, 32, 64, 128),        \
                 .default_value = 32},                                                                           \
                {.name = "nwg", .help = "columns of C per work-group tile", KILN_VALUES(16, 32, 64, 128),     \
                 .default_value = 32},                                                                           \
                {.name = "kwg", .help = "depth of a k tile", KILN_VALUES(8, 16, 32), .default_value = 16},      \
                {.name = "mdim", .help = "work-items of a group along m (local size y)",                         \
                 KILN_VALUES(4, 8, 16, 32), .default_value = 8},                                                 \
                {.name = "ndim", .help = "work-items of a group along n (local size x)",                         \
                 KILN_VALUES(4, 8, 16, 32), .default_value = 8},                                                 \
                {.name = "sa", .help = "stage tiles of A in local memory (0/1)", KILN_VALUES(0, 1),              \
                 .default_value = 0},                                                                            \
                {.name = "sb", .help = "stage tiles of B in local memory (0/1)", KILN_VALUES(0, 1),              \
                 .default_value = 0},                                                                            \
                {.name = "la", .help = "work-items side by side along a row of A's tile when copying it",       \
                 KILN_VALUES(2, 8, 32), .default_value = 2},                                                     \
                {.name = "lb", .help = "work-items side by side along a row of B's tile when copying it",       \
                 KILN_VALUES(2, 8, 32), .default_value = 2},                                                     \
                {.name = "pad", .help = "extra elements per row of the local tiles (0/1)", KILN_VALUES(0, 1),    \
                 .default_value = 0},                                                                            \
                {.name = "vwg", .help = "vector width of the global loads into local memory",                    \
                 KILN_VALUES(1, 2, 4), .default_value = 1},                                                      \
                {.name = "vwm", .help = "vector width of the local reads of A (with ta = 1)",                    \
                 KILN_VALUES(1, 2, 4), .default_value = 1},                                                      \
                {.name = "vwn", .help = "vector width along n: reads of B, accumulators, stores of C",           \
                 KILN_VALUES(1, 2, 4), .default_value = 1},                                                      \
                {.name = "ta", .help = "A's local tile stored transposed, k-major (0/1)", KILN_VALUES(0, 1),     \
                 .default_value = 0},                                                                            \
                {.name = "db", .help = "double-buffer the local tiles (copy tile k+1 during tile k)",            \
                 KILN_VALUES(0, 1), .default_value = 0},                                                         \
                {.name = "pf", .help = "with db: load tile k+1 into registers before computing tile k, store "   \
                 "it after", KILN_VALUES(0, 1), .default_value = 0},                                              \
                {.name = "ku", .help = "unroll of the loop over one k tile (0: fully)", KILN_VALUES(1, 4, 0),    \
                 .default_value = 1},                                                                            \
                {.name = "strided", .help = "outputs of a work-item spaced by the group (1) or contiguous (0)",   \
                 KILN_VALUES(0, 1), .default_value = 0})

/* a_rows / a_cols: A's tile as its global array holds it (rows x contiguous
 * columns); the same for B; esz: bytes per element. */
#define GEMM_CONSTRAINTS(a_rows, a_cols, b_rows, b_cols, esz)                                                   \
    KILN_CONSTRAINTS(                                                                                            \
        "mwg % mdim == 0 && mwg / mdim <= 8", "nwg % ndim == 0 && nwg / ndim <= 8", "mdim * ndim <= max_wg_size", \
        "ta == 0 || sa == 1", "db + pad == 0 || sa + sb > 0", "sa == 1 || la == 2", "sb == 1 || lb == 2",      \
        "(nwg / ndim) % vwn == 0 && nx % vwn == 0", "vwm == 1 || (ta == 1 && (mwg / mdim) % vwm == 0)",          \
        "vwg == 1 || (sa + sb > 0 && nx % vwg == 0 && (ny == 1 || ny % vwg == 0) && (nz == 1 || nz % vwg == 0))", \
        "sa == 0 || ((mdim * ndim) % la == 0 && (" a_cols " / vwg) % la == 0 && " a_rows                        \
        " % (mdim * ndim / la) == 0)",                                                                           \
        "sb == 0 || ((mdim * ndim) % lb == 0 && (" b_cols " / vwg) % lb == 0 && " b_rows                        \
        " % (mdim * ndim / lb) == 0)",                                                                           \
        "(sa * (ta == 1 ? kwg * (mwg + pad) : mwg * (kwg + pad)) + sb * kwg * (nwg + pad)) * " esz               \
        " * (db + 1) <= local_mem_bytes",                                                                        \
        "ku == 0 || kwg % ku == 0", "pf == 0 || db == 1")

#define GEMM_KERNEL(id, kname, summary_text, a_rows, a_cols, b_rows, b_cols, esz, elem, bytes_fn)             \
    const kiln_kernel kiln_kernel_gemm_##id = {                                                                 \
        .name = kname,                                                                                           \
        .summary = summary_text,                                                                                 \
        KILN_ARGS({"m", KILN_I32, KILN_IN, 1, NULL, 0}, {"n", KILN_I32, KILN_IN, 1, NULL, 0},                   \
                  {"k", KILN_I32, KILN_IN, 1, NULL, 0}, {"a", elem, KILN_IN, 0, gemm_count_a, 0},               \
                  {"b", elem, KILN_IN, 0, gemm_count_b, 0}, {"c", elem, KILN_OUT, 0, gemm_count_c, 0}),          \
        GEMM_PARAMS,                                                                                             \
        GEMM_CONSTRAINTS(a_rows, a_cols, b_rows, b_cols, esz),                                                   \
        .default_size = {3, {256, 256, 256}},                                                                    \
        .langs = (1u << KILN_LANG_CL) | (1u << KILN_LANG_C),                                                     \
        .build = gemm_build_##id,                                                                                \
        .inputs = gemm_inputs_##id,                                                                              \
        .reference = gemm_reference_##id,                                                                        \
        .geometry = gemm_geometry,                                                                               \
        .flops = gemm_flops,                                                                                     \
        .bytes = bytes_fn,                                                                                       \
    }

GEMM_KERNEL(nn, "gemm", "C = A B (f32, row-major; size N or NxMxK)", "mwg", "kwg", "kwg", "nwg", "4", KILN_F32,
            gemm_bytes_f32);
GEMM_KERNEL(tn, "gemm_tn", "C = A^T B (f32, A stored k x m)", "kwg", "mwg", "kwg", "nwg", "4", KILN_F32,
            gemm_bytes_f32);
GEMM_KERNEL(nt, "gemm_nt", "C = A B^T (f32, B stored n x k)", "mwg", "kwg", "nwg", "kwg", "4", KILN_F32,
            gemm_bytes_f32);
GEMM_KERNEL(f64_nn, "gemm_f64", "C = A B (f64, row-major; size N or NxMxK)", "mwg", "kwg", "kwg", "nwg", "8",
            KILN_F64, gemm_bytes_f64);
GEMM_KERNEL(f64_tn, "gemm_f64_tn", "C = A^T B (f64, A stored k x m)", "kwg", "mwg", "kwg", "nwg", "8", KILN_F64,
            gemm_bytes_f64);
GEMM_KERNEL(f64_nt, "gemm_f64_nt", "C = A B^T (f64, B stored n x k)", "mwg", "kwg", "nwg", "kwg", "8", KILN_F64,
            gemm_bytes_f64);
