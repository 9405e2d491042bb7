/*
 * cexpr.c: kiln's constraint expression language. A hand-written lexer and a
 * precedence-climbing parser build a small tree; evaluation walks it with
 * 64-bit signed integers (wrapping on overflow, never trapping). Used by the
 * search space for constraints such as "wg * unroll <= 256".
 *
 * Every node is also threaded on one allocation list so that freeing (or
 * abandoning a half-built tree after a syntax error) needs no recursion.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autotuner/cexpr_int.h"
#include "autotuner/tuner_int.h"

/* Deeper trees are refused at parse time so evaluation can recurse safely. */
#define CEXPR_MAX_DEPTH 1000

typedef enum tok_kind {
    T_END, T_NUM, T_NAME,
    T_LPAREN, T_RPAREN, T_COMMA, T_QUESTION, T_COLON,
    T_PLUS, T_MINUS, T_STAR, T_SLASH, T_PERCENT, T_SHL, T_SHR,
    T_LT, T_LE, T_GT, T_GE, T_EQ, T_NE,
    T_AMP, T_CARET, T_PIPE, T_ANDAND, T_OROR, T_BANG, T_TILDE,
    T_COUNT
} tok_kind;

/* Spelling and binary precedence (0 = not a binary operator), C's order. */
static const struct {
    const char *text;
    int prec;
} tok_info[T_COUNT] = {
    [T_END] = {"end of input", 0}, [T_NUM] = {"number", 0}, [T_NAME] = {"name", 0},
    [T_LPAREN] = {"(", 0},   [T_RPAREN] = {")", 0},   [T_COMMA] = {",", 0},
    [T_QUESTION] = {"?", 0}, [T_COLON] = {":", 0},
    [T_OROR] = {"||", 1},    [T_ANDAND] = {"&&", 2},  [T_PIPE] = {"|", 3},
    [T_CARET] = {"^", 4},    [T_AMP] = {"&", 5},      [T_EQ] = {"==", 6},
    [T_NE] = {"!=", 6},      [T_LT] = {"<", 7},       [T_LE] = {"<=", 7},
    [T_GT] = {">", 7},       [T_GE] = {">=", 7},      [T_SHL] = {"<<", 8},
    [T_SHR] = {">>", 8},     [T_PLUS] = {"+", 9},     [T_MINUS] = {"-", 9},
    [T_STAR] = {"*", 10},    [T_SLASH] = {"/", 10},   [T_PERCENT] = {"%", 10},
    [T_BANG] = {"!", 0},     [T_TILDE] = {"~", 0},
};

typedef enum node_kind { N_NUM, N_NAME, N_UNARY, N_BINARY, N_COND, N_MIN, N_MAX } node_kind;

typedef struct node {
    node_kind kind;
    tok_kind op;        /* N_UNARY, N_BINARY */
    int column;         /* 1-based, of the operator or operand */
    int depth;
    long long value;    /* N_NUM */
    char *name;         /* N_NAME */
    int slot;           /* N_NAME: bound slot, -1 until kiln_cexpr_bind */
    struct node *a, *b, *c;
    struct node *next_alloc;
} node;

struct kiln_cexpr {
    node *root;
    node *allocs;
};

typedef struct parser {
    const char *text;
    size_t pos;         /* start of the next token */
    tok_kind tok;       /* current token */
    size_t tok_start, tok_len;
    long long tok_value;
    node *allocs;
    char *err;
    size_t errlen;
    int failed;
} parser;


static int is_ident_start(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_';
}

static int is_ident_char(char ch)
{
    return is_ident_start(ch) || (ch >= '0' && ch <= '9');
}

static int column_of(const parser *p, size_t offset)
{
    (void)p;
    return (int)offset + 1;
}

/* Quoted description of the current token for "but found ..." messages. */
static void describe_token(const parser *p, char *buf, size_t len)
{
    if (p->tok == T_END)
        snprintf(buf, len, "end of input");
    else
        snprintf(buf, len, "'%.*s'", (int)(p->tok_len > 32 ? 32 : p->tok_len), p->text + p->tok_start);
}

static void fail_expected(parser *p, const char *what)
{
    char found[48];
    describe_token(p, found, sizeof found);
    kiln_tuner_errf(p->err, p->errlen, "column %d: expected %s but found %s", column_of(p, p->tok_start), what,
            found);
    p->failed = 1;
}

static int lex_number(parser *p, size_t start)
{
    const char *s = p->text;
    size_t i = start;
    int base = 10;
    if (s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
        base = 16;
        i += 2;
    }
    size_t digits_start = i;
    unsigned long long v = 0;
    int too_large = 0;
    for (;; i++) {
        int d;
        char ch = s[i];
        if (ch >= '0' && ch <= '9')
            d = ch - '0';
        else if (base == 16 && ch >= 'a' && ch <= 'f')
            d = ch - 'a' + 10;
        else if (base == 16 && ch >= 'A' && ch <= 'F')
            d = ch - 'A' + 10;
        else
            break;
        if (v > ((unsigned long long)LLONG_MAX - (unsigned long long)d) / (unsigned long long)base)
            too_large = 1;
        else
            v = v * (unsigned long long)base + (unsigned long long)d;
    }
    size_t end = i;
    while (is_ident_char(s[end]))
        end++;
    if (i == digits_start || end != i) {
        kiln_tuner_errf(p->err, p->errlen, "column %d: malformed number '%.*s'", column_of(p, start),
                (int)(end - start > 32 ? 32 : end - start), s + start);
        p->failed = 1;
        return -1;
    }
    if (too_large) {
        kiln_tuner_errf(p->err, p->errlen, "column %d: integer literal '%.*s' is too large (limit %lld)",
                column_of(p, start), (int)(end - start > 32 ? 32 : end - start), s + start, LLONG_MAX);
        p->failed = 1;
        return -1;
    }
    p->tok = T_NUM;
    p->tok_value = (long long)v;
    p->tok_len = end - start;
    p->pos = end;
    return 0;
}

/* Reads the next token into p->tok; -1 (with the error set) on a bad character. */
static int advance(parser *p)
{
    const char *s = p->text;
    size_t i = p->pos;
    while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
        i++;
    p->tok_start = i;
    char ch = s[i];
    if (ch == '\0') {
        p->tok = T_END;
        p->tok_len = 0;
        p->pos = i;
        return 0;
    }
    if (ch >= '0' && ch <= '9')
        return lex_number(p, i);
    if (is_ident_start(ch)) {
        size_t end = i;
        while (is_ident_char(s[end]))
            end++;
        p->tok = T_NAME;
        p->tok_len = end - i;
        p->pos = end;
        return 0;
    }
    /* Two-character operators first, then single characters. */
    static const struct {
        const char *text;
        tok_kind kind;
    } ops[] = {
        {"<<", T_SHL}, {">>", T_SHR}, {"<=", T_LE}, {">=", T_GE}, {"==", T_EQ}, {"!=", T_NE},
        {"&&", T_ANDAND}, {"||", T_OROR}, {"(", T_LPAREN}, {")", T_RPAREN}, {",", T_COMMA},
        {"?", T_QUESTION}, {":", T_COLON}, {"+", T_PLUS}, {"-", T_MINUS}, {"*", T_STAR},
        {"/", T_SLASH}, {"%", T_PERCENT}, {"<", T_LT}, {">", T_GT}, {"&", T_AMP}, {"^", T_CARET},
        {"|", T_PIPE}, {"!", T_BANG}, {"~", T_TILDE},
    };
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        size_t n = strlen(ops[k].text);
        if (strncmp(s + i, ops[k].text, n) == 0) {
            p->tok = ops[k].kind;
            p->tok_len = n;
            p->pos = i + n;
            return 0;
        }
    }
    unsigned char uch = (unsigned char)ch;
    if (uch >= 0x20 && uch < 0x7f)
        kiln_tuner_errf(p->err, p->errlen, "column %d: unexpected character '%c'", column_of(p, i), ch);
    else
        kiln_tuner_errf(p->err, p->errlen, "column %d: unexpected byte 0x%02x", column_of(p, i), uch);
    p->failed = 1;
    return -1;
}

static node *new_node(parser *p, node_kind kind, int column)
{
    node *n = calloc(1, sizeof *n);
    if (!n) {
        kiln_tuner_errf(p->err, p->errlen, "out of memory");
        p->failed = 1;
        return NULL;
    }
    n->kind = kind;
    n->column = column;
    n->depth = 1;
    n->slot = -1;
    n->next_alloc = p->allocs;
    p->allocs = n;
    return n;
}

/* Links children and refuses trees deeper than evaluation may recurse. */
static node *finish_node(parser *p, node *n, node *a, node *b, node *c)
{
    n->a = a;
    n->b = b;
    n->c = c;
    int d = 0;
    if (a && a->depth > d)
        d = a->depth;
    if (b && b->depth > d)
        d = b->depth;
    if (c && c->depth > d)
        d = c->depth;
    n->depth = d + 1;
    if (n->depth > CEXPR_MAX_DEPTH) {
        kiln_tuner_errf(p->err, p->errlen, "column %d: expression nested too deeply (limit %d)", n->column,
                CEXPR_MAX_DEPTH);
        p->failed = 1;
        return NULL;
    }
    return n;
}

static int expect(parser *p, tok_kind kind)
{
    if (p->tok != kind) {
        char what[16];
        snprintf(what, sizeof what, "'%s'", tok_info[kind].text);
        fail_expected(p, what);
        return -1;
    }
    return advance(p);
}

static node *parse_cond(parser *p, int nest);

static node *parse_primary(parser *p, int nest)
{
    int col = column_of(p, p->tok_start);
    if (p->tok == T_NUM) {
        node *n = new_node(p, N_NUM, col);
        if (!n)
            return NULL;
        n->value = p->tok_value;
        return advance(p) < 0 ? NULL : n;
    }
    if (p->tok == T_LPAREN) {
        if (advance(p) < 0)
            return NULL;
        node *inner = parse_cond(p, nest + 1);
        if (!inner || expect(p, T_RPAREN) < 0)
            return NULL;
        return inner;
    }
    if (p->tok == T_NAME) {
        const char *name = p->text + p->tok_start;
        size_t len = p->tok_len;
        if (advance(p) < 0)
            return NULL;
        if (p->tok != T_LPAREN) {
            node *n = new_node(p, N_NAME, col);
            if (!n)
                return NULL;
            n->name = malloc(len + 1);
            if (!n->name) {
                kiln_tuner_errf(p->err, p->errlen, "out of memory");
                p->failed = 1;
                return NULL;
            }
            memcpy(n->name, name, len);
            n->name[len] = '\0';
            return n;
        }
        node_kind kind;
        if (len == 3 && strncmp(name, "min", 3) == 0)
            kind = N_MIN;
        else if (len == 3 && strncmp(name, "max", 3) == 0)
            kind = N_MAX;
        else {
            kiln_tuner_errf(p->err, p->errlen, "column %d: unknown function '%.*s' (known: min, max)", col,
                    (int)(len > 32 ? 32 : len), name);
            p->failed = 1;
            return NULL;
        }
        if (advance(p) < 0)
            return NULL;
        node *a = parse_cond(p, nest + 1);
        if (!a || expect(p, T_COMMA) < 0)
            return NULL;
        node *b = parse_cond(p, nest + 1);
        if (!b || expect(p, T_RPAREN) < 0)
            return NULL;
        node *n = new_node(p, kind, col);
        return n ? finish_node(p, n, a, b, NULL) : NULL;
    }
    fail_expected(p, "a number, a name or '('");
    return NULL;
}

static node *parse_unary(parser *p, int nest)
{
    if (nest > CEXPR_MAX_DEPTH) {
        kiln_tuner_errf(p->err, p->errlen, "column %d: expression nested too deeply (limit %d)",
                column_of(p, p->tok_start), CEXPR_MAX_DEPTH);
        p->failed = 1;
        return NULL;
    }
    if (p->tok == T_MINUS || p->tok == T_PLUS || p->tok == T_BANG || p->tok == T_TILDE) {
        tok_kind op = p->tok;
        int col = column_of(p, p->tok_start);
        if (advance(p) < 0)
            return NULL;
        node *operand = parse_unary(p, nest + 1);
        if (!operand)
            return NULL;
        if (op == T_PLUS)
            return operand;
        node *n = new_node(p, N_UNARY, col);
        if (!n)
            return NULL;
        n->op = op;
        return finish_node(p, n, operand, NULL, NULL);
    }
    return parse_primary(p, nest);
}

/* Precedence climbing: all binary operators are left-associative. */
static node *parse_binary(parser *p, int min_prec, int nest)
{
    node *lhs = parse_unary(p, nest);
    while (lhs && tok_info[p->tok].prec >= min_prec && tok_info[p->tok].prec > 0) {
        tok_kind op = p->tok;
        int col = column_of(p, p->tok_start);
        if (advance(p) < 0)
            return NULL;
        node *rhs = parse_binary(p, tok_info[op].prec + 1, nest + 1);
        if (!rhs)
            return NULL;
        node *n = new_node(p, N_BINARY, col);
        if (!n)
            return NULL;
        n->op = op;
        lhs = finish_node(p, n, lhs, rhs, NULL);
    }
    return lhs;
}

/* cond ? expr : cond, right-associative as in C. */
static node *parse_cond(parser *p, int nest)
{
    if (nest > CEXPR_MAX_DEPTH) {
        kiln_tuner_errf(p->err, p->errlen, "column %d: expression nested too deeply (limit %d)",
                column_of(p, p->tok_start), CEXPR_MAX_DEPTH);
        p->failed = 1;
        return NULL;
    }
    node *c = parse_binary(p, 1, nest);
    if (!c || p->tok != T_QUESTION)
        return c;
    int col = column_of(p, p->tok_start);
    if (advance(p) < 0)
        return NULL;
    node *a = parse_cond(p, nest + 1);
    if (!a || expect(p, T_COLON) < 0)
        return NULL;
    node *b = parse_cond(p, nest + 1);
    if (!b)
        return NULL;
    node *n = new_node(p, N_COND, col);
    return n ? finish_node(p, n, c, a, b) : NULL;
}

static void free_allocs(node *n)
{
    while (n) {
        node *next = n->next_alloc;
        free(n->name);
        free(n);
        n = next;
    }
}

kiln_cexpr *kiln_cexpr_parse(const char *text, char *err, size_t errlen)
{
    if (!text) {
        kiln_tuner_errf(err, errlen, "no expression");
        return NULL;
    }
    parser p = {.text = text, .err = err, .errlen = errlen};
    node *root = NULL;
    if (advance(&p) == 0) {
        root = parse_cond(&p, 0);
        if (root && p.tok != T_END) {
            fail_expected(&p, "an operator or end of input");
            root = NULL;
        }
    }
    kiln_cexpr *e = root ? malloc(sizeof *e) : NULL;
    if (!e) {
        if (root)
            kiln_tuner_errf(err, errlen, "out of memory");
        free_allocs(p.allocs);
        return NULL;
    }
    e->root = root;
    e->allocs = p.allocs;
    return e;
}

void kiln_cexpr_free(kiln_cexpr *e)
{
    if (!e)
        return;
    free_allocs(e->allocs);
    free(e);
}

/* Where names come from: a callback (public API) or bound slots (space). */
typedef struct env {
    kiln_lookup_fn lookup;
    void *user;
    const long long *slots;
    char *err;
    size_t errlen;
} env;

static long long shift_right(long long a, long long count)
{
    /* Arithmetic shift spelled out: >> of a negative value is implementation-defined. */
    return a >= 0 ? a >> count : ~(~a >> count);
}

static int eval_node(const node *n, const env *en, long long *out)
{
    long long a, b;
    switch (n->kind) {
    case N_NUM:
        *out = n->value;
        return 0;
    case N_NAME:
        if (en->slots && n->slot >= 0) {
            *out = en->slots[n->slot];
            return 0;
        }
        if (!en->lookup || en->lookup(en->user, n->name, out) != 0) {
            kiln_tuner_errf(en->err, en->errlen, "column %d: unknown name '%s'", n->column, n->name);
            return -1;
        }
        return 0;
    case N_UNARY:
        if (eval_node(n->a, en, &a) < 0)
            return -1;
        switch (n->op) {
        case T_MINUS: *out = (long long)(0ULL - (unsigned long long)a); break;
        case T_BANG: *out = !a; break;
        case T_TILDE: *out = ~a; break;
        default: *out = a; break;
        }
        return 0;
    case N_COND:
        if (eval_node(n->a, en, &a) < 0)
            return -1;
        return eval_node(a ? n->b : n->c, en, out);
    case N_MIN:
    case N_MAX:
        if (eval_node(n->a, en, &a) < 0 || eval_node(n->b, en, &b) < 0)
            return -1;
        *out = (n->kind == N_MIN) == (a < b) ? a : b;
        return 0;
    case N_BINARY:
        break;
    }

    if (eval_node(n->a, en, &a) < 0)
        return -1;
    if (n->op == T_ANDAND || n->op == T_OROR) {
        if ((n->op == T_ANDAND && !a) || (n->op == T_OROR && a)) {
            *out = n->op == T_OROR;
            return 0;
        }
        if (eval_node(n->b, en, &b) < 0)
            return -1;
        *out = b != 0;
        return 0;
    }
    if (eval_node(n->b, en, &b) < 0)
        return -1;
    unsigned long long ua = (unsigned long long)a, ub = (unsigned long long)b;
    switch (n->op) {
    case T_PLUS: *out = (long long)(ua + ub); break;
    case T_MINUS: *out = (long long)(ua - ub); break;
    case T_STAR: *out = (long long)(ua * ub); break;
    case T_SLASH:
    case T_PERCENT:
        if (b == 0) {
            kiln_tuner_errf(en->err, en->errlen, "column %d: %s by zero", n->column,
                    n->op == T_SLASH ? "division" : "modulo");
            return -1;
        }
        /* LLONG_MIN / -1 traps on x86; wrap like every other overflow. */
        if (a == LLONG_MIN && b == -1)
            *out = n->op == T_SLASH ? LLONG_MIN : 0;
        else
            *out = n->op == T_SLASH ? a / b : a % b;
        break;
    case T_SHL:
    case T_SHR:
        if (b < 0 || b > 63) {
            kiln_tuner_errf(en->err, en->errlen, "column %d: shift count %lld outside 0..63", n->column, b);
            return -1;
        }
        *out = n->op == T_SHL ? (long long)(ua << b) : shift_right(a, b);
        break;
    case T_LT: *out = a < b; break;
    case T_LE: *out = a <= b; break;
    case T_GT: *out = a > b; break;
    case T_GE: *out = a >= b; break;
    case T_EQ: *out = a == b; break;
    case T_NE: *out = a != b; break;
    case T_AMP: *out = a & b; break;
    case T_CARET: *out = a ^ b; break;
    case T_PIPE: *out = a | b; break;
    default:
        kiln_tuner_errf(en->err, en->errlen, "column %d: internal error: bad operator", n->column);
        return -1;
    }
    return 0;
}

int kiln_cexpr_eval(const kiln_cexpr *e, kiln_lookup_fn lookup, void *user, long long *out, char *err,
                    size_t errlen)
{
    env en = {.lookup = lookup, .user = user, .err = err, .errlen = errlen};
    long long v;
    if (!e) {
        kiln_tuner_errf(err, errlen, "no expression");
        return -1;
    }
    if (eval_node(e->root, &en, &v) < 0)
        return -1;
    *out = v;
    return 0;
}

int kiln_cexpr_eval_slots(const kiln_cexpr *e, const long long *slots, long long *out, char *err,
                          size_t errlen)
{
    env en = {.slots = slots, .err = err, .errlen = errlen};
    long long v;
    if (eval_node(e->root, &en, &v) < 0)
        return -1;
    *out = v;
    return 0;
}

/* Names in source order: the allocation list runs backwards, so walk the tree. */
static int visit_node(const node *n, int (*visit)(void *, const char *, int), void *user)
{
    if (!n)
        return 0;
    if (n->kind == N_NAME)
        return visit(user, n->name, n->column);
    int rc = visit_node(n->a, visit, user);
    if (!rc)
        rc = visit_node(n->b, visit, user);
    if (!rc)
        rc = visit_node(n->c, visit, user);
    return rc;
}

int kiln_cexpr_visit_names(const kiln_cexpr *e, int (*visit)(void *user, const char *name, int column),
                           void *user)
{
    return visit_node(e->root, visit, user);
}

int kiln_cexpr_bind(kiln_cexpr *e, int (*slot_of)(void *user, const char *name), void *user, char *err,
                    size_t errlen)
{
    for (node *n = e->allocs; n; n = n->next_alloc) {
        if (n->kind != N_NAME)
            continue;
        int slot = slot_of(user, n->name);
        if (slot < 0) {
            kiln_tuner_errf(err, errlen, "column %d: unknown name '%s'", n->column, n->name);
            return -1;
        }
        n->slot = slot;
    }
    return 0;
}
