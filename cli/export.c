/*
 * export.c: results written as CSV (RFC 4180) or JSON, and the file they go
 * to. An export never writes over the database it reads (nor its -wal, -shm
 * or -journal file, however the path is spelled), and a regular file is
 * written under a temporary name beside it and renamed into place only once
 * every byte reached the disk: a failed export leaves what was there before.
 * Values that were never measured are empty (CSV) or null (JSON).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli/cli.h"

/* ---- where the output goes --------------------------------------------- */

/* "DIR/NAME" with DIR resolved (symlinks, "..", "//"); NULL when DIR does not exist. */
static char *canonical_path(const char *path)
{
    char *dcopy = strdup(path), *bcopy = strdup(path);
    char *result = NULL;
    if (dcopy && bcopy) {
        char dir[PATH_MAX];
        if (realpath(dirname(dcopy), dir)) {
            const char *base = basename(bcopy);
            size_t len = strlen(dir) + strlen(base) + 2;
            result = malloc(len);
            if (result)
                snprintf(result, len, "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, base);
        }
    }
    free(dcopy);
    free(bcopy);
    return result;
}

/* 1 when writing `output` could overwrite the database file `db_file`. */
static int names_database_file(const char *output, const char *db_file)
{
    struct stat a, b;
    if (stat(output, &a) == 0 && stat(db_file, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
        return 1;
    char *x = canonical_path(output), *y = canonical_path(db_file);
    int same = x && y && strcmp(x, y) == 0;
    free(x);
    free(y);
    return same;
}

int cli_output_open(cli_output *o, const char *path, const char *db_path, char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    if (!path) {
        o->f = stdout;
        return 0;
    }
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        char db_file[PATH_MAX];
        snprintf(db_file, sizeof db_file, "%s%s", db_path, suffixes[i]);
        if (names_database_file(path, db_file)) {
            snprintf(err, errlen, "refusing to write the export to %s: it is the database %s%s", path,
                     i ? "file " : "", i ? db_file : db_path);
            return -2;
        }
    }
    o->path = path;
    struct stat sb;
    int exists = stat(path, &sb) == 0;
    if (exists && !S_ISREG(sb.st_mode)) {
        /* A device or a pipe (/dev/stdout, /dev/full) cannot be replaced: written in place. */
        o->f = fopen(path, "w");
        if (!o->f) {
            snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
            return -1;
        }
        return 0;
    }
    /* A symbolic link to a file is written through: the file it names is
     * replaced, keeping its permissions. */
    o->target = exists ? realpath(path, NULL) : NULL;
    if (!o->target)
        o->target = strdup(path);
    size_t len = o->target ? strlen(o->target) + sizeof ".XXXXXX" : 0;
    o->tmp = len ? malloc(len) : NULL;
    if (!o->tmp) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    snprintf(o->tmp, len, "%s.XXXXXX", o->target);
    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        goto fail;
    }
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, exists ? sb.st_mode & 07777 : 0666 & ~mask);
    o->f = fdopen(fd, "w");
    if (!o->f) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        close(fd);
        unlink(o->tmp);
        goto fail;
    }
    return 0;
fail:
    free(o->tmp);
    free(o->target);
    o->tmp = o->target = NULL;
    return -1;
}

int cli_output_close(cli_output *o, int keep, char *err, size_t errlen)
{
    int rc = 0;
    const char *name = o->path ? o->path : "standard output";
    if (!o->f)
        return -1;
    if (o->f == stdout) {
        if (fflush(stdout) != 0 || ferror(stdout)) {
            snprintf(err, errlen, "writing to %s: %s", name, strerror(errno ? errno : EIO));
            rc = -1;
        }
        o->f = NULL;
        return rc;
    }
    if (fflush(o->f) != 0 || ferror(o->f) || (o->tmp && fsync(fileno(o->f)) != 0)) {
        snprintf(err, errlen, "writing %s: %s", name, strerror(errno ? errno : EIO));
        rc = -1;
    }
    if (fclose(o->f) != 0 && rc == 0) {
        snprintf(err, errlen, "writing %s: %s", name, strerror(errno));
        rc = -1;
    }
    o->f = NULL;
    if (o->tmp) {
        if (rc == 0 && keep && rename(o->tmp, o->target) != 0) {
            snprintf(err, errlen, "cannot write %s: %s", name, strerror(errno));
            rc = -1;
        }
        if (rc != 0 || !keep)
            unlink(o->tmp);
        free(o->tmp);
        free(o->target);
        o->tmp = o->target = NULL;
    }
    return rc;
}

/* ---- values ----------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when it is not one. */
static int utf8_length(const unsigned char *s)
{
    int n = s[0] < 0xC2 ? 0 : s[0] < 0xE0 ? 2 : s[0] < 0xF0 ? 3 : s[0] <= 0xF4 ? 4 : 0;
    if (n == 0)
        return 0;
    for (int i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] >= 0xA0) || (s[0] == 0xF0 && s[1] < 0x90) ||
        (s[0] == 0xF4 && s[1] >= 0x90))
        return 0; /* overlong forms, surrogates, past U+10FFFF */
    return n;
}

void cli_json_string(FILE *out, const char *s)
{
    if (!s) {
        fputs("null", out);
        return;
    }
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        if (*p == '"' || *p == '\\') {
            fprintf(out, "\\%c", *p++);
        } else if (*p == '\n') {
            fputs("\\n", out);
            p++;
        } else if (*p == '\t') {
            fputs("\\t", out);
            p++;
        } else if (*p == '\r') {
            fputs("\\r", out);
            p++;
        } else if (*p < 0x20 || *p == 0x7F) {
            fprintf(out, "\\u%04x", *p++);
        } else if (*p < 0x80) {
            fputc(*p++, out);
        } else {
            int n = utf8_length(p);
            if (n == 0) {
                fputs("\\ufffd", out); /* a byte that is not UTF-8 (a compiler log in Latin-1) */
                p++;
            } else {
                fwrite(p, 1, (size_t)n, out);
                p += n;
            }
        }
    }
    fputc('"', out);
}

/* RFC 4180: quoted when it holds a comma, a quote or a line break (and when
 * empty, to tell "" from a missing value); quotes doubled. */
void cli_csv_string(FILE *out, const char *s)
{
    if (!s)
        return;
    if (*s && !strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

void cli_json_number(FILE *out, int present, const char *printf_format, double v)
{
    if (present)
        fprintf(out, printf_format, v);
    else
        fputs("null", out);
}

/* A number, or a missing value: empty in CSV, null in JSON. */
static void number(FILE *out, int format, int present, const char *printf_format, double v)
{
    if (format == CLI_FORMAT_JSON)
        cli_json_number(out, present, printf_format, v);
    else if (present)
        fprintf(out, printf_format, v);
}

static int verified(const kiln_db_row *r)
{
    return r->verdict && (strcmp(r->verdict, "ok") == 0 || strcmp(r->verdict, "wrong") == 0);
}

/* ---- rows ------------------------------------------------------------- */

static const char *const columns[] = {
    "kernel", "lang", "device", "device_fingerprint", "size", "config", "source_hash", "verdict",
    "median_ns", "min_ns", "max_ns", "samples", "gflops", "gbytes_per_s", "max_abs_err", "max_rel_err",
    "error", "created", "counters", "stopped_early", "generate_ns", "build_ns", "verify_ns", "measure_ns",
};
#define NCOLUMNS (sizeof columns / sizeof columns[0])

void cli_export_begin(FILE *out, int format)
{
    if (format == CLI_FORMAT_JSON) {
        fputc('[', out);
        return;
    }
    for (size_t i = 0; i < NCOLUMNS; i++)
        fprintf(out, "%s%s", i ? "," : "", columns[i]);
    fputc('\n', out);
}

void cli_export_end(FILE *out, int format, int count)
{
    if (format == CLI_FORMAT_JSON)
        fputs(count ? "\n]\n" : "]\n", out);
}

void cli_export_row(FILE *out, int format, const kiln_db_row *r, int index)
{
    int timed = r->samples > 0;
    struct {
        int is_text;
        const char *text;
        int present;
        const char *printf_format;
        double value;
    } v[NCOLUMNS] = {
        {1, r->kernel, 0, 0, 0},
        {1, r->lang, 0, 0, 0},
        {1, r->device_name, 0, 0, 0},
        {1, r->device_fp, 0, 0, 0},
        {1, r->size, 0, 0, 0},
        {1, r->config_json, 0, 0, 0},
        {1, r->source_hash, 0, 0, 0},
        {1, r->verdict, 0, 0, 0},
        {0, NULL, timed && r->median_ns >= 0, "%.1f", r->median_ns},
        {0, NULL, timed && r->min_ns >= 0, "%.1f", r->min_ns},
        {0, NULL, timed && r->max_ns >= 0, "%.1f", r->max_ns},
        {0, NULL, timed, "%.0f", r->samples},
        {0, NULL, r->gflops > 0, "%.4f", r->gflops},
        {0, NULL, r->gbytes_per_s > 0, "%.4f", r->gbytes_per_s},
        {0, NULL, verified(r) && r->max_abs_err >= 0, "%.6g", r->max_abs_err},
        {0, NULL, verified(r) && r->max_rel_err >= 0, "%.6g", r->max_rel_err},
        {1, r->error_text, 0, 0, 0},
        {1, r->created, 0, 0, 0},
        {1, r->counters_json, 0, 0, 0},
        {0, NULL, timed, "%.0f", r->stopped_early},
        {0, NULL, r->phase.generate_ns >= 0, "%.0f", r->phase.generate_ns},
        {0, NULL, r->phase.build_ns >= 0, "%.0f", r->phase.build_ns},
        {0, NULL, r->phase.verify_ns >= 0, "%.0f", r->phase.verify_ns},
        {0, NULL, r->phase.measure_ns >= 0, "%.0f", r->phase.measure_ns},
    };
    if (format == CLI_FORMAT_JSON)
        fputs(index ? ",\n  {" : "\n  {", out);
    for (size_t i = 0; i < NCOLUMNS; i++) {
        if (format == CLI_FORMAT_JSON) {
            fprintf(out, "%s\"%s\":", i ? "," : "", columns[i]);
            if ((strcmp(columns[i], "config") == 0 || strcmp(columns[i], "counters") == 0) && v[i].text)
                fputs(v[i].text, out); /* JSON kiln wrote, as stored */
            else if (v[i].is_text)
                cli_json_string(out, v[i].text);
            else
                number(out, format, v[i].present, v[i].printf_format, v[i].value);
        } else {
            if (i)
                fputc(',', out);
            if (v[i].is_text)
                cli_csv_string(out, v[i].text);
            else
                number(out, format, v[i].present, v[i].printf_format, v[i].value);
        }
    }
    fputs(format == CLI_FORMAT_JSON ? "}" : "\n", out);
}
