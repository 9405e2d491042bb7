/*
 * stiffness.c: the isotropic elastic stiffness kernel of SPECFEM3D without
 * attenuation, in f32 (specfem.stiffness) and f64 (specfem.stiffness_f64).
 *
 * For element e and its local point (i, j, k), with u gathered through ibool:
 *   t1 = sum_l hprime[i][l] u(l, j, k), t2 and t3 the same along j and k
 *   grad u = inverse Jacobian applied to (t1, t2, t3)     (xi_x ... gamma_z)
 *   sigma = lambda tr(eps) I + 2 mu eps, lambda + 2 mu = kappa + 4/3 mu
 *   T_r = J sigma . grad r for r = xi, eta, gamma         (J = 1 / det inverse)
 *   f(i, j, k) = -(w_j w_k sum_l hprimewgll[l][i] T_xi(l, j, k)
 *                 + w_i w_k sum_l hprimewgll[l][j] T_eta(i, l, k)
 *                 + w_i w_j sum_l hprimewgll[l][k] T_gamma(i, j, l))
 * with hprimewgll[l][i] = w_l hprime[l][i]; f is added to accel at ibool.
 *
 * One work-group of 128 * epg work-items handles epg elements, one point per
 * work-item (125 of each 128 busy). Tuned: assembly by atomic adds or plain
 * adds (safe within one colour), full unroll of the 5-point loops, elements
 * per work-group, local-memory staging of the derivative matrices and of the
 * gathered displacement (else each derivative reads global memory through
 * ibool).
 *
 * FLOPs per point, counted from the description (an FMA counts as 2): the
 * three derivatives of three components 9 x 10, the gradients 9 x 5, the
 * Jacobian determinant and its inverse 15, lambda and lambda + 2 mu 4, the
 * stresses 3 x 5 + 3 x 2, the nine T terms 9 x 6, the weak divergence 9 x 10,
 * the weighted sums and their negation 3 x 6, the assembly 3: 340, i.e.
 * 42,500 per element.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernels/specfem/specfem_int.h"

#define FLOPS_PER_POINT (9 * 10 + 9 * 5 + 15 + 4 + 3 * 5 + 3 * 2 + 9 * 6 + 9 * 10 + 3 * 6 + 3)
/* Rounding steps along the longest chain of one output value (derivative,
 * gradient, stress, T term, divergence, weighting, assembly of 8 elements). */
#define TERMS 64

double specfem_stiffness_flops_per_element(void)
{
    return (double)FLOPS_PER_POINT * SPECFEM_NGLL3;
}

static const char *const inv_names[9] = {"xix", "xiy", "xiz", "etax", "etay", "etaz", "gammax", "gammay", "gammaz"};

/* What the description works with while it builds. */
typedef struct stiff_b {
    kiln_ctx *ctx;
    kiln_type t;
    int unroll;
    kiln_var *hprime, *hprimewgll, *wgllwgll; /* global or local copies */
    kiln_var *displ, *ibool, *field[3];       /* field: local copies of the gathered displacement, or NULL */
    kiln_var *slot_base, *elem_base;          /* slot * 128, ispec * 128 */
    kiln_var *offset;                         /* ispec * 128 + p */
    /* attenuation (NULL without): memory variables R[q] (3 per point) of the
     * deviatoric components q = xx, yy, xy, xz, yz, the strain deviator eps[q]
     * of the last step, and the standard linear solids' factors */
    kiln_var *R[5], *eps[5], *factor, *alpha, *beta, *gamma;
} stiff_b;

static kiln_node *ref(stiff_b *b, kiln_var *v)
{
    return kiln_ref(b->ctx, v);
}

/* hprime-like matrix entry [row][col] of a 25-entry array. */
static kiln_node *mat(stiff_b *b, kiln_var *m, kiln_node *row, kiln_node *col)
{
    return kiln_at(b->ctx, m, kiln_add(b->ctx, kiln_muli(b->ctx, row, SPECFEM_NGLL), col));
}

/* Local point index i + 5 j + 25 k. */
static kiln_node *point(stiff_b *b, kiln_node *i, kiln_node *j, kiln_node *k)
{
    return kiln_sum(b->ctx, i, kiln_muli(b->ctx, j, SPECFEM_NGLL), kiln_muli(b->ctx, k, SPECFEM_NGLL2));
}

/* Component c of the displacement at local point q of this work-item's element. */
static kiln_node *displ_at(stiff_b *b, int c, kiln_node *q)
{
    kiln_ctx *ctx = b->ctx;
    if (b->field[0])
        return kiln_at(ctx, b->field[c], kiln_add(ctx, ref(b, b->slot_base), q));
    kiln_node *g = kiln_at(ctx, b->ibool, kiln_add(ctx, ref(b, b->elem_base), q));
    return kiln_at(ctx, b->displ, kiln_addi(ctx, kiln_muli(ctx, g, 3), c));
}

static kiln_node *nonzero(kiln_ctx *ctx, kiln_var *v)
{
    return kiln_ne(ctx, kiln_ref(ctx, v), kiln_int(ctx, 0));
}

static kiln_var *decl_zero(stiff_b *b, const char *name)
{
    return kiln_decl(b->ctx, name, b->t, kiln_lit(b->ctx, b->t, 0.0));
}

/* The 5-point sums of one stage, for r = xi, eta, gamma and each component c:
 * stage 1: acc[r][c] += hprime[ijk_r][l] * u_c(point with index r set to l),
 * stage 2: acc[r][c] += hprimewgll[l][ijk_r] * T[r][c](the same point). */
static void five_point_sums(stiff_b *b, int stage, kiln_var *ijk[3], kiln_var *acc[3][3], kiln_var *T[3][3])
{
    kiln_ctx *ctx = b->ctx;
    kiln_var *l = kiln_for_begin(ctx, "l", kiln_int(ctx, 0), kiln_int(ctx, SPECFEM_NGLL), kiln_int(ctx, 1));
    for (int r = 0; r < 3; r++) {
        kiln_node *idx[3] = {ref(b, ijk[0]), ref(b, ijk[1]), ref(b, ijk[2])};
        idx[r] = ref(b, l);
        kiln_node *q = point(b, idx[0], idx[1], idx[2]);
        kiln_node *w = stage == 1 ? mat(b, b->hprime, ref(b, ijk[r]), ref(b, l))
                                  : mat(b, b->hprimewgll, ref(b, l), ref(b, ijk[r]));
        char wname[8];
        snprintf(wname, sizeof wname, "w%d", r + 1);
        kiln_var *wv = kiln_decl_const(ctx, wname, b->t, w);
        for (int c = 0; c < 3; c++) {
            kiln_node *v =
                stage == 1 ? displ_at(b, c, q) : kiln_at(ctx, T[r][c], kiln_add(ctx, ref(b, b->slot_base), q));
            kiln_assign_op(ctx, KILN_ADD, ref(b, acc[r][c]), kiln_mul(ctx, ref(b, wv), v));
        }
    }
    kiln_for_end_unroll(ctx, b->unroll ? 0 : 1);
}

static kiln_node *dot3(kiln_ctx *ctx, kiln_node *a0, kiln_node *b0, kiln_node *a1, kiln_node *b1, kiln_node *a2,
                       kiln_node *b2)
{
    return kiln_sum(ctx, kiln_mul(ctx, a0, b0), kiln_mul(ctx, a1, b1), kiln_mul(ctx, a2, b2));
}

/* Three standard linear solids: returns in sumR[q] the sum of the memory
 * variables of component q (taken from the stress), and updates them,
 *   R_l = alpha_l R_l + beta_l f_l mu eps_old + gamma_l f_l mu eps_new,
 * with eps the strain deviator (eps_new stored for the next step). */
static void attenuation(stiff_b *b, kiln_var *g[3][3], kiln_var *mu, kiln_var *sumR[5])
{
    kiln_ctx *ctx = b->ctx;
    static const char *const q_names[5] = {"xx", "yy", "xy", "xz", "yz"};
    static const int off[3][2] = {{0, 1}, {0, 2}, {1, 2}};
    kiln_var *tr3 = kiln_decl_const(ctx, "tr3", b->t,
                                    kiln_mul(ctx, kiln_lit(ctx, b->t, 1.0 / 3.0),
                                             kiln_sum(ctx, ref(b, g[0][0]), ref(b, g[1][1]), ref(b, g[2][2]))));
    kiln_var *enew[5], *eold[5];
    char name[32];
    for (int q = 0; q < 5; q++) {
        kiln_node *e;
        if (q < 2)
            e = kiln_sub(ctx, ref(b, g[q][q]), ref(b, tr3));
        else
            e = kiln_mul(
                ctx, kiln_lit(ctx, b->t, 0.5),
                kiln_add(ctx, ref(b, g[off[q - 2][0]][off[q - 2][1]]), ref(b, g[off[q - 2][1]][off[q - 2][0]])));
        snprintf(name, sizeof name, "e_%s", q_names[q]);
        enew[q] = kiln_decl_const(ctx, name, b->t, e);
        snprintf(name, sizeof name, "eold_%s", q_names[q]);
        eold[q] = kiln_decl_const(ctx, name, b->t, kiln_at(ctx, b->eps[q], ref(b, b->offset)));
        kiln_assign(ctx, kiln_at(ctx, b->eps[q], ref(b, b->offset)), ref(b, enew[q]));
        snprintf(name, sizeof name, "sum_r%s", q_names[q]);
        sumR[q] = decl_zero(b, name);
    }
    for (int l = 0; l < 3; l++) {
        kiln_node *at = kiln_addi(ctx, kiln_muli(ctx, ref(b, b->offset), 3), l);
        snprintf(name, sizeof name, "fmu%d", l);
        kiln_var *fmu = kiln_decl_const(ctx, name, b->t, kiln_mul(ctx, kiln_at(ctx, b->factor, at), ref(b, mu)));
        for (int q = 0; q < 5; q++) {
            snprintf(name, sizeof name, "r%d_%s", l, q_names[q]);
            kiln_node *here = kiln_addi(ctx, kiln_muli(ctx, ref(b, b->offset), 3), l);
            kiln_var *r = kiln_decl_const(ctx, name, b->t, kiln_at(ctx, b->R[q], here));
            kiln_assign_op(ctx, KILN_ADD, ref(b, sumR[q]), ref(b, r));
            kiln_node *upd = kiln_sum(
                ctx, kiln_mul(ctx, kiln_at(ctx, b->alpha, kiln_int(ctx, l)), ref(b, r)),
                kiln_mul(ctx, kiln_mul(ctx, kiln_at(ctx, b->beta, kiln_int(ctx, l)), ref(b, fmu)), ref(b, eold[q])),
                kiln_mul(ctx, kiln_mul(ctx, kiln_at(ctx, b->gamma, kiln_int(ctx, l)), ref(b, fmu)), ref(b, enew[q])));
            kiln_assign(ctx, kiln_at(ctx, b->R[q], kiln_addi(ctx, kiln_muli(ctx, ref(b, b->offset), 3), l)), upd);
        }
    }
}

/* Stage 1 for this work-item's point: derivatives, stress, and the T terms into the local arrays. */
static void stage_one(stiff_b *b, kiln_var *ijk[3], kiln_var *inv[9], kiln_var *kappa, kiln_var *mu, kiln_var *T[3][3])
{
    kiln_ctx *ctx = b->ctx;
    kiln_var *acc[3][3];
    static const char *const names[3][3] = {{"t1x", "t1y", "t1z"}, {"t2x", "t2y", "t2z"}, {"t3x", "t3y", "t3z"}};
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 3; c++)
            acc[r][c] = decl_zero(b, names[r][c]);
    five_point_sums(b, 1, ijk, acc, NULL);

    kiln_var *g[3][3]; /* g[c][d] = du_c / dx_d = sum_r inv[r][d] acc[r][c] */
    static const char *const gnames[3][3] = {
        {"duxdx", "duxdy", "duxdz"}, {"duydx", "duydy", "duydz"}, {"duzdx", "duzdy", "duzdz"}};
    for (int c = 0; c < 3; c++)
        for (int d = 0; d < 3; d++)
            g[c][d] = kiln_decl_const(ctx, gnames[c][d], b->t,
                                      dot3(ctx, ref(b, inv[d]), ref(b, acc[0][c]), ref(b, inv[3 + d]),
                                           ref(b, acc[1][c]), ref(b, inv[6 + d]), ref(b, acc[2][c])));
#define INV(a, d) ref(b, inv[(a)*3 + (d)])
    kiln_node *det = kiln_sum(
        ctx,
        kiln_mul(ctx, INV(0, 0),
                 kiln_sub(ctx, kiln_mul(ctx, INV(1, 1), INV(2, 2)), kiln_mul(ctx, INV(1, 2), INV(2, 1)))),
        kiln_neg(ctx,
                 kiln_mul(ctx, INV(0, 1),
                          kiln_sub(ctx, kiln_mul(ctx, INV(1, 0), INV(2, 2)), kiln_mul(ctx, INV(1, 2), INV(2, 0))))),
        kiln_mul(ctx, INV(0, 2),
                 kiln_sub(ctx, kiln_mul(ctx, INV(1, 0), INV(2, 1)), kiln_mul(ctx, INV(1, 1), INV(2, 0)))));
    kiln_var *jac = kiln_decl_const(ctx, "jac", b->t, kiln_div(ctx, kiln_lit(ctx, b->t, 1.0), det));
    kiln_var *l2m = kiln_decl_const(
        ctx, "l2m", b->t, kiln_add(ctx, ref(b, kappa), kiln_mul(ctx, kiln_lit(ctx, b->t, 4.0 / 3.0), ref(b, mu))));
    kiln_var *lam = kiln_decl_const(ctx, "lam", b->t,
                                    kiln_sub(ctx, ref(b, l2m), kiln_mul(ctx, kiln_lit(ctx, b->t, 2.0), ref(b, mu))));
    kiln_var *sumR[5] = {NULL};
    if (b->R[0])
        attenuation(b, g, mu, sumR);
    kiln_var *s[3][3];
    static const char *const snames[3] = {"sxx", "syy", "szz"};
    for (int c = 0; c < 3; c++) {
        int o1 = (c + 1) % 3, o2 = (c + 2) % 3;
        kiln_node *el = kiln_add(ctx, kiln_mul(ctx, ref(b, l2m), ref(b, g[c][c])),
                                 kiln_mul(ctx, ref(b, lam), kiln_add(ctx, ref(b, g[o1][o1]), ref(b, g[o2][o2]))));
        if (sumR[0]) /* sigma_zz takes R_xx + R_yy: the memory variables are deviatoric */
            el = c < 2 ? kiln_sub(ctx, el, ref(b, sumR[c]))
                       : kiln_add(ctx, el, kiln_add(ctx, ref(b, sumR[0]), ref(b, sumR[1])));
        s[c][c] = kiln_decl_const(ctx, snames[c], b->t, el);
    }
    static const char *const onames[3] = {"sxy", "sxz", "syz"};
    static const int pairs[3][2] = {{0, 1}, {0, 2}, {1, 2}};
    for (int q = 0; q < 3; q++) {
        int c = pairs[q][0], d = pairs[q][1];
        kiln_node *el = kiln_mul(ctx, ref(b, mu), kiln_add(ctx, ref(b, g[c][d]), ref(b, g[d][c])));
        if (sumR[0])
            el = kiln_sub(ctx, el, ref(b, sumR[2 + q]));
        s[c][d] = s[d][c] = kiln_decl_const(ctx, onames[q], b->t, el);
    }
    /* T_r component c = J sum_d sigma[c][d] inv[r][d] */
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 3; c++)
            kiln_assign(
                ctx,
                kiln_at(ctx, T[r][c],
                        kiln_add(ctx, ref(b, b->slot_base), point(b, ref(b, ijk[0]), ref(b, ijk[1]), ref(b, ijk[2])))),
                kiln_mul(
                    ctx, ref(b, jac),
                    dot3(ctx, ref(b, s[c][0]), INV(r, 0), ref(b, s[c][1]), INV(r, 1), ref(b, s[c][2]), INV(r, 2))));
#undef INV
}

/* Stage 2: the weak divergence of this point, added to accel. */
static void stage_two(stiff_b *b, kiln_var *ijk[3], kiln_var *T[3][3], kiln_var *accel, kiln_var *iglob, int atomic)
{
    kiln_ctx *ctx = b->ctx;
    kiln_var *acc[3][3];
    static const char *const names[3][3] = {{"n1x", "n1y", "n1z"}, {"n2x", "n2y", "n2z"}, {"n3x", "n3y", "n3z"}};
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 3; c++)
            acc[r][c] = decl_zero(b, names[r][c]);
    five_point_sums(b, 2, ijk, acc, T);
    kiln_node *i = ref(b, ijk[0]), *j = ref(b, ijk[1]), *k = ref(b, ijk[2]);
    kiln_var *fac1 = kiln_decl_const(ctx, "fac1", b->t, mat(b, b->wgllwgll, k, j));
    kiln_var *fac2 = kiln_decl_const(ctx, "fac2", b->t, mat(b, b->wgllwgll, ref(b, ijk[2]), i));
    kiln_var *fac3 = kiln_decl_const(ctx, "fac3", b->t, mat(b, b->wgllwgll, ref(b, ijk[1]), ref(b, ijk[0])));
    for (int c = 0; c < 3; c++) {
        kiln_node *f = kiln_neg(ctx, dot3(ctx, ref(b, fac1), ref(b, acc[0][c]), ref(b, fac2), ref(b, acc[1][c]),
                                          ref(b, fac3), ref(b, acc[2][c])));
        kiln_node *dst = kiln_at(ctx, accel, kiln_addi(ctx, kiln_muli(ctx, ref(b, iglob), 3), c));
        if (atomic)
            kiln_atomic_add(ctx, dst, f);
        else
            kiln_assign_op(ctx, KILN_ADD, dst, f);
    }
}

static const char *const att_r_names[5] = {"R_xx", "R_yy", "R_xy", "R_xz", "R_yz"};
static const char *const att_eps_names[5] = {"epsilondev_xx", "epsilondev_yy", "epsilondev_xy", "epsilondev_xz",
                                             "epsilondev_yz"};

static kiln_proc *stiffness_build_typed(kiln_ctx *ctx, const kiln_config *cfg, kiln_scalar elem, const char *name,
                                        int att)
{
    int colour = (int)kiln_config_get(cfg, "assembly", 0);
    int epg = (int)kiln_config_get(cfg, "epg", 1);
    int local_hprime = (int)kiln_config_get(cfg, "local_hprime", 1);
    int local_displ = (int)kiln_config_get(cfg, "local_displ", 1);
    stiff_b B = {.ctx = ctx, .t = {elem, 1}, .unroll = (int)kiln_config_get(cfg, "unroll", 0)}, *b = &B;
    if (!colour && elem == KILN_F64) {
        kiln_fail(ctx, "stiffness: f64 has no atomic add; use assembly=1 (colouring)");
        return NULL;
    }
    if (epg < 1 || epg > 8) {
        kiln_fail(ctx, "stiffness: epg %d must lie in 1..8", epg);
        return NULL;
    }
    int wg = SPECFEM_NGLL3_PADDED * epg;
    kiln_proc *proc = kiln_kernel_begin(ctx, name);
    kiln_proc_reqd_wg(proc, wg, 1, 1);
    kiln_type i32 = KILN_T(I32), t = b->t;
    kiln_var *nelem = kiln_arg_scalar(ctx, "nelem", i32), *first = kiln_arg_scalar(ctx, "first", i32);
    kiln_var *nspec = kiln_arg_scalar(ctx, "nspec", i32), *nglob = kiln_arg_scalar(ctx, "nglob", i32);
    kiln_node *npts = kiln_muli(ctx, kiln_ref(ctx, nspec), SPECFEM_NGLL3_PADDED);
    kiln_node *nfield = kiln_muli(ctx, kiln_ref(ctx, nglob), 3);
    kiln_var *elems = kiln_arg_array(ctx, "elems", i32, KILN_IN, kiln_ref(ctx, nspec));
    b->ibool = kiln_arg_array(ctx, "ibool", i32, KILN_IN, npts);
    b->displ = kiln_arg_array(ctx, "displ", t, KILN_IN, nfield);
    kiln_var *accel = kiln_arg_array(ctx, "accel", t, KILN_INOUT, nfield);
    kiln_var *inv_arg[9];
    for (int d = 0; d < 9; d++)
        inv_arg[d] = kiln_arg_array(ctx, inv_names[d], t, KILN_IN, npts);
    kiln_var *kappa_arg = kiln_arg_array(ctx, "kappav", t, KILN_IN, npts);
    kiln_var *mu_arg = kiln_arg_array(ctx, "muv", t, KILN_IN, npts);
    kiln_var *hp = kiln_arg_array(ctx, "hprime", t, KILN_IN, kiln_int(ctx, SPECFEM_NGLL2));
    kiln_var *hpw = kiln_arg_array(ctx, "hprimewgll", t, KILN_IN, kiln_int(ctx, SPECFEM_NGLL2));
    b->wgllwgll = kiln_arg_array(ctx, "wgllwgll", t, KILN_IN, kiln_int(ctx, SPECFEM_NGLL2));
    if (att) {
        for (int q = 0; q < 5; q++)
            b->R[q] = kiln_arg_array(ctx, att_r_names[q], t, KILN_INOUT,
                                     kiln_muli(ctx, kiln_ref(ctx, nspec), 3 * SPECFEM_NGLL3_PADDED));
        for (int q = 0; q < 5; q++)
            b->eps[q] = kiln_arg_array(ctx, att_eps_names[q], t, KILN_INOUT,
                                       kiln_muli(ctx, kiln_ref(ctx, nspec), SPECFEM_NGLL3_PADDED));
        b->factor = kiln_arg_array(ctx, "factor_common", t, KILN_IN,
                                   kiln_muli(ctx, kiln_ref(ctx, nspec), 3 * SPECFEM_NGLL3_PADDED));
        b->alpha = kiln_arg_array(ctx, "alphaval", t, KILN_IN, kiln_int(ctx, 3));
        b->beta = kiln_arg_array(ctx, "betaval", t, KILN_IN, kiln_int(ctx, 3));
        b->gamma = kiln_arg_array(ctx, "gammaval", t, KILN_IN, kiln_int(ctx, 3));
    }
    kiln_comment(ctx, "assembly %s, unroll %d, %d element(s) per group, local hprime %d, local displ %d",
                 colour ? "by colour" : "atomic", b->unroll, epg, local_hprime, local_displ);

    kiln_var *T[3][3];
    static const char *const tnames[3][3] = {
        {"s_t1x", "s_t1y", "s_t1z"}, {"s_t2x", "s_t2y", "s_t2z"}, {"s_t3x", "s_t3y", "s_t3z"}};
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 3; c++)
            T[r][c] = kiln_decl_shared(ctx, tnames[r][c], t, wg);
    b->hprime = hp;
    b->hprimewgll = hpw;
    if (local_hprime) {
        b->hprime = kiln_decl_shared(ctx, "s_hprime", t, SPECFEM_NGLL2);
        b->hprimewgll = kiln_decl_shared(ctx, "s_hprimewgll", t, SPECFEM_NGLL2);
    }
    if (local_displ) {
        static const char *const fnames[3] = {"s_dx", "s_dy", "s_dz"};
        for (int c = 0; c < 3; c++)
            b->field[c] = kiln_decl_shared(ctx, fnames[c], t, wg);
    }

    kiln_var *lid = kiln_decl_const(ctx, "lid", i32, kiln_cast(ctx, i32, kiln_local_id(ctx, 0)));
    kiln_var *p =
        kiln_decl_const(ctx, "p", i32, kiln_mod(ctx, kiln_ref(ctx, lid), kiln_int(ctx, SPECFEM_NGLL3_PADDED)));
    kiln_var *slot =
        kiln_decl_const(ctx, "slot", i32, kiln_div(ctx, kiln_ref(ctx, lid), kiln_int(ctx, SPECFEM_NGLL3_PADDED)));
    b->slot_base = kiln_decl_const(ctx, "slot_base", i32, kiln_muli(ctx, kiln_ref(ctx, slot), SPECFEM_NGLL3_PADDED));
    kiln_var *e = kiln_decl_const(
        ctx, "e", i32,
        kiln_add(ctx, kiln_muli(ctx, kiln_cast(ctx, i32, kiln_group_id(ctx, 0)), epg), kiln_ref(ctx, slot)));
    kiln_var *active =
        kiln_decl_const(ctx, "active", i32,
                        kiln_select(ctx,
                                    kiln_and(ctx, kiln_lt(ctx, kiln_ref(ctx, p), kiln_int(ctx, SPECFEM_NGLL3)),
                                             kiln_lt(ctx, kiln_ref(ctx, e), kiln_ref(ctx, nelem))),
                                    kiln_int(ctx, 1), kiln_int(ctx, 0)));
    kiln_var *ispec = kiln_decl_const(
        ctx, "ispec", i32,
        kiln_select(ctx, nonzero(ctx, active),
                    kiln_at(ctx, elems, kiln_add(ctx, kiln_ref(ctx, first), kiln_ref(ctx, e))), kiln_int(ctx, 0)));
    b->elem_base = kiln_decl_const(ctx, "elem_base", i32, kiln_muli(ctx, kiln_ref(ctx, ispec), SPECFEM_NGLL3_PADDED));
    kiln_var *offset =
        kiln_decl_const(ctx, "offset", i32, kiln_add(ctx, kiln_ref(ctx, b->elem_base), kiln_ref(ctx, p)));
    b->offset = offset;
    kiln_var *iglob = kiln_decl_const(
        ctx, "iglob", i32,
        kiln_select(ctx, nonzero(ctx, active), kiln_at(ctx, b->ibool, kiln_ref(ctx, offset)), kiln_int(ctx, 0)));
    kiln_var *ijk[3];
    ijk[0] = kiln_decl_const(ctx, "i", i32, kiln_mod(ctx, kiln_ref(ctx, p), kiln_int(ctx, SPECFEM_NGLL)));
    ijk[1] = kiln_decl_const(
        ctx, "j", i32,
        kiln_mod(ctx, kiln_div(ctx, kiln_ref(ctx, p), kiln_int(ctx, SPECFEM_NGLL)), kiln_int(ctx, SPECFEM_NGLL)));
    ijk[2] = kiln_decl_const(ctx, "k", i32, kiln_div(ctx, kiln_ref(ctx, p), kiln_int(ctx, SPECFEM_NGLL2)));

    if (local_hprime) {
        kiln_if_begin(ctx, kiln_lt(ctx, kiln_ref(ctx, lid), kiln_int(ctx, SPECFEM_NGLL2)));
        kiln_assign(ctx, kiln_at(ctx, b->hprime, kiln_ref(ctx, lid)), kiln_at(ctx, hp, kiln_ref(ctx, lid)));
        kiln_assign(ctx, kiln_at(ctx, b->hprimewgll, kiln_ref(ctx, lid)), kiln_at(ctx, hpw, kiln_ref(ctx, lid)));
        kiln_if_end(ctx);
    }
    if (local_displ) {
        kiln_if_begin(ctx, nonzero(ctx, active));
        for (int c = 0; c < 3; c++)
            kiln_assign(ctx, kiln_at(ctx, b->field[c], kiln_ref(ctx, lid)),
                        kiln_at(ctx, b->displ, kiln_addi(ctx, kiln_muli(ctx, kiln_ref(ctx, iglob), 3), c)));
        kiln_if_end(ctx);
    }
    if (local_hprime || local_displ)
        kiln_barrier(ctx, KILN_FENCE_LOCAL);

    kiln_if_begin(ctx, nonzero(ctx, active));
    kiln_var *inv[9];
    static const char *const lnames[9] = {"xixl",  "xiyl",    "xizl",    "etaxl",  "etayl",
                                          "etazl", "gammaxl", "gammayl", "gammazl"};
    for (int d = 0; d < 9; d++)
        inv[d] = kiln_decl_const(ctx, lnames[d], t, kiln_at(ctx, inv_arg[d], kiln_ref(ctx, offset)));
    kiln_var *kappal = kiln_decl_const(ctx, "kappal", t, kiln_at(ctx, kappa_arg, kiln_ref(ctx, offset)));
    kiln_var *mul = kiln_decl_const(ctx, "mul", t, kiln_at(ctx, mu_arg, kiln_ref(ctx, offset)));
    stage_one(b, ijk, inv, kappal, mul, T);
    kiln_if_end(ctx);
    kiln_barrier(ctx, KILN_FENCE_LOCAL);
    kiln_if_begin(ctx, nonzero(ctx, active));
    stage_two(b, ijk, T, accel, iglob, !colour);
    kiln_if_end(ctx);
    return kiln_proc_end(ctx);
}

static kiln_proc *stiffness_build_f32(kiln_ctx *ctx, const kiln_config *cfg, const kiln_size *size)
{
    (void)size;
    return stiffness_build_typed(ctx, cfg, KILN_F32, "specfem_stiffness", 0);
}

static kiln_proc *stiffness_build_f64(kiln_ctx *ctx, const kiln_config *cfg, const kiln_size *size)
{
    (void)size;
    return stiffness_build_typed(ctx, cfg, KILN_F64, "specfem_stiffness_f64", 0);
}

static kiln_proc *stiffness_build_att(kiln_ctx *ctx, const kiln_config *cfg, const kiln_size *size)
{
    (void)size;
    return stiffness_build_typed(ctx, cfg, KILN_F32, "specfem_stiffness_att", 1);
}

/* ---- inputs and the reference ----------------------------------------- */

static void put_all(void *dst, kiln_scalar elem, const double *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        specfem_put(dst, elem, i, src[i]);
}

void specfem_stiffness_fill(kiln_args *args, const specfem_mesh *m, kiln_scalar elem)
{
    size_t npts = (size_t)m->nspec * SPECFEM_NGLL3_PADDED;
    *(int32_t *)kiln_args_ptr(args, "nelem") = m->colour_start[1];
    *(int32_t *)kiln_args_ptr(args, "first") = 0;
    *(int32_t *)kiln_args_ptr(args, "nspec") = m->nspec;
    *(int32_t *)kiln_args_ptr(args, "nglob") = m->nglob;
    memcpy(kiln_args_ptr(args, "elems"), m->by_colour, (size_t)m->nspec * sizeof(int32_t));
    memcpy(kiln_args_ptr(args, "ibool"), m->ibool, npts * sizeof(int32_t));
    for (int d = 0; d < 9; d++)
        put_all(kiln_args_ptr(args, inv_names[d]), elem, m->inv[d], npts);
    put_all(kiln_args_ptr(args, "kappav"), elem, m->kappa, npts);
    put_all(kiln_args_ptr(args, "muv"), elem, m->mu, npts);
    void *hp = kiln_args_ptr(args, "hprime"), *hpw = kiln_args_ptr(args, "hprimewgll");
    void *ww = kiln_args_ptr(args, "wgllwgll");
    for (int a = 0; a < SPECFEM_NGLL; a++)
        for (int c = 0; c < SPECFEM_NGLL; c++) {
            specfem_put(hp, elem, (size_t)(a * SPECFEM_NGLL + c), m->gll.hprime[a][c]);
            specfem_put(hpw, elem, (size_t)(a * SPECFEM_NGLL + c), m->gll.w[a] * m->gll.hprime[a][c]);
            specfem_put(ww, elem, (size_t)(a * SPECFEM_NGLL + c), m->gll.w[a] * m->gll.w[c]);
        }
}

static void stiffness_inputs_typed(kiln_args *args, uint64_t seed, kiln_scalar elem)
{
    specfem_mesh *m = specfem_mesh_of(kiln_args_size(args), seed);
    if (!m)
        return;
    specfem_stiffness_fill(args, m, elem);
    uint64_t st = seed ^ 0x5eed5eedULL;
    void *displ = kiln_args_ptr(args, "displ"), *accel = kiln_args_ptr(args, "accel");
    for (size_t i = 0; i < (size_t)m->nglob * 3; i++) {
        specfem_put(displ, elem, i, kiln_rand_uniform(&st, -1.0, 1.0));
        specfem_put(accel, elem, i, kiln_rand_uniform(&st, -1e6, 1e6));
    }
    specfem_mesh_free(m);
}

static void stiffness_inputs_f32(kiln_args *args, uint64_t seed)
{
    stiffness_inputs_typed(args, seed, KILN_F32);
}

static void stiffness_inputs_f64(kiln_args *args, uint64_t seed)
{
    stiffness_inputs_typed(args, seed, KILN_F64);
}

/* In magnitude mode (mag != 0) every value is the sum of |terms| that made it:
 * products of magnitudes, sums of magnitudes. */
#define SUBM(a, b) (mag ? (a) + (b) : (a) - (b))

/* The attenuation of point o (see attenuation()): sumR[q] and the updated
 * memory variables and strain deviator into r_out, e_out (values, or in
 * magnitude mode their magnitudes). */
static void att_point(const specfem_element_in *in, size_t o, const double g[3][3], double mu, int mag, double sumR[5],
                      double *const *r_out, double *const *e_out)
{
    double tr3 = (g[0][0] + g[1][1] + g[2][2]) / 3.0, enew[5];
    enew[0] = SUBM(g[0][0], tr3);
    enew[1] = SUBM(g[1][1], tr3);
    enew[2] = 0.5 * (g[0][1] + g[1][0]);
    enew[3] = 0.5 * (g[0][2] + g[2][0]);
    enew[4] = 0.5 * (g[1][2] + g[2][1]);
    for (int q = 0; q < 5; q++) {
        double eold = mag ? fabs(in->eps[q][o]) : in->eps[q][o];
        e_out[q][o] = enew[q];
        sumR[q] = 0;
        for (int l = 0; l < 3; l++) {
            double r = mag ? fabs(in->R[q][o * 3 + (size_t)l]) : in->R[q][o * 3 + (size_t)l];
            double fmu = in->factor[o * 3 + (size_t)l] * mu;
            sumR[q] += r;
            r_out[q][o * 3 + (size_t)l] = in->alpha[l] * r + in->beta[l] * fmu * eold + in->gamma[l] * fmu * enew[q];
        }
    }
}

static void element_pass(const specfem_element_in *in, int ispec, int mag, double out[SPECFEM_NGLL3][3],
                         double *const *r_out, double *const *e_out)
{
    double T[3][3][SPECFEM_NGLL3];
    const int *ib = &in->ibool[(size_t)ispec * SPECFEM_NGLL3_PADDED];
    double hp[SPECFEM_NGLL2], hpw[SPECFEM_NGLL2], ww[SPECFEM_NGLL2];
    for (int q = 0; q < SPECFEM_NGLL2; q++) {
        hp[q] = mag ? fabs(in->hprime[q]) : in->hprime[q];
        hpw[q] = mag ? fabs(in->hprimewgll[q]) : in->hprimewgll[q];
        ww[q] = in->wgllwgll[q];
    }
    for (int p = 0; p < SPECFEM_NGLL3; p++) {
        int ijk[3] = {p % 5, (p / 5) % 5, p / 25};
        double acc[3][3] = {{0}};
        for (int r = 0; r < 3; r++)
            for (int l = 0; l < SPECFEM_NGLL; l++) {
                int idx[3] = {ijk[0], ijk[1], ijk[2]};
                idx[r] = l;
                int q = idx[0] + 5 * idx[1] + 25 * idx[2];
                for (int c = 0; c < 3; c++) {
                    double u = in->displ[(size_t)ib[q] * 3 + c];
                    acc[r][c] += hp[ijk[r] * 5 + l] * (mag ? fabs(u) : u);
                }
            }
        size_t o = (size_t)ispec * SPECFEM_NGLL3_PADDED + (size_t)p;
        double v[9], g[3][3];
        for (int d = 0; d < 9; d++)
            v[d] = mag ? fabs(in->inv[d][o]) : in->inv[d][o];
        for (int c = 0; c < 3; c++)
            for (int d = 0; d < 3; d++)
                g[c][d] = v[d] * acc[0][c] + v[3 + d] * acc[1][c] + v[6 + d] * acc[2][c];
        double t0 = in->inv[4][o] * in->inv[8][o] - in->inv[5][o] * in->inv[7][o];
        double t1 = in->inv[3][o] * in->inv[8][o] - in->inv[5][o] * in->inv[6][o];
        double t2 = in->inv[3][o] * in->inv[7][o] - in->inv[4][o] * in->inv[6][o];
        double det = in->inv[0][o] * t0 - in->inv[1][o] * t1 + in->inv[2][o] * t2;
        double jac = 1.0 / det;
        if (mag) { /* 1/det carries the relative error of det's cancelling sum */
            double dm = v[0] * (v[4] * v[8] + v[5] * v[7]) + v[1] * (v[3] * v[8] + v[5] * v[6]) +
                        v[2] * (v[3] * v[7] + v[4] * v[6]);
            jac = fabs(jac) * dm / fabs(det);
        }
        double kap = in->kappa[o], mu = in->mu[o];
        double l2m = kap + 4.0 / 3.0 * mu, lam = SUBM(l2m, 2.0 * mu);
        double s[3][3];
        for (int c = 0; c < 3; c++)
            s[c][c] = l2m * g[c][c] + lam * (g[(c + 1) % 3][(c + 1) % 3] + g[(c + 2) % 3][(c + 2) % 3]);
        s[0][1] = s[1][0] = mu * (g[0][1] + g[1][0]);
        s[0][2] = s[2][0] = mu * (g[0][2] + g[2][0]);
        s[1][2] = s[2][1] = mu * (g[1][2] + g[2][1]);
        if (in->R[0]) {
            double sumR[5];
            att_point(in, o, g, mu, mag, sumR, r_out, e_out);
            s[0][0] = SUBM(s[0][0], sumR[0]);
            s[1][1] = SUBM(s[1][1], sumR[1]);
            s[2][2] += sumR[0] + sumR[1];
            s[0][1] = s[1][0] = SUBM(s[0][1], sumR[2]);
            s[0][2] = s[2][0] = SUBM(s[0][2], sumR[3]);
            s[1][2] = s[2][1] = SUBM(s[1][2], sumR[4]);
        }
        for (int r = 0; r < 3; r++)
            for (int c = 0; c < 3; c++)
                T[r][c][p] = jac * (s[c][0] * v[r * 3] + s[c][1] * v[r * 3 + 1] + s[c][2] * v[r * 3 + 2]);
    }
    for (int p = 0; p < SPECFEM_NGLL3; p++) {
        int ijk[3] = {p % 5, (p / 5) % 5, p / 25};
        double acc[3][3] = {{0}};
        for (int r = 0; r < 3; r++)
            for (int l = 0; l < SPECFEM_NGLL; l++) {
                int idx[3] = {ijk[0], ijk[1], ijk[2]};
                idx[r] = l;
                int q = idx[0] + 5 * idx[1] + 25 * idx[2];
                for (int c = 0; c < 3; c++)
                    acc[r][c] += hpw[l * 5 + ijk[r]] * T[r][c][q];
            }
        double fac[3] = {ww[ijk[2] * 5 + ijk[1]], ww[ijk[2] * 5 + ijk[0]], ww[ijk[1] * 5 + ijk[0]]};
        for (int c = 0; c < 3; c++) {
            double f = fac[0] * acc[0][c] + fac[1] * acc[1][c] + fac[2] * acc[2][c];
            out[p][c] = mag ? f : -f;
        }
    }
}
#undef SUBM

void specfem_element_force(const specfem_element_in *in, int ispec, double force[SPECFEM_NGLL3][3],
                           double mag[SPECFEM_NGLL3][3])
{
    specfem_element_in elastic = *in;
    elastic.R[0] = NULL;
    element_pass(&elastic, ispec, 0, force, NULL, NULL);
    if (mag)
        element_pass(&elastic, ispec, 1, mag, NULL, NULL);
}

/* The arguments of a stiffness kernel as doubles (freed by in_free). */
static int in_of(kiln_args *args, kiln_scalar elem, int att, specfem_element_in *in, double **own, int *nown)
{
    memset(in, 0, sizeof *in);
    const kiln_size *size = kiln_args_size(args);
    size_t npts = specfem_count_points(size);
    int n = 0;
    in->ibool = kiln_args_ptr(args, "ibool");
    own[n++] = specfem_doubles(kiln_args_ptr(args, "displ"), elem, specfem_count_field(size));
    in->displ = own[n - 1];
    for (int d = 0; d < 9; d++) {
        own[n++] = specfem_doubles(kiln_args_ptr(args, inv_names[d]), elem, npts);
        in->inv[d] = own[n - 1];
    }
    own[n++] = specfem_doubles(kiln_args_ptr(args, "kappav"), elem, npts);
    in->kappa = own[n - 1];
    own[n++] = specfem_doubles(kiln_args_ptr(args, "muv"), elem, npts);
    in->mu = own[n - 1];
    own[n++] = specfem_doubles(kiln_args_ptr(args, "hprime"), elem, SPECFEM_NGLL2);
    in->hprime = own[n - 1];
    own[n++] = specfem_doubles(kiln_args_ptr(args, "hprimewgll"), elem, SPECFEM_NGLL2);
    in->hprimewgll = own[n - 1];
    own[n++] = specfem_doubles(kiln_args_ptr(args, "wgllwgll"), elem, SPECFEM_NGLL2);
    in->wgllwgll = own[n - 1];
    for (int q = 0; att && q < 5; q++) {
        own[n++] = specfem_doubles(kiln_args_ptr(args, att_r_names[q]), elem, 3 * npts);
        in->R[q] = own[n - 1];
        own[n++] = specfem_doubles(kiln_args_ptr(args, att_eps_names[q]), elem, npts);
        in->eps[q] = own[n - 1];
    }
    if (att) {
        own[n++] = specfem_doubles(kiln_args_ptr(args, "factor_common"), elem, 3 * npts);
        in->factor = own[n - 1];
        own[n++] = specfem_doubles(kiln_args_ptr(args, "alphaval"), elem, 3);
        in->alpha = own[n - 1];
        own[n++] = specfem_doubles(kiln_args_ptr(args, "betaval"), elem, 3);
        in->beta = own[n - 1];
        own[n++] = specfem_doubles(kiln_args_ptr(args, "gammaval"), elem, 3);
        in->gamma = own[n - 1];
    }
    *nown = n;
    for (int i = 0; i < n; i++)
        if (!own[i])
            return -1;
    return 0;
}

/* Memory variables and strain deviators: every value starts as its input
 * (elements outside the pass keep theirs); the pass rewrites its points'. */
static void att_outputs(kiln_args *args, kiln_scalar elem, double **r_want, double **r_mag, double **e_want,
                        double **e_mag)
{
    size_t npts = specfem_count_points(kiln_args_size(args));
    for (int q = 0; q < 5; q++) {
        r_want[q] = kiln_args_want(args, att_r_names[q]);
        r_mag[q] = kiln_args_magnitude(args, att_r_names[q], 8);
        e_want[q] = kiln_args_want(args, att_eps_names[q]);
        e_mag[q] = kiln_args_magnitude(args, att_eps_names[q], 8);
        const void *r = kiln_args_ptr(args, att_r_names[q]), *e = kiln_args_ptr(args, att_eps_names[q]);
        for (size_t i = 0; i < 3 * npts; i++)
            r_mag[q][i] = fabs(r_want[q][i] = specfem_get(r, elem, i));
        for (size_t i = 0; i < npts; i++)
            e_mag[q][i] = fabs(e_want[q][i] = specfem_get(e, elem, i));
    }
}

static void stiffness_reference_typed(kiln_args *args, kiln_scalar elem, int att)
{
    const kiln_size *size = kiln_args_size(args);
    specfem_element_in in;
    double *own[32] = {0}, *r_want[5], *r_mag[5], *e_want[5], *e_mag[5];
    int nown = 0;
    size_t nfield = specfem_count_field(size);
    double *want = kiln_args_want(args, "accel"), *mag = kiln_args_magnitude(args, "accel", TERMS);
    const void *accel = kiln_args_ptr(args, "accel");
    const int32_t *elems = kiln_args_ptr(args, "elems");
    int nelem = *(const int32_t *)kiln_args_ptr(args, "nelem"), first = *(const int32_t *)kiln_args_ptr(args, "first");
    double(*f)[3] = malloc(sizeof(double[SPECFEM_NGLL3][3])), (*fm)[3] = malloc(sizeof(double[SPECFEM_NGLL3][3]));
    if (att)
        att_outputs(args, elem, r_want, r_mag, e_want, e_mag);
    if (in_of(args, elem, att, &in, own, &nown) == 0 && f && fm) {
        for (size_t i = 0; i < nfield; i++) {
            want[i] = specfem_get(accel, elem, i);
            mag[i] = fabs(want[i]);
        }
        for (int e = first; e < first + nelem; e++) {
            element_pass(&in, elems[e], 0, f, r_want, e_want);
            element_pass(&in, elems[e], 1, fm, r_mag, e_mag);
            for (int p = 0; p < SPECFEM_NGLL3; p++)
                for (int c = 0; c < 3; c++) {
                    size_t g = (size_t)in.ibool[(size_t)elems[e] * SPECFEM_NGLL3_PADDED + p] * 3 + (size_t)c;
                    want[g] += f[p][c];
                    mag[g] += fm[p][c];
                }
        }
    }
    for (int i = 0; i < nown; i++)
        free(own[i]);
    free(f);
    free(fm);
}

static void stiffness_reference_f32(kiln_args *args)
{
    stiffness_reference_typed(args, KILN_F32, 0);
}

static void stiffness_reference_f64(kiln_args *args)
{
    stiffness_reference_typed(args, KILN_F64, 0);
}

static void stiffness_reference_att(kiln_args *args)
{
    stiffness_reference_typed(args, KILN_F32, 1);
}

/* Memory variables of the stress's size, strain deviators of the strain's,
 * factors and the solids' coefficients as exp(-dt/tau) and dt/tau would give. */
static void stiffness_inputs_att(kiln_args *args, uint64_t seed)
{
    stiffness_inputs_typed(args, seed, KILN_F32);
    size_t npts = specfem_count_points(kiln_args_size(args));
    uint64_t st = seed ^ 0xa77e4ULL;
    for (int q = 0; q < 5; q++) {
        float *r = kiln_args_ptr(args, att_r_names[q]), *e = kiln_args_ptr(args, att_eps_names[q]);
        for (size_t i = 0; i < 3 * npts; i++)
            r[i] = (float)kiln_rand_uniform(&st, -1e9, 1e9);
        for (size_t i = 0; i < npts; i++)
            e[i] = (float)kiln_rand_uniform(&st, -0.1, 0.1);
    }
    float *f = kiln_args_ptr(args, "factor_common");
    for (size_t i = 0; i < 3 * npts; i++)
        f[i] = (float)kiln_rand_uniform(&st, 0.01, 0.1);
    float *a = kiln_args_ptr(args, "alphaval"), *b = kiln_args_ptr(args, "betaval"),
          *g = kiln_args_ptr(args, "gammaval");
    for (int l = 0; l < 3; l++) {
        double x = kiln_rand_uniform(&st, 0.001, 0.1); /* dt / tau */
        a[l] = (float)exp(-x);
        b[l] = (float)(x / 2);
        g[l] = (float)(x / 2);
    }
}

void specfem_stiffness_geometry_for(const kiln_config *cfg, long long nelem, kiln_geometry *geo)
{
    size_t epg = (size_t)kiln_config_get(cfg, "epg", 1), wg = SPECFEM_NGLL3_PADDED * epg;
    size_t groups = ((size_t)(nelem > 0 ? nelem : 1) + epg - 1) / epg;
    *geo = (kiln_geometry){1, {groups * wg, 1, 1}, {wg, 1, 1}};
}

static void stiffness_geometry(const kiln_config *cfg, const kiln_size *size, kiln_geometry *geo)
{
    specfem_stiffness_geometry_for(cfg, specfem_colour0_of(size), geo);
}

static double stiffness_flops(const kiln_size *size)
{
    return specfem_stiffness_flops_per_element() * (double)specfem_colour0_of(size);
}

/* Per element: ibool and 11 per-point arrays read once, the displacement
 * gathered and the acceleration read and written at 125 points (points shared
 * between elements of one colour pass are not shared: it touches each once). */
static double stiffness_bytes_of(const kiln_size *size, double elem_bytes)
{
    double per = SPECFEM_NGLL3 * (4.0 + 11.0 * elem_bytes + 3.0 * elem_bytes * 3.0);
    return per * (double)specfem_colour0_of(size);
}

static double stiffness_bytes_f32(const kiln_size *size)
{
    return stiffness_bytes_of(size, 4.0);
}

static double stiffness_bytes_f64(const kiln_size *size)
{
    return stiffness_bytes_of(size, 8.0);
}

/* Attenuation adds per point: the strain deviator 9, and for 3 solids the
 * factor times mu 1 and 5 components of 7 (sum 1, update 6), the stress
 * corrections 7: 3 x 36 + 16 = 124 FLOPs. */
#define ATT_FLOPS_PER_POINT (9 + 3 * (1 + 5 * 7) + 7)

static double stiffness_flops_att(const kiln_size *size)
{
    return (double)(FLOPS_PER_POINT + ATT_FLOPS_PER_POINT) * SPECFEM_NGLL3 * (double)specfem_colour0_of(size);
}

/* and reads 15 memory variables, 5 strain deviators and 3 factors, writes 20 */
static double stiffness_bytes_att(const kiln_size *size)
{
    return stiffness_bytes_f32(size) + SPECFEM_NGLL3 * 4.0 * (15 + 5 + 3 + 20) * (double)specfem_colour0_of(size);
}

#define STIFFNESS_ARG_LIST(E)                                                                                          \
    {"nelem", KILN_I32, KILN_IN, 1, NULL, 0}, {"first", KILN_I32, KILN_IN, 1, NULL, 0},                                \
        {"nspec", KILN_I32, KILN_IN, 1, NULL, 0}, {"nglob", KILN_I32, KILN_IN, 1, NULL, 0},                            \
        {"elems", KILN_I32, KILN_IN, 0, specfem_count_nspec, 0},                                                       \
        {"ibool", KILN_I32, KILN_IN, 0, specfem_count_points, 0}, {"displ", E, KILN_IN, 0, specfem_count_field, 0},    \
        {"accel", E, KILN_INOUT, 0, specfem_count_field, 0}, {"xix", E, KILN_IN, 0, specfem_count_points, 0},          \
        {"xiy", E, KILN_IN, 0, specfem_count_points, 0}, {"xiz", E, KILN_IN, 0, specfem_count_points, 0},              \
        {"etax", E, KILN_IN, 0, specfem_count_points, 0}, {"etay", E, KILN_IN, 0, specfem_count_points, 0},            \
        {"etaz", E, KILN_IN, 0, specfem_count_points, 0}, {"gammax", E, KILN_IN, 0, specfem_count_points, 0},          \
        {"gammay", E, KILN_IN, 0, specfem_count_points, 0}, {"gammaz", E, KILN_IN, 0, specfem_count_points, 0},        \
        {"kappav", E, KILN_IN, 0, specfem_count_points, 0}, {"muv", E, KILN_IN, 0, specfem_count_points, 0},           \
        {"hprime", E, KILN_IN, 0, specfem_count_25, 0}, {"hprimewgll", E, KILN_IN, 0, specfem_count_25, 0},            \
    {                                                                                                                  \
        "wgllwgll", E, KILN_IN, 0, specfem_count_25, 0                                                                 \
    }

static size_t count_points3(const kiln_size *size)
{
    return 3 * specfem_count_points(size);
}

static size_t count_3(const kiln_size *size)
{
    (void)size;
    return 3;
}

#define ATT_ARG_LIST                                                                                                   \
    {"R_xx", KILN_F32, KILN_INOUT, 0, count_points3, 0}, {"R_yy", KILN_F32, KILN_INOUT, 0, count_points3, 0},          \
        {"R_xy", KILN_F32, KILN_INOUT, 0, count_points3, 0}, {"R_xz", KILN_F32, KILN_INOUT, 0, count_points3, 0},      \
        {"R_yz", KILN_F32, KILN_INOUT, 0, count_points3, 0},                                                           \
        {"epsilondev_xx", KILN_F32, KILN_INOUT, 0, specfem_count_points, 0},                                           \
        {"epsilondev_yy", KILN_F32, KILN_INOUT, 0, specfem_count_points, 0},                                           \
        {"epsilondev_xy", KILN_F32, KILN_INOUT, 0, specfem_count_points, 0},                                           \
        {"epsilondev_xz", KILN_F32, KILN_INOUT, 0, specfem_count_points, 0},                                           \
        {"epsilondev_yz", KILN_F32, KILN_INOUT, 0, specfem_count_points, 0},                                           \
        {"factor_common", KILN_F32, KILN_IN, 0, count_points3, 0}, {"alphaval", KILN_F32, KILN_IN, 0, count_3, 0},     \
        {"betaval", KILN_F32, KILN_IN, 0, count_3, 0},                                                                 \
    {                                                                                                                  \
        "gammaval", KILN_F32, KILN_IN, 0, count_3, 0                                                                   \
    }

/* f64 has colouring only: kiln's atomic add takes i32, u32, f32 and i64 elements. */
#define STIFFNESS_PARAMS(ASSEMBLY, ASSEMBLY_DEFAULT)                                                                   \
    KILN_PARAMS({.name = "assembly",                                                                                   \
                 .help = "0: atomic adds, 1: plain adds within one colour",                                            \
                 ASSEMBLY,                                                                                             \
                 .default_value = ASSEMBLY_DEFAULT},                                                                   \
                {.name = "unroll",                                                                                     \
                 .help = "fully unroll the 5-point derivative loops",                                                  \
                 KILN_VALUES(0, 1),                                                                                    \
                 .default_value = 0},                                                                                  \
                {.name = "epg",                                                                                        \
                 .help = "elements per work-group (128 work-items each)",                                              \
                 KILN_VALUES(1, 2, 4),                                                                                 \
                 .default_value = 1},                                                                                  \
                {.name = "local_hprime",                                                                               \
                 .help = "stage the derivative matrices in local memory",                                              \
                 KILN_VALUES(0, 1),                                                                                    \
                 .default_value = 1},                                                                                  \
                {.name = "local_displ",                                                                                \
                 .help = "stage the gathered displacement in local memory",                                            \
                 KILN_VALUES(0, 1),                                                                                    \
                 .default_value = 1})

const kiln_kernel kiln_kernel_specfem_stiffness = {
    .name = "specfem.stiffness",
    .summary = "SPECFEM3D isotropic elastic stiffness, no attenuation (f32; one colour pass)",
    KILN_ARGS(STIFFNESS_ARG_LIST(KILN_F32)),
    STIFFNESS_PARAMS(KILN_VALUES(0, 1), 0),
    .default_size = {3, {16, 16, 16}},
    SPECFEM_CONSTRAINTS,
    .langs = SPECFEM_LANGS,
    .build = stiffness_build_f32,
    .inputs = stiffness_inputs_f32,
    .reference = stiffness_reference_f32,
    .geometry = stiffness_geometry,
    .flops = stiffness_flops,
    .bytes = stiffness_bytes_f32,
};

const kiln_kernel kiln_kernel_specfem_stiffness_f64 = {
    .name = "specfem.stiffness_f64",
    .summary = "SPECFEM3D isotropic elastic stiffness, no attenuation (f64; one colour pass)",
    KILN_ARGS(STIFFNESS_ARG_LIST(KILN_F64)),
    STIFFNESS_PARAMS(KILN_VALUES(1), 1),
    .default_size = {3, {8, 8, 8}},
    SPECFEM_CONSTRAINTS,
    .langs = SPECFEM_LANGS,
    .build = stiffness_build_f64,
    .inputs = stiffness_inputs_f64,
    .reference = stiffness_reference_f64,
    .geometry = stiffness_geometry,
    .flops = stiffness_flops,
    .bytes = stiffness_bytes_f64,
};

const kiln_kernel kiln_kernel_specfem_stiffness_att = {
    .name = "specfem.stiffness_att",
    .summary =
        "SPECFEM3D isotropic elastic stiffness with attenuation, 3 standard linear solids (f32; one colour pass)",
    KILN_ARGS(STIFFNESS_ARG_LIST(KILN_F32), ATT_ARG_LIST),
    STIFFNESS_PARAMS(KILN_VALUES(0, 1), 0),
    SPECFEM_CONSTRAINTS,
    .default_size = {3, {12, 12, 12}},
    .langs = SPECFEM_LANGS,
    .build = stiffness_build_att,
    .inputs = stiffness_inputs_att,
    .reference = stiffness_reference_att,
    .geometry = stiffness_geometry,
    .flops = stiffness_flops_att,
    .bytes = stiffness_bytes_att,
};
