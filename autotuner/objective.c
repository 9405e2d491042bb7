/*
 * objective.c: what a tuning run minimises (time, energy, energy-delay
 * product), from a result's median time and the energy its counters hold.
 */
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

double kiln_counters_energy_j(const char *counters_json)
{
    static const char key[] = "\"energy_j\":";
    const char *p = counters_json ? strstr(counters_json, key) : NULL;
    if (!p)
        return -1;
    char *end;
    double v = strtod(p + sizeof key - 1, &end);
    return end == p + sizeof key - 1 || v < 0 ? -1 : v;
}
