/*
 * kiln/lookup.h: what an application asks at start-up. "The best known
 * configuration of kernel K on this device for problem size S", read from a
 * tuning database that `kiln tune` wrote, with where the answer comes from.
 *
 * The database is opened read-only: nothing is created, migrated or written,
 * it may ship read-only with the application or belong to another user, and a
 * tuner writing to it at the same time is never blocked (SQLite's WAL mode:
 * readers see the last committed results). Reading needs SQLite only; no
 * OpenCL call is made. This header includes no other kiln header.
 *
 * The fallback (the same rules as `kiln best`), first that answers:
 *   exact                       this device, this size
 *   nearest size                this device, the tuned size nearest this one:
 *                               by the ratio of element counts (4096 is as
 *                               near 2048 as 1024 is; the larger wins a tie)
 *   other device                any other tuned device, this size
 *   other device, nearest size  any other tuned device, the nearest size
 *   default                     nothing tuned: the choice holds no parameter
 *                               and every kiln_choice_value is the caller's
 *                               fallback (its default configuration)
 * At each level the answer is the fastest current correct result, ranked as
 * `kiln best` ranks them (confirmed medians first). Results are only ever of
 * the kernel name asked; a device is named by its fingerprint (what `kiln
 * devices` prints, or kiln_lookup_fingerprint) or by part of its name.
 */
#ifndef KILN_LOOKUP_H
#define KILN_LOOKUP_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum kiln_provenance {
    KILN_FROM_EXACT = 0,
    KILN_FROM_NEAREST_SIZE = 1,
    KILN_FROM_OTHER_DEVICE = 2,
    KILN_FROM_OTHER_DEVICE_SIZE = 3,
    KILN_FROM_DEFAULT = 4
} kiln_provenance;
/* "exact", "nearest size", "other device", "other device, nearest size", "default". */
const char *kiln_provenance_name(kiln_provenance p);

typedef struct kiln_lookup kiln_lookup;
typedef struct kiln_choice kiln_choice;

/* Opens a tuning database read-only (path NULL or "": $KILN_DB, else
 * ./kiln.db). NULL with err when it is missing, not a kiln database, or of
 * a schema this kiln does not read. */
kiln_lookup *kiln_lookup_open(const char *path, char *err, size_t errlen);
void kiln_lookup_close(kiln_lookup *l);
/* Why the last call on l failed. */
const char *kiln_lookup_errmsg(const kiln_lookup *l);

/* The best configuration of `kernel` for `device` and `size`.
 *   device: a fingerprint (16 hex digits), or a case-insensitive part of a
 *           tuned device's name ("H200", "pthread", "host"); NULL or "" for
 *           any device (then no answer is "other device").
 *   size:   "N", "NxM" or "NxMxK"; NULL or "" for any size.
 * Returns a choice (free it with kiln_choice_free), of provenance
 * KILN_FROM_DEFAULT when nothing fits; NULL on an error (a bad size, a
 * database that cannot be read), the reason in kiln_lookup_errmsg. */
kiln_choice *kiln_lookup_best(kiln_lookup *l, const char *kernel, const char *device, const char *size);
void kiln_choice_free(kiln_choice *c);

kiln_provenance kiln_choice_provenance(const kiln_choice *c);
/* A parameter's value: 0 and *value set, or -1 when the choice has no such
 * parameter (always, for a default choice). */
int kiln_choice_get(const kiln_choice *c, const char *name, long long *value);
/* A parameter's value, or fallback when the choice has none. */
long long kiln_choice_value(const kiln_choice *c, const char *name, long long fallback);
/* The parameters in the order stored: i from 0 to kiln_choice_count - 1. */
int kiln_choice_count(const kiln_choice *c);
const char *kiln_choice_name(const kiln_choice *c, int i);
long long kiln_choice_value_at(const kiln_choice *c, int i);
/* The configuration as stored ({"wg":64,...}; "{}" for a default choice). */
const char *kiln_choice_config_json(const kiln_choice *c);
/* What the answer was measured on, and how fast: the device's name and
 * fingerprint, the size, the median (the confirmed median where there is
 * one) in nanoseconds. "" and -1 for a default choice. */
const char *kiln_choice_device(const kiln_choice *c);
const char *kiln_choice_fingerprint(const kiln_choice *c);
const char *kiln_choice_size(const kiln_choice *c);
double kiln_choice_time_ns(const kiln_choice *c);
/* The generated source of the chosen variant, as it was built when tuned,
 * and its language ("cl": OpenCL C, "c": C99), for the application to build
 * itself. NULL when the database holds none (and for a default choice). */
const char *kiln_choice_source(const kiln_choice *c);
const char *kiln_choice_lang(const kiln_choice *c);

/* The fingerprint kiln gives a device (out: 16 hex digits and a NUL), from
 * what the application can ask its OpenCL device: backend "opencl",
 * CL_PLATFORM_NAME, CL_DEVICE_NAME, CL_DRIVER_VERSION, CL_DEVICE_MAX_COMPUTE_UNITS.
 * 0 ok, -1 when an argument is NULL. */
int kiln_lookup_fingerprint(const char *backend, const char *platform, const char *device, const char *driver,
                            int compute_units, char out[17]);

#ifdef __cplusplus
}
#endif

#endif
