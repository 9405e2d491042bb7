/*
 * test_bigdft_filters.c: the filter file kept in the repository
 * (kernels/bigdft/bigdft_filters.txt) has the published checksums it states,
 * and the tables the kernels are built from (filters.c) hold its values.
 * Checksums: sum(SYM8_LP) = sqrt(2), sum(SYM8_MF) = 1, the first moment of
 * SYM8_D1 (sum l c_l) = 1 and the second moment of SYM8_D2 (sum l^2 c_l) = 2.
 * Beyond the file's own: the low-pass filter is orthonormal to its even
 * shifts (sum h_k h_{k+2m} = delta_m), D1 is antisymmetric, D2 symmetric
 * with zero sum.
 */
#include <math.h>
#include "check.h"
#include "kernels/bigdft/bigdft.h"

#define MAX_FILTERS 8
#define MAX_TAPS 64

typedef struct file_filter {
    char name[32];
    int first, last, count;
    double coef[MAX_TAPS];
} file_filter;

/* Reads every 'filter NAME first last' block; -1 on a malformed line. */
static int read_filters(const char *path, file_filter *out, int *nout)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[512];
    int n = 0, rc = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        if (strncmp(line, "filter ", 7) == 0) {
            if (n == MAX_FILTERS || sscanf(line + 7, "%31s %d %d", out[n].name, &out[n].first, &out[n].last) != 3) {
                rc = -1;
                break;
            }
            out[n++].count = 0;
            continue;
        }
        char *end;
        double v = strtod(line, &end);
        if (n == 0 || end == line || out[n - 1].count == MAX_TAPS) {
            rc = -1;
            break;
        }
        out[n - 1].coef[out[n - 1].count++] = v;
    }
    fclose(f);
    *nout = n;
    return rc;
}

static const file_filter *find(const file_filter *fs, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(fs[i].name, name) == 0)
            return &fs[i];
    return NULL;
}

/* sum of c_l * l^power over the taps */
static double moment(const file_filter *f, int power)
{
    double s = 0.0;
    for (int k = 0; k < f->count; k++)
        s += f->coef[k] * pow(f->first + k, power);
    return s;
}

int main(void)
{
    file_filter fs[MAX_FILTERS];
    int n = 0;
    const char *path = KILN_SOURCE_DIR "/kernels/bigdft/bigdft_filters.txt";
    CHECK_MSG(read_filters(path, fs, &n) == 0, "cannot read %s", path);
    CHECK(n == 4);
    const file_filter *lp = find(fs, n, "SYM8_LP"), *mf = find(fs, n, "SYM8_MF");
    const file_filter *d1 = find(fs, n, "SYM8_D1"), *d2 = find(fs, n, "SYM8_D2");
    CHECK(lp && mf && d1 && d2);
    if (!lp || !mf || !d1 || !d2)
        CHECK_DONE();
    for (int i = 0; i < n; i++)
        CHECK_MSG(fs[i].count == fs[i].last - fs[i].first + 1, "%s: %d values for taps %d..%d", fs[i].name,
                  fs[i].count, fs[i].first, fs[i].last);

    /* the published checksums */
    CHECK_MSG(fabs(moment(lp, 0) - sqrt(2.0)) < 1e-14, "sum(SYM8_LP) = %.17g", moment(lp, 0));
    CHECK_MSG(fabs(moment(mf, 0) - 1.0) < 1e-14, "sum(SYM8_MF) = %.17g", moment(mf, 0));
    CHECK_MSG(fabs(moment(d1, 1) - 1.0) < 1e-13, "SYM8_D1 moment1 = %.17g", moment(d1, 1));
    CHECK_MSG(fabs(moment(d2, 2) - 2.0) < 1e-13, "SYM8_D2 moment2 = %.17g", moment(d2, 2));

    /* orthonormality of the SYM8 low-pass filter to its even shifts */
    for (int m = 0; m < 8; m++) {
        double s = 0.0;
        for (int k = 0; k + 2 * m < 16; k++)
            s += lp->coef[k] * lp->coef[k + 2 * m];
        CHECK_MSG(fabs(s - (m == 0 ? 1.0 : 0.0)) < 1e-14, "sum h_k h_{k+%d} = %.17g", 2 * m, s);
    }
    /* derivative filters: D1 antisymmetric, D2 symmetric, both sum to zero */
    for (int k = 0; k < d1->count; k++) {
        CHECK(d1->coef[k] == -d1->coef[d1->count - 1 - k]);
        CHECK(d2->coef[k] == d2->coef[d2->count - 1 - k]);
    }
    CHECK(fabs(moment(d2, 0)) < 1e-14);

    /* the kernels' tables are the file's values, tap by tap */
    const bigdft_filter *tables[] = {&bigdft_sym8_lp, &bigdft_sym8_mf, &bigdft_sym8_d1, &bigdft_sym8_d2};
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
        const file_filter *f = find(fs, n, tables[t]->name);
        CHECK_MSG(f && f->first == tables[t]->first && f->last == tables[t]->last, "%s: taps differ", tables[t]->name);
        for (int l = f ? f->first : 0; f && l <= f->last; l++)
            CHECK_MSG(bigdft_tap(tables[t], l) == f->coef[l - f->first],
                      "%s tap %d: %.17g in filters.c, %.17g in the file",
                      tables[t]->name, l, bigdft_tap(tables[t], l), f->coef[l - f->first]);
        CHECK(bigdft_tap(tables[t], tables[t]->first - 1) == 0.0 && bigdft_tap(tables[t], tables[t]->last + 1) == 0.0);
    }
    /* the high-pass filter g_k = (-1)^k h_{15-k} */
    for (int k = 0; k < 16; k++)
        CHECK(bigdft_highpass(k) == (k % 2 ? -1.0 : 1.0) * lp->coef[15 - k]);
    CHECK_DONE();
}
