/*
 * objective.c: what a tuning run minimises (time, energy, energy-delay
 * product), from a result's median time and the energy its counters hold;
 * and the figures derived from counted events and the kernel's declared
 * FLOP and byte counts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kiln/tuner.h"

static const char *const names[] = {"time", "energy", "edp"};

const char *kiln_objective_name(kiln_objective o)
{
    return (unsigned)o < sizeof names / sizeof names[0] ? names[o] : "?";
}

int kiln_objective_parse(const char *name, kiln_objective *out)
{
    for (size_t i = 0; name && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0) {
            *out = (kiln_objective)i;
            return 0;
        }
    return -1;
}

double kiln_objective_value(kiln_objective o, double median_ns, double energy_j)
{
    switch (o) {
    case KILN_OBJECTIVE_TIME: return median_ns > 0 ? median_ns : -1;
    case KILN_OBJECTIVE_ENERGY: return energy_j >= 0 ? energy_j : -1;
    case KILN_OBJECTIVE_EDP: return energy_j >= 0 && median_ns > 0 ? energy_j * median_ns * 1e-9 : -1;
    }
    return -1;
}

double kiln_counters_figure(const char *counters_json, const char *name)
{
    char key[128];
    int n = snprintf(key, sizeof key, "\"%s\":", name);
    const char *p = counters_json && n > 0 && (size_t)n < sizeof key ? strstr(counters_json, key) : NULL;
    if (!p)
        return -1;
    char *end;
    double v = strtod(p + n, &end);
    return end == p + n || v < 0 ? -1 : v;
}

double kiln_counters_energy_j(const char *counters_json)
{
    return kiln_counters_figure(counters_json, "energy_j");
}

int kiln_counts_json_derived(const kiln_counts *c, double declared_flops, double declared_bytes, char *out,
                             size_t len)
{
    if (kiln_counts_json(c, out, len) != 0)
        return -1;
    size_t used = strlen(out);
    if (used == 0 || out[used - 1] != '}')
        return -1;
    used--; /* reopen the object */
    char more[512] = "";
    size_t m = 0;
    if (declared_flops > 0)
        m += (size_t)snprintf(more + m, sizeof more - m, ",\"declared_flops\":%.17g", declared_flops);
    if (declared_bytes > 0)
        m += (size_t)snprintf(more + m, sizeof more - m, ",\"declared_bytes\":%.17g", declared_bytes);
    if (declared_flops > 0 && declared_bytes > 0)
        m += (size_t)snprintf(more + m, sizeof more - m, ",\"bytes_per_flop\":%.17g", declared_bytes / declared_flops);
    static const char *const fp_events[] = {"PAPI_FP_OPS", "PAPI_SP_OPS", "PAPI_DP_OPS"};
    for (size_t e = 0; e < sizeof fp_events / sizeof fp_events[0]; e++) {
        int found = -1;
        for (int i = 0; i < c->n && found < 0; i++)
            if (strcmp(c->name[i], fp_events[e]) == 0)
                found = i;
        if (found < 0)
            continue;
        if (c->elapsed_ns > 0)
            m += (size_t)snprintf(more + m, sizeof more - m, ",\"counted_gflops\":%.17g",
                                  c->per_run[found] / c->elapsed_ns);
        if (declared_flops > 0)
            m += (size_t)snprintf(more + m, sizeof more - m, ",\"counted_over_declared\":%.17g",
                                  c->per_run[found] / declared_flops);
        break;
    }
    if (m >= sizeof more || used + m + 2 > len)
        return -1;
    memcpy(out + used, more, m);
    out[used + m] = '}';
    out[used + m + 1] = '\0';
    return 0;
}
