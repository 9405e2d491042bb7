/*
 * plot.c: `kiln plot`, one tuning run as an SVG picture (plain text, no
 * library): the time of each evaluated variant in evaluation order with the
 * best so far, then, per parameter, the times of the variants that took each
 * of its values, and with --roofline the variants on the roofline of their
 * device: GFLOP/s against arithmetic intensity (FLOP per byte, from the
 * kernel's counts) under min(peak FLOP/s, intensity * peak bytes/s), the
 * peaks being the highest GFLOP/s and GB/s that the micro-kernels `kiln
 * peaks` tunes (peak_fma, peak_stream) reached on that device. Times are medians on logarithmic
 * axes; failed variants are marked under the axis in their place. Points
 * carry their row id and values (data-*) so that a test can check each one's
 * place. With --colour-by NAME the trace's points are coloured by a figure
 * of their counters (an event, energy_j, power_w: kiln tune --counters,
 * --energy), blue for the lowest to red for the highest of the run.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"

#define PLOT_WIDTH 960
#define TRACE_HEIGHT 320
#define PANEL_WIDTH 300
#define PANEL_HEIGHT 240
#define PANELS_PER_ROW 3
#define MARGIN_LEFT 70
#define MARGIN_TOP 40

typedef struct point {
    int64_t id;
    double ns;                  /* < 0: failed */
    double gflops, gbytes_per_s; /* < 0: not counted */
    char verdict[16];
    double colour;              /* the --colour-by figure; < 0: none */
    kiln_config_pairs params;
} point;

typedef struct plot_rows {
    int64_t run;
    char device_fp[17];
    char device[256];
    point *items;
    int count, cap;
    int failed;
    char err[256];
    const char *colour_by;      /* a name in the counters JSON, or NULL */
} plot_rows;


static int latest_run(void *user, const kiln_db_row *r)
{
    int64_t *run = user;
    if (r->run_id > *run && strcmp(r->verdict, "running") != 0)
        *run = r->run_id;
    return 0;
}

static int collect_point(void *user, const kiln_db_row *r)
{
    plot_rows *p = user;
    if (r->run_id != p->run || strcmp(r->verdict, "running") == 0)
        return 0;
    if (p->count == p->cap) {
        int cap = p->cap ? 2 * p->cap : 64;
        point *grown = realloc(p->items, (size_t)cap * sizeof *grown);
        if (!grown) {
            snprintf(p->err, sizeof p->err, "out of memory");
            p->failed = 1;
            return 1;
        }
        p->items = grown;
        p->cap = cap;
    }
    point *pt = &p->items[p->count];
    memset(pt, 0, sizeof *pt);
    pt->id = r->id;
    pt->ns = strcmp(r->verdict, "ok") == 0 && r->samples > 0 ? r->median_ns : -1;
    pt->gflops = pt->ns > 0 ? r->gflops : -1;
    pt->gbytes_per_s = pt->ns > 0 ? r->gbytes_per_s : -1;
    pt->colour = pt->ns > 0 && p->colour_by ? kiln_counters_figure(r->counters_json, p->colour_by) : -1;
    snprintf(p->device_fp, sizeof p->device_fp, "%s", r->device_fp ? r->device_fp : "");
    snprintf(p->device, sizeof p->device, "%s", r->device_name ? r->device_name : "");
    snprintf(pt->verdict, sizeof pt->verdict, "%s", r->verdict);
    if (kiln_config_pairs_parse(r->config_json ? r->config_json : "", &pt->params) != 0) {
        snprintf(p->err, sizeof p->err, "result %lld: its configuration is not {\"name\":integer,...}",
                 (long long)r->id);
        p->failed = 1;
        return 1;
    }
    p->count++;
    return 0;
}

static void plot_rows_clear(plot_rows *p)
{
    for (int i = 0; i < p->count; i++)
        kiln_config_pairs_clear(&p->items[i].params);
    free(p->items);
}

/* ---- axes ------------------------------------------------------------- */

typedef struct log_axis {
    double lo, hi;              /* log10 of the time range shown */
    double top, height;         /* pixels */
} log_axis;

static double axis_y(const log_axis *a, double ns)
{
    return a->top + a->height * (1 - (log10(ns) - a->lo) / (a->hi - a->lo));
}

static void tick_label(double ns, char *buf, size_t len)
{
    static const struct {
        double scale;
        const char *unit;
    } units[] = {{1e9, "s"}, {1e6, "ms"}, {1e3, "us"}, {1, "ns"}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (ns >= units[i].scale || i + 1 == sizeof units / sizeof units[0]) {
            snprintf(buf, len, "%g %s", ns / units[i].scale, units[i].unit);
            return;
        }
}

/* Ticks at 1, 2 and 5 times each power of ten inside the range (each digit
 * where the range is under a decade), and a grid line each. */
static void draw_axis(FILE *out, const log_axis *a, double left, double width)
{
    static const double coarse[] = {1, 2, 5}, fine[] = {1, 1.5, 2, 3, 4, 5, 6, 7, 8, 9};
    int narrow = a->hi - a->lo < 1;
    const double *steps = narrow ? fine : coarse;
    size_t nsteps = narrow ? sizeof fine / sizeof fine[0] : sizeof coarse / sizeof coarse[0];
    fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n", left, a->top, left,
            a->top + a->height);
    for (int e = (int)floor(a->lo); e <= (int)ceil(a->hi); e++) {
        for (size_t s = 0; s < nsteps; s++) {
            double ns = steps[s] * pow(10, e);
            if (log10(ns) < a->lo - 1e-9 || log10(ns) > a->hi + 1e-9)
                continue;
            char label[32];
            tick_label(ns, label, sizeof label);
            double y = axis_y(a, ns);
            fprintf(out,
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                    "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">%s</text>\n",
                    left, y, left + width, y, left - 4, y + 3, label);
        }
    }
}

/* The axis over every correct time (padded a little; a single time gets a decade). */
static int make_axis(const plot_rows *p, double top, double height, log_axis *a)
{
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < p->count; i++)
        if (p->items[i].ns > 0) {
            lo = fmin(lo, p->items[i].ns);
            hi = fmax(hi, p->items[i].ns);
        }
    if (!(lo <= hi))
        return -1;
    double pad = fmax(0.05 * (log10(hi) - log10(lo)), 0.02);
    if (hi / lo < 1.01)
        pad = 0.5;
    *a = (log_axis){log10(lo) - pad, log10(hi) + pad, top, height};
    return 0;
}

static void text_escaped(FILE *out, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '<')
            fputs("&lt;", out);
        else if (*s == '>')
            fputs("&gt;", out);
        else if (*s == '&')
            fputs("&amp;", out);
        else if (*s == '"')
            fputs("&quot;", out);
        else
            fputc(*s, out);
    }
}

/* ---- the panels ------------------------------------------------------- */

/* Each variant in evaluation order, the best so far as a step line, failures
 * as red ticks under the axis. */
static void draw_trace(FILE *out, const plot_rows *p, const log_axis *a)
{
    double left = MARGIN_LEFT, width = PLOT_WIDTH - MARGIN_LEFT - 30;
    double dx = width / (p->count > 1 ? p->count - 1 : 1);
    draw_axis(out, a, left, width);
    fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n", left,
            a->top + a->height, left + width, a->top + a->height);
    fprintf(out, "<text x=\"14\" y=\"%.1f\" font-size=\"11\" transform=\"rotate(-90 14 %.1f)\""
                 " text-anchor=\"middle\">median time</text>\n",
            a->top + a->height / 2, a->top + a->height / 2);
    fprintf(out, "<g class=\"trace\">\n");
    double best = INFINITY;
    fputs("<polyline class=\"best\" fill=\"none\" stroke=\"#2a7\" stroke-width=\"1.5\" points=\"", out);
    for (int i = 0; i < p->count; i++) {
        if (p->items[i].ns <= 0)
            continue;
        double x = left + dx * i;
        if (best < INFINITY)
            fprintf(out, "%.1f,%.2f ", x, axis_y(a, best));
        best = fmin(best, p->items[i].ns);
        fprintf(out, "%.1f,%.2f ", x, axis_y(a, best));
    }
    fputs("\"/>\n", out);
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < p->count; i++)
        if (p->items[i].colour >= 0) {
            lo = fmin(lo, p->items[i].colour);
            hi = fmax(hi, p->items[i].colour);
        }
    for (int i = 0; i < p->count; i++) {
        const point *pt = &p->items[i];
        double x = left + dx * i;
        char fill[8] = "#36c", colour[48] = "";
        if (p->colour_by && pt->colour >= 0) {
            /* blue (lowest) to red (highest), linear in the figure */
            double t = hi > lo ? (pt->colour - lo) / (hi - lo) : 0;
            snprintf(fill, sizeof fill, "#%02x%02x%02x", (int)(40 + 200 * t) & 0xff, 60, (int)(220 - 200 * t) & 0xff);
            snprintf(colour, sizeof colour, " data-colour=\"%.9g\"", pt->colour);
        } else if (p->colour_by) {
            snprintf(fill, sizeof fill, "#999");
        }
        if (pt->ns > 0)
            fprintf(out,
                    "<circle class=\"variant\" data-id=\"%lld\" data-ns=\"%.1f\" cx=\"%.1f\" cy=\"%.2f\" r=\"2.5\""
                    " fill=\"%s\"%s/>\n",
                    (long long)pt->id, pt->ns, x, axis_y(a, pt->ns), fill, colour);
        else
            fprintf(out,
                    "<line class=\"failed\" data-id=\"%lld\" data-verdict=\"%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\""
                    " y2=\"%.1f\" stroke=\"#c33\"/>\n",
                    (long long)pt->id, pt->verdict, x, a->top + a->height + 4, x, a->top + a->height + 12);
    }
    fprintf(out, "</g>\n<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\">variants in"
                 " evaluation order (%d; red: failed); green: best so far</text>\n",
            left + width / 2, a->top + a->height + 28, p->count);
    if (p->colour_by && lo <= hi) {
        fputs("<text class=\"colour-legend\" x=\"20\" y=\"36\" font-size=\"11\">colour: ", out);
        text_escaped(out, p->colour_by);
        fprintf(out, " from %.4g (blue) to %.4g (red); grey: not counted</text>\n", lo, hi);
    }
}

/* The distinct values parameter `name` takes in the run, ascending. */
static int param_values(const plot_rows *p, const char *name, long long *values, int max)
{
    int n = 0;
    for (int i = 0; i < p->count; i++) {
        long long v;
        if (kiln_config_pairs_get(&p->items[i].params, name, &v) != 0)
            continue;
        int at = 0;
        while (at < n && values[at] < v)
            at++;
        if (at < n && values[at] == v)
            continue;
        if (n == max)
            return -1;
        memmove(values + at + 1, values + at, (size_t)(n - at) * sizeof *values);
        values[at] = v;
        n++;
    }
    return n;
}

/* One column of points per value of the parameter, and each column's median. */
static void draw_param(FILE *out, const plot_rows *p, const char *name, double left, double top)
{
    long long values[64];
    int nv = param_values(p, name, values, 64);
    log_axis a;
    if (nv <= 0 || make_axis(p, top + 20, PANEL_HEIGHT - 60, &a) != 0)
        return;
    double width = PANEL_WIDTH - 60, col = width / nv;
    fprintf(out, "<g class=\"param\" data-name=\"");
    text_escaped(out, name);
    fputs("\">\n", out);
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\">", left + width / 2, top + 10);
    text_escaped(out, name);
    fputs("</text>\n", out);
    draw_axis(out, &a, left, width);
    for (int j = 0; j < nv; j++) {
        double cx = left + col * (j + 0.5);
        double times[4096];
        int nt = 0;
        for (int i = 0; i < p->count; i++) {
            long long v;
            const point *pt = &p->items[i];
            if (pt->ns <= 0 || kiln_config_pairs_get(&pt->params, name, &v) != 0 || v != values[j])
                continue;
            if (nt < (int)(sizeof times / sizeof times[0]))
                times[nt++] = pt->ns;
            fprintf(out,
                    "<circle class=\"value\" data-value=\"%lld\" data-id=\"%lld\" data-ns=\"%.1f\" cx=\"%.1f\""
                    " cy=\"%.2f\" r=\"2\" fill=\"#36c\" fill-opacity=\"0.6\"/>\n",
                    values[j], (long long)pt->id, pt->ns, cx + col * 0.25 * (((i * 37) % 11) / 10.0 - 0.5),
                    axis_y(&a, pt->ns));
        }
        if (nt > 0) {
            for (int x = 1; x < nt; x++) /* insertion sort: a column holds few points */
                for (int y = x; y > 0 && times[y - 1] > times[y]; y--) {
                    double t = times[y];
                    times[y] = times[y - 1];
                    times[y - 1] = t;
                }
            double median = nt % 2 ? times[nt / 2] : 0.5 * (times[nt / 2 - 1] + times[nt / 2]);
            fprintf(out,
                    "<line class=\"median\" data-value=\"%lld\" data-ns=\"%.1f\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.2f\""
                    " y2=\"%.2f\" stroke=\"#c80\" stroke-width=\"2\"/>\n",
                    values[j], median, cx - col * 0.3, cx + col * 0.3, axis_y(&a, median), axis_y(&a, median));
        }
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"middle\">%lld</text>\n", cx,
                a.top + a.height + 14, values[j]);
    }
    fputs("</g>\n", out);
}

/* ---- the roofline ----------------------------------------------------- */

#define ROOF_WIDTH 600
#define ROOF_HEIGHT 320

typedef struct roof {
    double peak_gflops, peak_gbytes_per_s;
    double xlo, xhi, ylo, yhi;  /* log10 of intensity (FLOP/byte) and GFLOP/s shown */
    double left, top, width, height;
} roof;

static double roof_x(const roof *r, double intensity)
{
    return r->left + r->width * (log10(intensity) - r->xlo) / (r->xhi - r->xlo);
}

static double roof_y(const roof *r, double gflops)
{
    return r->top + r->height * (1 - (log10(gflops) - r->ylo) / (r->yhi - r->ylo));
}

/* The highest figure a micro-kernel reached on the device: its peak. */
typedef struct peak_find {
    int gflops;                 /* 1: GFLOP/s, 0: GB/s */
    double best;
} peak_find;

static int peak_row(void *user, const kiln_db_row *row)
{
    peak_find *f = user;
    double v = f->gflops ? row->gflops : row->gbytes_per_s;
    if (strcmp(row->verdict, "ok") == 0 && row->superseded_by == 0 && v > f->best)
        f->best = v;
    return 0;
}

static int roof_peaks(kiln_db *db, const plot_rows *p, roof *r, char *err, size_t errlen)
{
    peak_find fma = {1, 0}, stream = {0, 0};
    if (kiln_db_foreach(db, kiln_kernel_peak_fma.name, p->device_fp, NULL, peak_row, &fma) != 0 ||
        kiln_db_foreach(db, kiln_kernel_peak_stream.name, p->device_fp, NULL, peak_row, &stream) != 0) {
        snprintf(err, errlen, "%s", kiln_db_errmsg(db));
        return -1;
    }
    if (!(fma.best > 0) || !(stream.best > 0)) {
        snprintf(err, errlen, "no peaks of device %s (%s) in the database: run 'kiln peaks --device %s' first",
                 p->device, p->device_fp, p->device_fp);
        return -1;
    }
    r->peak_gflops = fma.best;
    r->peak_gbytes_per_s = stream.best;
    return 0;
}

/* Axes over every variant, the ridge and the roof around it. -1: the kernel counts no FLOPs or bytes. */
static int roof_axes(const plot_rows *p, roof *r, double left, double top)
{
    double ridge = r->peak_gflops / r->peak_gbytes_per_s;
    double ilo = ridge, ihi = ridge, glo = r->peak_gflops, ghi = r->peak_gflops;
    int counted = 0;
    for (int i = 0; i < p->count; i++) {
        const point *pt = &p->items[i];
        if (!(pt->gflops > 0) || !(pt->gbytes_per_s > 0))
            continue;
        double intensity = pt->gflops / pt->gbytes_per_s;
        ilo = fmin(ilo, intensity);
        ihi = fmax(ihi, intensity);
        glo = fmin(glo, pt->gflops);
        ghi = fmax(ghi, pt->gflops);
        counted++;
    }
    if (!counted)
        return -1;
    r->xlo = log10(ilo) - 0.6;
    r->xhi = log10(ihi) + 0.6;
    r->ylo = log10(glo) - 0.3;
    r->yhi = log10(ghi) + 0.3;
    r->left = left;
    r->top = top;
    r->width = ROOF_WIDTH;
    r->height = ROOF_HEIGHT - 70;
    return 0;
}

static void draw_roofline(FILE *out, const plot_rows *p, const roof *r)
{
    fprintf(out,
            "<g class=\"roofline\" data-peak-gflops=\"%.6g\" data-peak-gbytes-per-s=\"%.6g\" data-xlo=\"%.9g\""
            " data-xhi=\"%.9g\" data-ylo=\"%.9g\" data-yhi=\"%.9g\" data-left=\"%.1f\" data-top=\"%.1f\""
            " data-width=\"%.1f\" data-height=\"%.1f\">\n",
            r->peak_gflops, r->peak_gbytes_per_s, r->xlo, r->xhi, r->ylo, r->yhi, r->left, r->top, r->width,
            r->height);
    fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#333\"/>\n",
            r->left, r->top, r->width, r->height);
    for (int e = (int)ceil(r->xlo); e <= (int)floor(r->xhi); e++) /* a grid line per decade */
        fprintf(out,
                "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"middle\">%g</text>\n",
                roof_x(r, pow(10, e)), roof_x(r, pow(10, e)), r->top, r->top + r->height, roof_x(r, pow(10, e)),
                r->top + r->height + 12, pow(10, e));
    for (int e = (int)ceil(r->ylo); e <= (int)floor(r->yhi); e++)
        fprintf(out,
                "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">%g GFLOP/s</text>\n",
                r->left, r->left + r->width, roof_y(r, pow(10, e)), roof_y(r, pow(10, e)), r->left - 4,
                roof_y(r, pow(10, e)) + 3, pow(10, e));
    /* the roof: bandwidth-bound from where it enters the frame, then flat from the ridge */
    double ridge = r->peak_gflops / r->peak_gbytes_per_s;
    double enter = fmax(pow(10, r->xlo), pow(10, r->ylo) / r->peak_gbytes_per_s);
    fprintf(out,
            "<polyline class=\"roof\" fill=\"none\" stroke=\"#c33\" stroke-width=\"2\""
            " points=\"%.1f,%.2f %.1f,%.2f %.1f,%.2f\"/>\n",
            roof_x(r, enter), roof_y(r, enter * r->peak_gbytes_per_s), roof_x(r, ridge), roof_y(r, r->peak_gflops),
            roof_x(r, pow(10, r->xhi)), roof_y(r, r->peak_gflops));
    fprintf(out,
            "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" fill=\"#c33\">peak_fma %.3g GFLOP/s, peak_stream %.3g GB/s"
            " (ridge at %.3g FLOP/byte)</text>\n",
            r->left + 6, r->top + 14, r->peak_gflops, r->peak_gbytes_per_s, ridge);
    for (int i = 0; i < p->count; i++) {
        const point *pt = &p->items[i];
        if (!(pt->gflops > 0) || !(pt->gbytes_per_s > 0))
            continue;
        double intensity = pt->gflops / pt->gbytes_per_s;
        fprintf(out,
                "<circle class=\"roof-variant\" data-id=\"%lld\" data-intensity=\"%.9g\" data-gflops=\"%.9g\""
                " cx=\"%.2f\" cy=\"%.2f\" r=\"2.5\" fill=\"#36c\" fill-opacity=\"0.7\"/>\n",
                (long long)pt->id, intensity, pt->gflops, roof_x(r, intensity), roof_y(r, pt->gflops));
    }
    fprintf(out,
            "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\">arithmetic intensity (FLOP/byte,"
            " log) against GFLOP/s (log), on %s</text>\n</g>\n",
            r->left + r->width / 2, r->top + r->height + 28, p->device);
}

int cli_plot(FILE *out, kiln_db *db, const char *kernel, const char *device_fp, const char *size, int64_t run,
             int roofline, const char *colour_by, char *err, size_t errlen)
{
    plot_rows p;
    memset(&p, 0, sizeof p);
    p.run = run;
    p.colour_by = colour_by;
    if (p.run <= 0 && kiln_db_foreach(db, kernel, device_fp, size, latest_run, &p.run) != 0) {
        snprintf(err, errlen, "%s", kiln_db_errmsg(db));
        return -1;
    }
    if (p.run <= 0) {
        snprintf(err, errlen, "no tuning run of '%s' matches", kernel);
        return -1;
    }
    if (kiln_db_foreach(db, kernel, device_fp, size, collect_point, &p) != 0 || p.failed) {
        snprintf(err, errlen, "%s", p.failed ? p.err : kiln_db_errmsg(db));
        plot_rows_clear(&p);
        return -1;
    }
    log_axis trace;
    if (p.count == 0 || make_axis(&p, MARGIN_TOP, TRACE_HEIGHT - 80, &trace) != 0) {
        if (p.count)
            snprintf(err, errlen, "run %lld of '%s' holds no correct result to plot", (long long)p.run, kernel);
        else
            snprintf(err, errlen, "run %lld holds no result of '%s' that matches", (long long)p.run, kernel);
        plot_rows_clear(&p);
        return -1;
    }
    int coloured = 0;
    for (int i = 0; i < p.count; i++)
        coloured += p.items[i].colour >= 0;
    if (colour_by && !coloured) {
        snprintf(err, errlen, "no correct variant of run %lld has '%s' in its counters (kiln tune --counters, --energy)",
                 (long long)p.run, colour_by);
        plot_rows_clear(&p);
        return -1;
    }
    /* the parameters of the first result; every result of a run has the same */
    const kiln_config_pairs *names = &p.items[0].params;
    int rows = (names->count + PANELS_PER_ROW - 1) / PANELS_PER_ROW;
    int height = TRACE_HEIGHT + rows * PANEL_HEIGHT + 20;
    roof r;
    memset(&r, 0, sizeof r);
    if (roofline) {
        if (roof_peaks(db, &p, &r, err, errlen) != 0) {
            plot_rows_clear(&p);
            return -1;
        }
        if (roof_axes(&p, &r, MARGIN_LEFT, height + 10) != 0) {
            snprintf(err, errlen, "'%s' counts no FLOPs or no bytes: its variants have no place on a roofline",
                     kernel);
            plot_rows_clear(&p);
            return -1;
        }
        height += ROOF_HEIGHT;
    }
    fprintf(out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
            " font-family=\"sans-serif\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
            PLOT_WIDTH, height, PLOT_WIDTH, height);
    fputs("<text x=\"20\" y=\"22\" font-size=\"14\">", out);
    text_escaped(out, kernel);
    fprintf(out, ", run %lld: median time of each variant</text>\n", (long long)p.run);
    draw_trace(out, &p, &trace);
    for (int i = 0; i < names->count; i++)
        draw_param(out, &p, names->names[i], MARGIN_LEFT + (i % PANELS_PER_ROW) * PANEL_WIDTH,
                   TRACE_HEIGHT + (i / PANELS_PER_ROW) * PANEL_HEIGHT);
    if (roofline)
        draw_roofline(out, &p, &r);
    fputs("</svg>\n", out);
    plot_rows_clear(&p);
    return 0;
}
