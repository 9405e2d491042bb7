/*
 * trace.c: the trace format (docs/trace-format.md): writing a case as its
 * arrays arrive, reading its table, streaming its arrays through their
 * checksums. Depends on the C library only, so that kiln-remoted's capture
 * links it without the rest of kiln.
 *
 * Layout: a 40-byte prologue (magic, version, flags, where the table is, the
 * table's checksum), the arrays' bytes, then the table (metadata and
 * arguments, each blob's offset, size and checksum). The writer streams
 * every blob as it comes and writes the table last; the reader checks the
 * table before it believes any offset in it.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "kiln/regress.h"
#include "regress/regress_int.h"

static const char trace_magic[8] = {'K', 'I', 'L', 'N', 'T', 'R', 'C', 'E'};

enum {
    PROLOGUE_BYTES = 40,
    MAX_TABLE_BYTES = 64 << 20,   /* a program's source and thousands of arguments fit */
    MAX_NAME_BYTES = 4096,
    MAX_VALUE_BYTES = 16 << 20,
    MAX_ENTRIES = 65536,
    STREAM_PIECE = 1 << 16,       /* bytes read at a time to check a checksum */
};

/* Element type codes of the format, index = code (docs/trace-format.md). */
static const struct {
    kiln_scalar elem;
    unsigned bytes;
} type_codes[] = {
    {KILN_VOID, 1}, {KILN_BOOL, 1}, {KILN_I8, 1},  {KILN_U8, 1},  {KILN_I16, 2},  {KILN_U16, 2},
    {KILN_I32, 4},  {KILN_U32, 4},  {KILN_I64, 8}, {KILN_U64, 8}, {KILN_F32, 4}, {KILN_F64, 8},
};
enum { NTYPE_CODES = (int)(sizeof type_codes / sizeof type_codes[0]) };

static int type_code_of(kiln_scalar elem)
{
    for (int i = 0; i < NTYPE_CODES; i++)
        if (type_codes[i].elem == elem)
            return i;
    return -1;
}

size_t regress_elem_bytes(kiln_scalar elem)
{
    int code = type_code_of(elem);
    return code < 0 ? 0 : type_codes[code].bytes;
}

void regress_errf(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

uint64_t regress_fnv(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* ---- little-endian encoding into a growing buffer ---- */

typedef struct bytes_out {
    unsigned char *p;
    size_t len, cap;
    int failed;
} bytes_out;

static void out_put(bytes_out *o, const void *data, size_t len)
{
    if (o->failed)
        return;
    if (o->len + len > o->cap) {
        size_t cap = o->cap ? o->cap : 4096;
        while (cap < o->len + len)
            cap *= 2;
        unsigned char *p = realloc(o->p, cap);
        if (!p) {
            o->failed = 1;
            return;
        }
        o->p = p;
        o->cap = cap;
    }
    memcpy(o->p + o->len, data, len);
    o->len += len;
}

static void out_uint(bytes_out *o, uint64_t v, int bytes)
{
    unsigned char b[8];
    for (int i = 0; i < bytes; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    out_put(o, b, (size_t)bytes);
}

static void out_f64(bytes_out *o, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    out_uint(o, u, 8);
}

static void out_str(bytes_out *o, const char *s)
{
    size_t n = strlen(s);
    out_uint(o, n, 4);
    out_put(o, s, n);
}

static uint64_t le_uint(const unsigned char *p, int bytes)
{
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* ---- the writer ---- */

typedef struct wmeta {
    char *key, *value;
} wmeta;

struct kiln_trace_writer {
    FILE *f;
    char *path, *tmp;
    uint64_t pos;                 /* bytes written so far */
    wmeta *meta;
    int nmeta, cap_meta;
    kiln_trace_arg *args;         /* names are owned (strdup) */
    int nargs, cap_args;
    char err[512];                /* sticky: the first failure */
};

static int wfail(kiln_trace_writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int wfail(kiln_trace_writer *w, const char *fmt, ...)
{
    if (!w->err[0]) {
        va_list ap;
        va_start(ap, fmt);
        int n = snprintf(w->err, sizeof w->err, "%s: ", w->path);
        if (n > 0 && (size_t)n < sizeof w->err)
            vsnprintf(w->err + n, sizeof w->err - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

kiln_trace_writer *kiln_trace_begin(const char *path, char *err, size_t errlen)
{
    kiln_trace_writer *w = calloc(1, sizeof *w);
    size_t n = strlen(path) + 32;
    if (!w || !(w->path = strdup(path)) || !(w->tmp = malloc(n))) {
        regress_errf(err, errlen, "%s: out of memory", path);
        if (w)
            free(w->path);
        free(w);
        return NULL;
    }
    snprintf(w->tmp, n, "%s.tmp.%ld", path, (long)getpid());
    w->f = fopen(w->tmp, "wb");
    if (!w->f) {
        regress_errf(err, errlen, "%s: cannot write %s: %s", path, w->tmp, strerror(errno));
        free(w->tmp);
        free(w->path);
        free(w);
        return NULL;
    }
    unsigned char zero[PROLOGUE_BYTES] = {0};
    if (fwrite(zero, 1, sizeof zero, w->f) != sizeof zero)
        wfail(w, "writing the prologue: %s", strerror(errno));
    w->pos = PROLOGUE_BYTES;
    return w;
}

int kiln_trace_meta(kiln_trace_writer *w, const char *key, const char *value)
{
    if (w->err[0])
        return -1;
    if (!key || !*key || !value)
        return wfail(w, "metadata: empty key or missing value");
    if (strlen(key) > MAX_NAME_BYTES || strlen(value) > MAX_VALUE_BYTES)
        return wfail(w, "metadata '%.64s': too long", key);
    for (int i = 0; i < w->nmeta; i++)
        if (strcmp(w->meta[i].key, key) == 0) {
            char *v = strdup(value);
            if (!v)
                return wfail(w, "out of memory");
            free(w->meta[i].value);
            w->meta[i].value = v;
            return 0;
        }
    if (w->nmeta == w->cap_meta) {
        int cap = w->cap_meta ? 2 * w->cap_meta : 16;
        wmeta *m = realloc(w->meta, (size_t)cap * sizeof *m);
        if (!m)
            return wfail(w, "out of memory");
        w->meta = m;
        w->cap_meta = cap;
    }
    wmeta *m = &w->meta[w->nmeta];
    m->key = strdup(key);
    m->value = strdup(value);
    if (!m->key || !m->value) {
        free(m->key);
        free(m->value);
        return wfail(w, "out of memory");
    }
    w->nmeta++;
    return 0;
}

static void format_extents(const size_t *v, int dims, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
    for (int i = 0; i < dims && o < len; i++)
        o += (size_t)snprintf(buf + o, len - o, "%s%zu", i ? "," : "", v[i]);
}

int kiln_trace_geometry(kiln_trace_writer *w, const kiln_geometry *geo)
{
    if (geo->dims < 1 || geo->dims > 3)
        return wfail(w, "geometry: %d dimensions (1 to 3)", geo->dims);
    char dims[8], global[96], local[96];
    snprintf(dims, sizeof dims, "%d", geo->dims);
    format_extents(geo->global, geo->dims, global, sizeof global);
    int any_local = 0;
    for (int i = 0; i < geo->dims; i++)
        any_local |= geo->local[i] != 0;
    if (any_local)
        format_extents(geo->local, geo->dims, local, sizeof local);
    else
        local[0] = '\0';
    if (kiln_trace_meta(w, "work_dim", dims) || kiln_trace_meta(w, "global", global) ||
        kiln_trace_meta(w, "local", local))
        return -1;
    return 0;
}

static kiln_trace_arg *warg_find(kiln_trace_writer *w, const char *name)
{
    for (int i = 0; i < w->nargs; i++)
        if (strcmp(w->args[i].name, name) == 0)
            return &w->args[i];
    return NULL;
}

static int put_blob(kiln_trace_writer *w, kiln_trace_blob *b, const void *data, uint64_t bytes, const char *what)
{
    b->present = 1;
    b->offset = w->pos;
    b->bytes = bytes;
    b->checksum = regress_fnv(REGRESS_FNV_BASIS, data, (size_t)bytes);
    if (bytes && fwrite(data, 1, (size_t)bytes, w->f) != bytes)
        return wfail(w, "writing %s: %s", what, strerror(errno));
    w->pos += bytes;
    return 0;
}

static kiln_trace_arg *warg_add(kiln_trace_writer *w, const char *name, kiln_trace_kind kind, kiln_scalar elem,
                                kiln_dir dir, uint64_t count)
{
    if (w->err[0])
        return NULL;
    if (!name || !*name || strlen(name) > MAX_NAME_BYTES) {
        wfail(w, "argument %d: empty or too long name", w->nargs);
        return NULL;
    }
    if (warg_find(w, name)) {
        wfail(w, "argument '%s' given twice", name);
        return NULL;
    }
    if (type_code_of(elem) < 0 || (dir != KILN_IN && dir != KILN_OUT && dir != KILN_INOUT)) {
        wfail(w, "argument '%s': unknown element type or direction", name);
        return NULL;
    }
    if (w->nargs == w->cap_args) {
        int cap = w->cap_args ? 2 * w->cap_args : 16;
        kiln_trace_arg *a = realloc(w->args, (size_t)cap * sizeof *a);
        if (!a) {
            wfail(w, "out of memory");
            return NULL;
        }
        w->args = a;
        w->cap_args = cap;
    }
    kiln_trace_arg *a = &w->args[w->nargs];
    memset(a, 0, sizeof *a);
    if (!(a->name = strdup(name))) {
        wfail(w, "out of memory");
        return NULL;
    }
    w->nargs++;
    a->kind = kind;
    a->elem = elem;
    a->dir = dir;
    a->count = count;
    a->ndims = 1;
    a->shape[0] = count;
    return a;
}

int kiln_trace_scalar(kiln_trace_writer *w, const char *name, kiln_scalar elem, const void *value)
{
    kiln_trace_arg *a = warg_add(w, name, KILN_TRACE_SCALAR, elem, KILN_IN, 1);
    if (!a)
        return -1;
    if (!value)
        return wfail(w, "scalar '%s': no value", name);
    return put_blob(w, &a->input, value, regress_elem_bytes(elem), name);
}

int kiln_trace_raw_scalar(kiln_trace_writer *w, const char *name, uint64_t bytes, const void *value)
{
    kiln_trace_arg *a = warg_add(w, name, KILN_TRACE_SCALAR, KILN_VOID, KILN_IN, bytes);
    if (!a)
        return -1;
    if (!value || bytes == 0 || bytes > 65536)
        return wfail(w, "scalar '%s': no value, or not 1 to 65536 bytes", name);
    return put_blob(w, &a->input, value, bytes, name);
}

int kiln_trace_array(kiln_trace_writer *w, const char *name, kiln_scalar elem, kiln_dir dir, uint64_t count,
                     const void *before)
{
    kiln_trace_arg *a = warg_add(w, name, KILN_TRACE_ARRAY, elem, dir, count);
    if (!a)
        return -1;
    uint64_t eb = regress_elem_bytes(elem);
    if (count > UINT64_MAX / eb)
        return wfail(w, "array '%s': %llu elements overflow", name, (unsigned long long)count);
    if ((dir != KILN_OUT) != (before != NULL))
        return wfail(w, "array '%s': %s", name,
                     dir == KILN_OUT ? "an out array has no content before the call"
                                     : "an in or inout array needs its content before the call");
    return before ? put_blob(w, &a->input, before, count * eb, name) : 0;
}

int kiln_trace_local(kiln_trace_writer *w, const char *name, uint64_t bytes)
{
    return warg_add(w, name, KILN_TRACE_LOCAL, KILN_VOID, KILN_IN, bytes) ? 0 : -1;
}

int kiln_trace_shape(kiln_trace_writer *w, const char *name, int ndims, const uint64_t *extents)
{
    kiln_trace_arg *a = w->err[0] ? NULL : warg_find(w, name);
    if (!a)
        return w->err[0] ? -1 : wfail(w, "shape: no argument '%s'", name);
    uint64_t product = 1;
    for (int i = 0; i < ndims && ndims <= 3; i++)
        product *= extents[i];
    if (ndims < 1 || ndims > 3 || product != a->count)
        return wfail(w, "shape of '%s': %d extents whose product is not its %llu elements", name, ndims,
                     (unsigned long long)a->count);
    a->ndims = ndims;
    for (int i = 0; i < 3; i++)
        a->shape[i] = i < ndims ? extents[i] : 0;
    return 0;
}

int kiln_trace_bound(kiln_trace_writer *w, const char *name, double terms, double tolerance)
{
    kiln_trace_arg *a = w->err[0] ? NULL : warg_find(w, name);
    if (!a)
        return w->err[0] ? -1 : wfail(w, "bound: no argument '%s'", name);
    if (!(terms >= 0) || !(tolerance >= 0) || isinf(terms) || isinf(tolerance))
        return wfail(w, "bound of '%s': terms and tolerance must be finite and >= 0", name);
    a->terms = terms;
    a->tolerance = tolerance;
    return 0;
}

int kiln_trace_output(kiln_trace_writer *w, const char *name, const void *after)
{
    kiln_trace_arg *a = w->err[0] ? NULL : warg_find(w, name);
    if (!a)
        return w->err[0] ? -1 : wfail(w, "output: no argument '%s'", name);
    if (a->kind != KILN_TRACE_ARRAY || a->dir == KILN_IN)
        return wfail(w, "output: '%s' is not an out or inout array", name);
    if (a->output.present)
        return wfail(w, "output of '%s' given twice", name);
    if (!after)
        return wfail(w, "output of '%s': no data", name);
    return put_blob(w, &a->output, after, a->count * regress_elem_bytes(a->elem), name);
}

int kiln_trace_magnitude(kiln_trace_writer *w, const char *name, const double *magnitude)
{
    kiln_trace_arg *a = w->err[0] ? NULL : warg_find(w, name);
    if (!a)
        return w->err[0] ? -1 : wfail(w, "magnitude: no argument '%s'", name);
    if (a->kind != KILN_TRACE_ARRAY || a->dir == KILN_IN || (a->elem != KILN_F32 && a->elem != KILN_F64))
        return wfail(w, "magnitude: '%s' is not a floating out or inout array", name);
    if (a->magnitude.present || !magnitude)
        return wfail(w, "magnitude of '%s': given twice or no data", name);
    return put_blob(w, &a->magnitude, magnitude, a->count * sizeof(double), name);
}

static void put_blob_entry(bytes_out *o, const kiln_trace_blob *b)
{
    out_uint(o, (uint64_t)b->present, 1);
    if (b->present) {
        out_uint(o, b->offset, 8);
        out_uint(o, b->bytes, 8);
        out_uint(o, b->checksum, 8);
    }
}

static void encode_table(const kiln_trace_writer *w, bytes_out *o)
{
    out_uint(o, (uint64_t)w->nmeta, 4);
    for (int i = 0; i < w->nmeta; i++) {
        out_str(o, w->meta[i].key);
        out_str(o, w->meta[i].value);
    }
    out_uint(o, (uint64_t)w->nargs, 4);
    for (int i = 0; i < w->nargs; i++) {
        const kiln_trace_arg *a = &w->args[i];
        out_str(o, a->name);
        out_uint(o, (uint64_t)a->kind, 1);
        out_uint(o, (uint64_t)type_code_of(a->elem), 1);
        out_uint(o, (uint64_t)a->dir, 1);
        out_uint(o, (uint64_t)a->ndims, 1);
        out_uint(o, a->count, 8);
        for (int d = 0; d < 3; d++)
            out_uint(o, a->shape[d], 8);
        out_f64(o, a->terms);
        out_f64(o, a->tolerance);
        put_blob_entry(o, &a->input);
        put_blob_entry(o, &a->output);
        put_blob_entry(o, &a->magnitude);
    }
}

static void writer_free(kiln_trace_writer *w)
{
    for (int i = 0; i < w->nmeta; i++) {
        free(w->meta[i].key);
        free(w->meta[i].value);
    }
    for (int i = 0; i < w->nargs; i++)
        free((char *)w->args[i].name);
    free(w->meta);
    free(w->args);
    free(w->tmp);
    free(w->path);
    free(w);
}

static int finish_file(kiln_trace_writer *w)
{
    for (int i = 0; i < w->nargs; i++) {
        const kiln_trace_arg *a = &w->args[i];
        if (a->kind == KILN_TRACE_ARRAY && a->dir != KILN_IN && !a->output.present)
            return wfail(w, "array '%s': its output after the call was never given", a->name);
    }
    bytes_out table = {0};
    encode_table(w, &table);
    if (table.failed || table.len > MAX_TABLE_BYTES) {
        free(table.p);
        return wfail(w, "the table does not fit (%zu bytes)", table.len);
    }
    bytes_out pro = {0};
    out_put(&pro, trace_magic, sizeof trace_magic);
    out_uint(&pro, KILN_TRACE_VERSION, 4);
    out_uint(&pro, 0, 4); /* flags */
    out_uint(&pro, w->pos, 8);
    out_uint(&pro, table.len, 8);
    out_uint(&pro, regress_fnv(REGRESS_FNV_BASIS, table.p, table.len), 8);
    int rc = 0;
    if (pro.failed || fwrite(table.p, 1, table.len, w->f) != table.len || fseek(w->f, 0, SEEK_SET) != 0 ||
        fwrite(pro.p, 1, pro.len, w->f) != pro.len || fflush(w->f) != 0 || fsync(fileno(w->f)) != 0)
        rc = wfail(w, "writing the table: %s", strerror(errno ? errno : EIO));
    free(table.p);
    free(pro.p);
    return rc;
}

int kiln_trace_end(kiln_trace_writer *w, int keep, char *err, size_t errlen)
{
    int rc = w->err[0] ? -1 : 0;
    if (rc == 0 && keep)
        rc = finish_file(w);
    if (fclose(w->f) != 0 && rc == 0 && keep)
        rc = wfail(w, "closing: %s", strerror(errno));
    if (rc == 0 && keep && rename(w->tmp, w->path) != 0)
        rc = wfail(w, "putting %s in place: %s", w->tmp, strerror(errno));
    if (rc != 0 || !keep)
        unlink(w->tmp);
    if (rc != 0)
        regress_errf(err, errlen, "%s", w->err);
    writer_free(w);
    return rc;
}

/* ---- the reader ---- */

struct kiln_trace {
    char *path;
    FILE *f;
    uint64_t file_bytes, table_offset;
    unsigned char *table;
    int nmeta;
    char **keys, **values;        /* point into strings owned here */
    int nargs;
    kiln_trace_arg *args;
    char *strings;                /* every name, key and value, NUL-terminated */
};

/* A bounded cursor over the table: the first failure names the field. */
typedef struct cursor {
    const unsigned char *p;
    size_t left;
    char *strings;
    size_t strings_used;
    char field[96];
    int bad;
} cursor;

static const unsigned char *take(cursor *c, size_t n)
{
    if (c->bad || n > c->left) {
        c->bad = 1;
        return NULL;
    }
    const unsigned char *p = c->p;
    c->p += n;
    c->left -= n;
    return p;
}

static uint64_t get_uint(cursor *c, int bytes)
{
    const unsigned char *p = take(c, (size_t)bytes);
    return p ? le_uint(p, bytes) : 0;
}

static double get_f64(cursor *c)
{
    uint64_t u = get_uint(c, 8);
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

/* A length-prefixed string copied into the strings area (sized by the
 * table, which holds every string's bytes). */
static char *get_str(cursor *c, size_t max)
{
    uint64_t n = get_uint(c, 4);
    if (c->bad || n > max || n > c->left) {
        c->bad = 1;
        return NULL;
    }
    const unsigned char *p = take(c, (size_t)n);
    char *s = c->strings + c->strings_used;
    memcpy(s, p, (size_t)n);
    s[n] = '\0';
    c->strings_used += (size_t)n + 1;
    if (memchr(s, '\0', (size_t)n)) {
        c->bad = 1;
        return NULL;
    }
    return s;
}

static int rfail(char *err, size_t errlen, const char *path, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int rfail(char *err, size_t errlen, const char *path, const char *field, const char *fmt, ...)
{
    char what[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    regress_errf(err, errlen, "%s: field '%s': %s", path, field, what);
    return -1;
}

static int blob_check(const kiln_trace *t, const kiln_trace_blob *b, uint64_t expect_bytes, const char *field,
                      char *err, size_t errlen)
{
    if (!b->present)
        return 0;
    if (b->bytes != expect_bytes)
        return rfail(err, errlen, t->path, field, "%llu bytes, the argument's elements need %llu",
                     (unsigned long long)b->bytes, (unsigned long long)expect_bytes);
    if (b->offset < PROLOGUE_BYTES || b->offset > t->table_offset || b->bytes > t->table_offset - b->offset)
        return rfail(err, errlen, t->path, field, "bytes [%llu, +%llu) lie outside the data section [%d, %llu)",
                     (unsigned long long)b->offset, (unsigned long long)b->bytes, PROLOGUE_BYTES,
                     (unsigned long long)t->table_offset);
    return 0;
}

static void get_blob_entry(cursor *c, kiln_trace_blob *b)
{
    uint64_t present = get_uint(c, 1);
    if (present > 1)
        c->bad = 1;
    b->present = present == 1;
    if (b->present) {
        b->offset = get_uint(c, 8);
        b->bytes = get_uint(c, 8);
        b->checksum = get_uint(c, 8);
    }
}

/* One argument's record, then its consistency. */
static int parse_arg(kiln_trace *t, cursor *c, int i, char *err, size_t errlen)
{
    kiln_trace_arg *a = &t->args[i];
    char field[96];
    snprintf(c->field, sizeof c->field, "args[%d].name", i);
    a->name = get_str(c, MAX_NAME_BYTES);
    snprintf(c->field, sizeof c->field, "args[%d]", i);
    uint64_t kind = get_uint(c, 1), code = get_uint(c, 1), dir = get_uint(c, 1), ndims = get_uint(c, 1);
    a->count = get_uint(c, 8);
    for (int d = 0; d < 3; d++)
        a->shape[d] = get_uint(c, 8);
    a->terms = get_f64(c);
    a->tolerance = get_f64(c);
    snprintf(c->field, sizeof c->field, "args[%d].input", i);
    get_blob_entry(c, &a->input);
    snprintf(c->field, sizeof c->field, "args[%d].output", i);
    get_blob_entry(c, &a->output);
    snprintf(c->field, sizeof c->field, "args[%d].magnitude", i);
    get_blob_entry(c, &a->magnitude);
    if (c->bad)
        return rfail(err, errlen, t->path, c->field, "the table ends early or holds a malformed value");
    const char *name = a->name;
#define ARG_FIELD(f) (snprintf(field, sizeof field, "args[%d] '%.40s'.%s", i, name, f), field)
    if (!*name)
        return rfail(err, errlen, t->path, ARG_FIELD("name"), "empty");
    for (int j = 0; j < i; j++)
        if (strcmp(t->args[j].name, name) == 0)
            return rfail(err, errlen, t->path, ARG_FIELD("name"), "given twice");
    if (kind > KILN_TRACE_LOCAL)
        return rfail(err, errlen, t->path, ARG_FIELD("kind"), "unknown kind %llu", (unsigned long long)kind);
    if (code >= NTYPE_CODES)
        return rfail(err, errlen, t->path, ARG_FIELD("type"), "unknown type code %llu", (unsigned long long)code);
    if (dir > KILN_INOUT)
        return rfail(err, errlen, t->path, ARG_FIELD("dir"), "unknown direction %llu", (unsigned long long)dir);
    a->kind = (kiln_trace_kind)kind;
    a->elem = type_codes[code].elem;
    a->dir = (kiln_dir)dir;
    if (ndims < 1 || ndims > 3)
        return rfail(err, errlen, t->path, ARG_FIELD("ndims"), "%llu (1 to 3)", (unsigned long long)ndims);
    a->ndims = (int)ndims;
    uint64_t product = 1;
    for (int d = 0; d < a->ndims; d++) {
        if (a->shape[d] != 0 && product > UINT64_MAX / a->shape[d])
            return rfail(err, errlen, t->path, ARG_FIELD("shape"), "extents overflow");
        product *= a->shape[d];
    }
    if (product != a->count)
        return rfail(err, errlen, t->path, ARG_FIELD("shape"), "extents make %llu elements, count says %llu",
                     (unsigned long long)product, (unsigned long long)a->count);
    if (!(a->terms >= 0) || !(a->tolerance >= 0) || isinf(a->terms) || isinf(a->tolerance))
        return rfail(err, errlen, t->path, ARG_FIELD("terms"), "terms and tolerance must be finite and >= 0");
    int want_in = a->kind == KILN_TRACE_SCALAR || (a->kind == KILN_TRACE_ARRAY && a->dir != KILN_OUT);
    int want_out = a->kind == KILN_TRACE_ARRAY && a->dir != KILN_IN;
    if (a->kind == KILN_TRACE_SCALAR &&
        (a->dir != KILN_IN || a->count == 0 || a->count > 65536 || (a->elem != KILN_VOID && a->count != 1)))
        return rfail(err, errlen, t->path, ARG_FIELD("count"),
                     "a scalar is one typed input value, or 1 to 65536 raw input bytes");
    if (a->input.present != want_in)
        return rfail(err, errlen, t->path, ARG_FIELD("input"), "%s", want_in ? "missing" : "not expected here");
    if (a->output.present != want_out)
        return rfail(err, errlen, t->path, ARG_FIELD("output"), "%s", want_out ? "missing" : "not expected here");
    if (a->magnitude.present && (!want_out || (a->elem != KILN_F32 && a->elem != KILN_F64)))
        return rfail(err, errlen, t->path, ARG_FIELD("magnitude"), "only a floating output has magnitudes");
    uint64_t eb = type_codes[code].bytes;
    if (a->count > UINT64_MAX / eb)
        return rfail(err, errlen, t->path, ARG_FIELD("count"), "overflows");
    if (blob_check(t, &a->input, a->count * eb, ARG_FIELD("input"), err, errlen) != 0 ||
        blob_check(t, &a->output, a->count * eb, ARG_FIELD("output"), err, errlen) != 0 ||
        blob_check(t, &a->magnitude, a->count * sizeof(double), ARG_FIELD("magnitude"), err, errlen) != 0)
        return -1;
#undef ARG_FIELD
    return 0;
}

static int parse_table(kiln_trace *t, uint64_t table_bytes, char *err, size_t errlen)
{
    /* Every string's bytes lie in the table; each adds one NUL at most per 4 length bytes. */
    cursor c = {.p = t->table, .left = (size_t)table_bytes};
    if (!(t->strings = c.strings = malloc((size_t)table_bytes + 1)))
        return rfail(err, errlen, t->path, "table", "out of memory");
    snprintf(c.field, sizeof c.field, "meta.count");
    uint64_t nmeta = get_uint(&c, 4);
    if (c.bad || nmeta > MAX_ENTRIES || nmeta * 8 > c.left)
        return rfail(err, errlen, t->path, "meta.count", "%llu entries do not fit the table",
                     (unsigned long long)nmeta);
    t->keys = calloc((size_t)nmeta + 1, sizeof *t->keys);
    t->values = calloc((size_t)nmeta + 1, sizeof *t->values);
    if (!t->keys || !t->values)
        return rfail(err, errlen, t->path, "meta", "out of memory");
    for (uint64_t i = 0; i < nmeta; i++) {
        snprintf(c.field, sizeof c.field, "meta[%llu].key", (unsigned long long)i);
        t->keys[i] = get_str(&c, MAX_NAME_BYTES);
        if (!c.bad && !*t->keys[i])
            return rfail(err, errlen, t->path, c.field, "empty");
        snprintf(c.field, sizeof c.field, "meta[%llu] '%.40s'", (unsigned long long)i,
                 t->keys[i] ? t->keys[i] : "");
        t->values[i] = get_str(&c, MAX_VALUE_BYTES);
        if (c.bad)
            return rfail(err, errlen, t->path, c.field, "the table ends early or holds a malformed string");
        for (uint64_t j = 0; j < i; j++)
            if (strcmp(t->keys[j], t->keys[i]) == 0)
                return rfail(err, errlen, t->path, c.field, "key given twice");
        t->nmeta++;
    }
    uint64_t nargs = get_uint(&c, 4);
    if (c.bad || nargs > MAX_ENTRIES || nargs * 8 > c.left)
        return rfail(err, errlen, t->path, "args.count", "%llu arguments do not fit the table",
                     (unsigned long long)nargs);
    if (!(t->args = calloc((size_t)nargs + 1, sizeof *t->args)))
        return rfail(err, errlen, t->path, "args", "out of memory");
    for (uint64_t i = 0; i < nargs; i++) {
        if (parse_arg(t, &c, (int)i, err, errlen) != 0)
            return -1;
        t->nargs++;
    }
    if (c.left != 0)
        return rfail(err, errlen, t->path, "table", "%zu bytes after the last argument", c.left);
    return 0;
}

static int read_prologue(kiln_trace *t, uint64_t *table_bytes, uint64_t *table_sum, char *err, size_t errlen)
{
    unsigned char pro[PROLOGUE_BYTES];
    if (t->file_bytes < PROLOGUE_BYTES)
        return rfail(err, errlen, t->path, "prologue", "truncated: the file has %llu bytes, the prologue needs %d",
                     (unsigned long long)t->file_bytes, PROLOGUE_BYTES);
    if (fread(pro, 1, sizeof pro, t->f) != sizeof pro)
        return rfail(err, errlen, t->path, "prologue", "cannot read: %s", strerror(errno ? errno : EIO));
    if (memcmp(pro, trace_magic, sizeof trace_magic) != 0)
        return rfail(err, errlen, t->path, "magic", "not a kiln trace");
    uint64_t version = le_uint(pro + 8, 4), flags = le_uint(pro + 12, 4);
    if (version == 0 || version > KILN_TRACE_VERSION)
        return rfail(err, errlen, t->path, "version", "format version %llu; this kiln reads versions 1 to %d",
                     (unsigned long long)version, KILN_TRACE_VERSION);
    if (flags != 0)
        return rfail(err, errlen, t->path, "flags", "unknown flags 0x%llx", (unsigned long long)flags);
    t->table_offset = le_uint(pro + 16, 8);
    *table_bytes = le_uint(pro + 24, 8);
    *table_sum = le_uint(pro + 32, 8);
    if (t->table_offset < PROLOGUE_BYTES || *table_bytes > MAX_TABLE_BYTES)
        return rfail(err, errlen, t->path, "table_offset", "table at %llu, %llu bytes: not a possible table",
                     (unsigned long long)t->table_offset, (unsigned long long)*table_bytes);
    if (t->table_offset > t->file_bytes || *table_bytes > t->file_bytes - t->table_offset)
        return rfail(err, errlen, t->path, "table_offset",
                     "truncated: the table ends at byte %llu, the file has %llu bytes",
                     (unsigned long long)(t->table_offset + *table_bytes), (unsigned long long)t->file_bytes);
    if (t->table_offset + *table_bytes != t->file_bytes)
        return rfail(err, errlen, t->path, "table_bytes", "%llu bytes follow the table",
                     (unsigned long long)(t->file_bytes - t->table_offset - *table_bytes));
    return 0;
}

kiln_trace *kiln_trace_open(const char *path, char *err, size_t errlen)
{
    kiln_trace *t = calloc(1, sizeof *t);
    if (!t || !(t->path = strdup(path))) {
        regress_errf(err, errlen, "%s: out of memory", path);
        free(t);
        return NULL;
    }
    struct stat st;
    t->f = fopen(path, "rb");
    if (!t->f || fstat(fileno(t->f), &st) != 0 || !S_ISREG(st.st_mode)) {
        regress_errf(err, errlen, "%s: %s", path, t->f ? "not a regular file" : strerror(errno));
        kiln_trace_free(t);
        return NULL;
    }
    t->file_bytes = (uint64_t)st.st_size;
    uint64_t table_bytes = 0, table_sum = 0;
    if (read_prologue(t, &table_bytes, &table_sum, err, errlen) != 0) {
        kiln_trace_free(t);
        return NULL;
    }
    t->table = malloc((size_t)table_bytes + 1);
    int rc = t->table ? 0 : rfail(err, errlen, path, "table", "out of memory");
    if (rc == 0 && (fseek(t->f, (long)t->table_offset, SEEK_SET) != 0 ||
                    fread(t->table, 1, (size_t)table_bytes, t->f) != table_bytes))
        rc = rfail(err, errlen, path, "table", "cannot read: %s", strerror(errno ? errno : EIO));
    uint64_t sum = rc == 0 ? regress_fnv(REGRESS_FNV_BASIS, t->table, (size_t)table_bytes) : 0;
    if (rc == 0 && sum != table_sum)
        rc = rfail(err, errlen, path, "table_checksum", "checksum mismatch (stored %016llx, computed %016llx)",
                   (unsigned long long)table_sum, (unsigned long long)sum);
    if (rc == 0)
        rc = parse_table(t, table_bytes, err, errlen);
    if (rc != 0) {
        kiln_trace_free(t);
        return NULL;
    }
    return t;
}

void kiln_trace_free(kiln_trace *t)
{
    if (!t)
        return;
    if (t->f)
        fclose(t->f);
    free(t->keys);
    free(t->values);
    free(t->args);
    free(t->strings);
    free(t->table);
    free(t->path);
    free(t);
}

const char *kiln_trace_path(const kiln_trace *t)
{
    return t->path;
}

const char *kiln_trace_get(const kiln_trace *t, const char *key)
{
    for (int i = 0; i < t->nmeta; i++)
        if (strcmp(t->keys[i], key) == 0)
            return t->values[i];
    return NULL;
}

int kiln_trace_nargs(const kiln_trace *t)
{
    return t->nargs;
}

const kiln_trace_arg *kiln_trace_arg_at(const kiln_trace *t, int index)
{
    return index >= 0 && index < t->nargs ? &t->args[index] : NULL;
}

/* "a,b,c" into dims extents; -1 when malformed or the count differs. */
static int parse_extents(const char *text, int dims, size_t *out)
{
    const char *p = text;
    for (int i = 0; i < dims; i++) {
        if (*p < '0' || *p > '9')
            return -1;
        char *end;
        errno = 0;
        unsigned long long v = strtoull(p, &end, 10);
        if (errno || v == 0 || v > (size_t)-1)
            return -1;
        out[i] = (size_t)v;
        p = end;
        if (i + 1 < dims && *p++ != ',')
            return -1;
    }
    return *p == '\0' ? 0 : -1;
}

int kiln_trace_get_geometry(const kiln_trace *t, kiln_geometry *geo, char *err, size_t errlen)
{
    memset(geo, 0, sizeof *geo);
    const char *dims = kiln_trace_get(t, "work_dim"), *global = kiln_trace_get(t, "global"),
               *local = kiln_trace_get(t, "local");
    if (!dims || strlen(dims) != 1 || dims[0] < '1' || dims[0] > '3')
        return rfail(err, errlen, t->path, "work_dim", "%s", dims ? "not 1, 2 or 3" : "missing");
    geo->dims = dims[0] - '0';
    if (!global || parse_extents(global, geo->dims, geo->global) != 0)
        return rfail(err, errlen, t->path, "global", "%s: expected %d positive extents", global ? global : "missing",
                     geo->dims);
    if (local && *local && parse_extents(local, geo->dims, geo->local) != 0)
        return rfail(err, errlen, t->path, "local", "%s: expected %d positive extents or nothing", local,
                     geo->dims);
    return 0;
}

/* Streams [offset, offset + bytes) through the checksum, into dst when given. */
static int stream_blob(const kiln_trace *t, const kiln_trace_blob *b, void *dst, const char *field, char *err,
                       size_t errlen)
{
    unsigned char piece[STREAM_PIECE];
    uint64_t h = REGRESS_FNV_BASIS;
    if (fseek(t->f, (long)b->offset, SEEK_SET) != 0)
        return rfail(err, errlen, t->path, field, "cannot seek: %s", strerror(errno));
    for (uint64_t done = 0; done < b->bytes;) {
        size_t n = b->bytes - done < STREAM_PIECE ? (size_t)(b->bytes - done) : STREAM_PIECE;
        unsigned char *to = dst ? (unsigned char *)dst + done : piece;
        if (fread(to, 1, n, t->f) != n)
            return rfail(err, errlen, t->path, field, "truncated: cannot read byte %llu of %llu",
                         (unsigned long long)done, (unsigned long long)b->bytes);
        h = regress_fnv(h, to, n);
        done += n;
    }
    if (h != b->checksum)
        return rfail(err, errlen, t->path, field, "checksum mismatch (stored %016llx, computed %016llx)",
                     (unsigned long long)b->checksum, (unsigned long long)h);
    return 0;
}

static const char *const blob_names[] = {"input", "output", "magnitude"};

static const kiln_trace_blob *blob_of(const kiln_trace_arg *a, int which)
{
    return which == KILN_TRACE_INPUT ? &a->input : which == KILN_TRACE_OUTPUT ? &a->output : &a->magnitude;
}

int kiln_trace_read(const kiln_trace *t, int index, int which, void *dst, char *err, size_t errlen)
{
    const kiln_trace_arg *a = kiln_trace_arg_at(t, index);
    char field[96];
    if (which < KILN_TRACE_INPUT || which > KILN_TRACE_MAGNITUDE)
        return rfail(err, errlen, t->path, "args", "no such data %d", which);
    snprintf(field, sizeof field, "args[%d].%s", index, blob_names[which]);
    if (!a || !blob_of(a, which)->present)
        return rfail(err, errlen, t->path, field, "not in the trace");
    snprintf(field, sizeof field, "args[%d] '%.40s'.%s", index, a->name, blob_names[which]);
    return stream_blob(t, blob_of(a, which), dst, field, err, errlen);
}

int kiln_trace_verify(const kiln_trace *t, char *err, size_t errlen)
{
    for (int i = 0; i < t->nargs; i++)
        for (int which = KILN_TRACE_INPUT; which <= KILN_TRACE_MAGNITUDE; which++) {
            const kiln_trace_blob *b = blob_of(&t->args[i], which);
            char field[96];
            snprintf(field, sizeof field, "args[%d] '%.40s'.%s", i, t->args[i].name, blob_names[which]);
            if (b->present && stream_blob(t, b, NULL, field, err, errlen) != 0)
                return -1;
        }
    return 0;
}
