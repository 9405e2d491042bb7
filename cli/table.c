/* table.c: aligned text tables for the kiln command's reports. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"

struct cli_table {
    int ncols;
    int nrows, cap;
    char **cells; /* (nrows + 1) * ncols, headers first */
};

static void table_append(cli_table *t, va_list ap)
{
    if (t->nrows + 1 >= t->cap) {
        int cap = t->cap ? t->cap * 2 : 16;
        char **cells = realloc(t->cells, (size_t)cap * (size_t)t->ncols * sizeof *cells);
        if (!cells)
            return;
        t->cells = cells;
        t->cap = cap;
    }
    for (int c = 0; c < t->ncols; c++) {
        const char *s = va_arg(ap, const char *);
        t->cells[(size_t)t->nrows * (size_t)t->ncols + (size_t)c] = strdup(s ? s : "");
    }
    t->nrows++;
}

cli_table *cli_table_new(int ncols, ...)
{
    cli_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->ncols = ncols;
    va_list ap;
    va_start(ap, ncols);
    table_append(t, ap);
    va_end(ap);
    return t;
}

void cli_table_row(cli_table *t, ...)
{
    va_list ap;
    va_start(ap, t);
    table_append(t, ap);
    va_end(ap);
}

/* Display width of UTF-8 text: count code points, not bytes. */
static int text_width(const char *s)
{
    int w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            w++;
    return w;
}

void cli_table_print(const cli_table *t, FILE *out)
{
    int *width = calloc((size_t)t->ncols, sizeof *width);
    if (!width)
        return;
    for (int r = 0; r < t->nrows; r++)
        for (int c = 0; c < t->ncols; c++) {
            int w = text_width(t->cells[(size_t)r * (size_t)t->ncols + (size_t)c]);
            if (w > width[c])
                width[c] = w;
        }
    for (int r = 0; r < t->nrows; r++) {
        for (int c = 0; c < t->ncols; c++) {
            const char *s = t->cells[(size_t)r * (size_t)t->ncols + (size_t)c];
            fputs(s, out);
            if (c + 1 < t->ncols)
                fprintf(out, "%*s", width[c] - text_width(s) + 2, "");
        }
        fputc('\n', out);
        if (r == 0) {
            for (int c = 0; c < t->ncols; c++) {
                for (int i = 0; i < width[c]; i++)
                    fputc('-', out);
                if (c + 1 < t->ncols)
                    fputs("  ", out);
            }
            fputc('\n', out);
        }
    }
    free(width);
}

void cli_table_free(cli_table *t)
{
    if (!t)
        return;
    for (int i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t);
}
