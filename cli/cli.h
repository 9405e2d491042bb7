/* cli.h: what the kiln command's files share: aligned text tables, the strict
 * parser for numbers, and the export writer. */
#ifndef KILN_CLI_H
#define KILN_CLI_H

#include <stdint.h>
#include <stdio.h>
#include "kiln/tuner.h"

typedef struct cli_table cli_table;

/* A table of ncols columns with the given headers (const char * each). */
cli_table *cli_table_new(int ncols, ...);
/* Appends a row of ncols strings (copied). */
void cli_table_row(cli_table *t, ...);
void cli_table_print(const cli_table *t, FILE *out);
void cli_table_free(cli_table *t);

/* ---- numbers (parse.c): 0 ok, -1 malformed or out of range ------------- */

/* Plain decimal in [min, max]: no sign, no leading zero, no hex. */
int cli_parse_u64(const char *text, uint64_t min, uint64_t max, uint64_t *out);
/* Plain decimal with an optional '-', in [min, max]. */
int cli_parse_int(const char *text, int min, int max, int *out);
/* A finite number of seconds > 0 written in decimal (1, 0.5, 2e3). */
int cli_parse_seconds(const char *text, double *out);
/* N, NxM or NxMxK, each extent a plain decimal in [1, LLONG_MAX]. */
int cli_parse_size(const char *text, kiln_size *out);
/* "name=value" or "name=value,value,...": -1 when a value looks like a
 * number but is not plain decimal in range (0x10, 010, 1e3,
 * 99999999999999999999), or a list has an empty value. */
int cli_check_setting(const char *assignment);

/* ---- what `kiln tune` adds to a search (tune_search.c) --------------- */

/* A copy of a kernel whose space has one more constraint per --set (P=V
 * fixes P, P=V1,V2,... restricts it to those values) and per --where (a
 * constraint over the parameters and the size names): same kernel name and
 * sources, so results and resume are shared with unrestricted runs. */
typedef struct cli_restriction {
    kiln_kernel kernel;
    const char **constraints;  /* the kernel's, then the added ones */
    char **added;
    int nadded;
} cli_restriction;
/* The restricted kernel (out->kernel), or NULL with err naming the --set or
 * --where at fault (an unknown parameter or value, a syntax error's column,
 * an unknown name). */
const kiln_kernel *cli_restrict(const kiln_kernel *k, const kiln_size *size, const char *const *sets, int nsets,
                                const char *const *wheres, int nwheres, cli_restriction *out, char *err,
                                size_t errlen);
void cli_restriction_free(cli_restriction *r);

typedef struct cli_simulation {
    const kiln_kernel *kernel;
    kiln_size size;
    int size_given;            /* else the one size the database recorded */
    const char *device;        /* NULL: the one device the database recorded */
    const kiln_strategy *strategy;
    uint64_t budget, seed;
} cli_simulation;
/* `kiln tune --simulate`: replays the strategy on the results of the kernel
 * recorded in db and prints what it needed to out. 0 ok, -1 with err (the
 * database failed), -2 with err (nothing to replay: no results, or several
 * devices or sizes to choose from). */
int cli_simulate(FILE *out, kiln_db *db, const cli_simulation *sim, char *err, size_t errlen);

/* ---- exports (export.c) ----------------------------------------------- */

enum { CLI_FORMAT_TABLE, CLI_FORMAT_CSV, CLI_FORMAT_JSON, CLI_FORMAT_T4, CLI_FORMAT_CSV_PARAMS, CLI_FORMAT_HEADER };

typedef struct cli_output {
    FILE *f;
    const char *path;   /* NULL: standard output */
    char *target;       /* the file replaced: path, or the file its symbolic link names */
    char *tmp;          /* the temporary file renamed to target at the end */
} cli_output;

/* Opens where an export goes: stdout when path is NULL, else a temporary file
 * beside path. Refuses a path that is the database db_path (or its -wal,
 * -shm, -journal), compared by file identity and by resolved name: -2 then
 * (a usage error); -1 when it cannot be written. */
int cli_output_open(cli_output *o, const char *path, const char *db_path, char *err, size_t errlen);
/* Flushes and checks every write; with keep, renames the temporary file into
 * place, else (or on any error) removes it. 0 ok, -1 with err. */
int cli_output_close(cli_output *o, int keep, char *err, size_t errlen);

/* A JSON string literal of s (null for NULL): control characters, quotes and
 * backslashes escaped, bytes that are not UTF-8 replaced by U+FFFD. */
void cli_json_string(FILE *out, const char *s);
/* v printed with printf_format when present, else null. */
void cli_json_number(FILE *out, int present, const char *printf_format, double v);
/* A CSV field (RFC 4180): quoted when it must be; nothing for NULL. */
void cli_csv_string(FILE *out, const char *s);
void cli_export_begin(FILE *out, int format);
/* index: 0 for the first row written. */
void cli_export_row(FILE *out, int format, const kiln_db_row *r, int index);
void cli_export_end(FILE *out, int format, int count);

/* ---- exports that other tools read (export_peers.c) ----------------- */

/* Writes the rows matching the filters (NULL: any) in format CLI_FORMAT_T4,
 * CLI_FORMAT_CSV_PARAMS or CLI_FORMAT_HEADER; *count gets the results (or,
 * for a header, the kernel/device/size bests) written. 0 ok, -1 with err:
 * the database failed, or a row cannot be written in the format. */
int cli_export_peer(FILE *out, int format, kiln_db *db, const char *kernel, const char *device_fp,
                    const char *size, int ok_only, int *count, char *err, size_t errlen);

/* ---- pictures (plot.c) ------------------------------------------------ */

/* One tuning run of kernel as SVG: run (0 for the latest matching the
 * filters; device_fp and size may be NULL); with roofline, the variants on
 * their device's roofline too (its peaks measured by `kiln peaks`). 0 ok, -1
 * with err. */
int cli_plot(FILE *out, kiln_db *db, const char *kernel, const char *device_fp, const char *size, int64_t run,
             int roofline, const char *colour_by, char *err, size_t errlen);

/* ---- imported kernels (import.c) -------------------------------------- */

/* `kiln import FILE --kernel NAME ...` */
int cli_cmd_import(int argc, char **argv);

/* What `kiln tune --source` was given. */
typedef struct cli_source_opts {
    const char *path, *kernel;
    int nparams;
    const char *const *params;     /* "P=v1,v2,..." (the first value is the default) */
    int nwhere;
    const char *const *where;      /* constraints over the parameters and the size */
    int ndefines;
    const char *const *defines;    /* fixed -D definitions */
    const char *args;              /* the argument spec */
    const char *grid;              /* "G0,G1 : L0,L1" */
    const char *reference;         /* "FILE:FUNCTION" run on the host C target, or NULL */
    double tolerance;              /* floating outputs, relative; 0: 1e-4 */
    kiln_size size;
} cli_source_opts;

/* The kernel that tunes the source: NULL with err on a bad spec or a source
 * that does not import under the default configuration. */
const kiln_kernel *cli_source_kernel(const cli_source_opts *o, char *err, size_t errlen);

#endif
