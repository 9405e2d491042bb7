/*
 * arena.c: the context's memory and its sticky error.
 *
 * Every node, variable, procedure and string lives in a chain of blocks owned
 * by the context. kiln_ctx_reset rewinds to the first block and reuses the
 * chain, so building the same-sized variant again takes no new memory; only
 * kiln_ctx_free gives blocks back.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dsl/dsl_priv.h"

enum { BLOCK_BYTES = 64 * 1024, ALIGN = 16 };

struct arena_block {
    arena_block *next;
    size_t size; /* usable bytes in data */
    size_t used;
    _Alignas(16) unsigned char data[];
};

static arena_block *block_new(kiln_ctx *ctx, size_t size)
{
    arena_block *b = malloc(sizeof *b + size);
    if (!b)
        return NULL;
    b->next = NULL;
    b->size = size;
    b->used = 0;
    ctx->arena_bytes += sizeof *b + size;
    return b;
}

static void *block_alloc(kiln_ctx *ctx, size_t bytes)
{
    bytes = (bytes + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (!ctx->cur) {
        ctx->first = ctx->cur = block_new(ctx, bytes > BLOCK_BYTES ? bytes : BLOCK_BYTES);
        if (!ctx->cur)
            return NULL;
    }
    arena_block *b = ctx->cur;
    if (b->size - b->used < bytes) {
        /* Reuse the kept blocks after this one before asking the system. */
        arena_block *next = b->next;
        if (next && next->size >= bytes) {
            next->used = 0;
        } else {
            arena_block *fresh = block_new(ctx, bytes > BLOCK_BYTES ? bytes : BLOCK_BYTES);
            if (!fresh)
                return NULL;
            fresh->next = b->next;
            b->next = fresh;
            next = fresh;
        }
        ctx->cur = b = next;
    }
    void *p = b->data + b->used;
    b->used += bytes;
    memset(p, 0, bytes);
    return p;
}

/* Out of memory: the error is recorded and small requests get the context's
 * scratch space, so builders never dereference NULL. */
void *dsl_alloc(kiln_ctx *ctx, size_t bytes)
{
    void *p = block_alloc(ctx, bytes);
    if (p)
        return p;
    dsl_error(ctx, (kiln_loc){NULL, 0, 0}, "out of memory (%zu bytes)", bytes);
    if (bytes > sizeof ctx->scratch)
        return NULL;
    memset(ctx->scratch, 0, sizeof ctx->scratch);
    return ctx->scratch;
}

const char *kiln_ctx_strdup(kiln_ctx *ctx, const char *s)
{
    return ctx ? dsl_strdup(ctx, s ? s : "") : NULL;
}

const char *dsl_strdup(kiln_ctx *ctx, const char *s)
{
    size_t n = strlen(s ? s : "") + 1;
    char *p = dsl_alloc(ctx, n);
    if (!p)
        return "";
    memcpy(p, s ? s : "", n);
    return p;
}

const char *dsl_vprintf(kiln_ctx *ctx, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return "";
    char *p = dsl_alloc(ctx, (size_t)n + 1);
    if (!p)
        return "";
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

static void init_poison(kiln_ctx *ctx)
{
    memset(&ctx->poison_node, 0, sizeof ctx->poison_node);
    ctx->poison_node.kind = KILN_N_LIT;
    ctx->poison_node.type = KILN_T(VOID);
    ctx->poison_node.op = -1;
    memset(&ctx->poison_var, 0, sizeof ctx->poison_var);
    ctx->poison_var.name = "<error>";
    ctx->poison_var.type = KILN_T(VOID);
    ctx->poison_var.id = -1;
    memset(&ctx->poison_proc, 0, sizeof ctx->poison_proc);
    ctx->poison_proc.name = "<error>";
    ctx->poison_proc.ctx = ctx;
}

kiln_ctx *kiln_ctx_new(void)
{
    kiln_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return NULL;
    init_poison(ctx);
    return ctx;
}

void kiln_ctx_free(kiln_ctx *ctx)
{
    if (!ctx)
        return;
    arena_block *b = ctx->first;
    while (b) {
        arena_block *next = b->next;
        free(b);
        b = next;
    }
    free(ctx);
}

void kiln_ctx_reset(kiln_ctx *ctx)
{
    if (!ctx)
        return;
    ctx->cur = ctx->first;
    if (ctx->first)
        ctx->first->used = 0;
    ctx->failed = 0;
    ctx->need_loc = 0;
    ctx->err[0] = '\0';
    ctx->procs = ctx->procs_tail = NULL;
    ctx->cur_proc = NULL;
    ctx->top = NULL;
    ctx->next_id = 0;
    init_poison(ctx);
}

size_t kiln_ctx_arena_bytes(const kiln_ctx *ctx)
{
    return ctx ? ctx->arena_bytes : 0;
}

const char *kiln_errmsg(const kiln_ctx *ctx)
{
    return ctx ? ctx->err : "";
}

int kiln_ctx_failed(const kiln_ctx *ctx)
{
    return ctx ? ctx->failed : 1;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static void verror(kiln_ctx *ctx, kiln_loc loc, const char *fmt, va_list ap)
{
    if (ctx->failed)
        return;
    ctx->failed = 1;
    size_t off = 0;
    if (loc.file) {
        int n = loc.col > 0 ? snprintf(ctx->err, sizeof ctx->err, "%s:%d:%d: ", base_name(loc.file), loc.line, loc.col)
                            : snprintf(ctx->err, sizeof ctx->err, "%s:%d: ", base_name(loc.file), loc.line);
        off = n > 0 ? (size_t)n : 0;
    }
    if (off < sizeof ctx->err)
        vsnprintf(ctx->err + off, sizeof ctx->err - off, fmt, ap);
    ctx->need_loc = loc.file == NULL;
}

void dsl_error(kiln_ctx *ctx, kiln_loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verror(ctx, loc, fmt, ap);
    va_end(ap);
}

kiln_node *dsl_expr_error(kiln_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verror(ctx, (kiln_loc){NULL, 0, 0}, fmt, ap);
    va_end(ap);
    return &ctx->poison_node;
}

int dsl_stmt_enter(kiln_ctx *ctx, kiln_loc loc, const char *what)
{
    if (!ctx->failed)
        return 1;
    if (ctx->need_loc) {
        char prefix[256];
        const char *file = base_name(loc.file ? loc.file : "?");
        int n = loc.col > 0 ? snprintf(prefix, sizeof prefix, "%s:%d:%d: %s: ", file, loc.line, loc.col, what)
                            : snprintf(prefix, sizeof prefix, "%s:%d: %s: ", file, loc.line, what);
        size_t plen = n < 0 ? 0 : (size_t)n < sizeof prefix ? (size_t)n : sizeof prefix - 1;
        size_t mlen = strlen(ctx->err);
        if (plen + mlen >= sizeof ctx->err)
            mlen = sizeof ctx->err - 1 - plen;
        memmove(ctx->err + plen, ctx->err, mlen);
        memcpy(ctx->err, prefix, plen);
        ctx->err[plen + mlen] = '\0';
        ctx->need_loc = 0;
    }
    return 0;
}

kiln_node *dsl_poison(kiln_ctx *ctx)
{
    return &ctx->poison_node;
}

kiln_var *dsl_poison_var(kiln_ctx *ctx)
{
    return &ctx->poison_var;
}

int kiln_fail_at(kiln_ctx *ctx, kiln_loc loc, const char *fmt, ...)
{
    if (!ctx)
        return -1;
    if (!dsl_stmt_enter(ctx, loc, "kiln_fail"))
        return -1;
    va_list ap;
    va_start(ap, fmt);
    verror(ctx, loc, fmt, ap);
    va_end(ap);
    return -1;
}
